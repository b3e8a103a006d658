"""The customers behind a number of the figures: for each figure the dashboard lets you click, the SQL
that selects the ids of the customers it counts, built from the same definitions as the figure itself
(reports/visit_figures.py, channel_figures.py, stage_figures.py, funnel_figures.py, oversight.py), so
the list a click opens is the number's own. Which of them the user may see is service/queries/figure_customers.py's part.

    customer_ids(session, period, Behind(FIRST), now) -> a SELECT of customer ids

Ids may name a customer later merged into another; the listing follows merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db.models import Case, Customer, Report, VisitRecord
from db.models import Warning as WarningRecord
from judge.facts import NATURAL
from reports.funnel_figures import converted_ids
from reports.journal_sql import entries, seq_range, stage_events
from reports.oversight import ACTIVE
from reports.period import LocalTime, Period, between, month_of
from reports.visit_figures import groups_of, visits_in

# 来访 (key: a source, a channel, an hour "0".."23")
VISITS, FIRST, RETURNING, UNVERIFIED, MONTH = "visits", "first", "returning", "unverified", "month"
SOURCE, VISIT_CHANNEL, HOUR = "source", "visit_channel", "hour"
# 渠道 (key: a channel, "natural"; None: every channel) and invalid reports (key: the reason)
REPORTS, VALID, LED, PLEDGES, DEALS, COMMISSIONED, INVALID = (
    "reports", "valid_reports", "led", "pledges", "deals", "commissioned", "invalid")
# 顾问 (key: the consultant)
RECEIVED, RECEIVED_FIRST, PLEDGED_BY, DEALS_BY, PROTECTED, CLAIMS = (
    "received", "received_first", "pledged_by", "deals_by", "protected", "claims")
# 漏斗 beyond reports and visits (key: pledge | subscribe | contract); converted into a step (key: visit ...)
STAGE, CONVERTED = "stage", "converted"
# 判客 (key: a case kind or None) and 预警 (key: a warning kind or None; outcome: raised, active, resolved ...)
CASES_OPENED, CASES_DECIDED, CASES_KEPT, CASES_OVERRIDDEN, WARNINGS = (
    "cases_opened", "cases_decided", "cases_kept", "cases_overridden", "warnings")
CONSULTANT_MEASURES = (RECEIVED, RECEIVED_FIRST, PLEDGED_BY, DEALS_BY, PROTECTED, CLAIMS)
WARNING_OUTCOMES = ("raised", "active", "resolved", "dismissed", "blacklisted")


@dataclass(frozen=True)
class Behind:
    """One clickable number: the measure, and the channel, consultant, source, kind ... it is for."""

    measure: str
    key: str | None = None
    outcome: str = "raised"  # warnings only


def customer_ids(session: Session, period: Period, behind: Behind, now: datetime,
                 consultant: str | None = None) -> Any:
    """A SELECT of the ids of the customers counted by the number `behind` over `period`; `consultant`:
    in that consultant's own figures. `now`: when customers under protection are counted (the figures'
    `as_of`)."""
    dialect = session.get_bind().dialect.name
    local = LocalTime(dialect, period)
    m, key = behind.measure, behind.key
    if m in (VISITS, FIRST, RETURNING, UNVERIFIED, SOURCE, VISIT_CHANNEL, HOUR, MONTH, RECEIVED, RECEIVED_FIRST):
        return _visits(local, behind, consultant)
    if m in (REPORTS, VALID, INVALID):
        return _reports(session, period, behind, consultant)
    if m == LED:
        named, judged = aliased(Customer), aliased(Customer)
        query = (sa.select(judged.id).select_from(VisitRecord)
                 .join(named, named.id == VisitRecord.customer_id)
                 .join(judged, judged.id == sa.func.coalesce(named.merged_into, named.id))
                 .where(VisitRecord.at >= period.start, VisitRecord.at < period.end, judged.merged_into.is_(None),
                        judged.first_visit_at == VisitRecord.at, judged.channel == key))
        return query.where(judged.owner == consultant) if consultant is not None else query
    if m in (PLEDGES, DEALS, COMMISSIONED, STAGE, PLEDGED_BY, DEALS_BY):
        return _stages(dialect, period, behind, consultant)
    if m == CONVERTED:
        return converted_ids(session, period, key or "", consultant)
    if m == PROTECTED:
        return sa.select(Customer.id).where(
            Customer.merged_into.is_(None), Customer.owner == key,
            sa.or_(Customer.protected_until.is_(None), Customer.protected_until > now))
    if m == CLAIMS:
        claims = entries(dialect, ("claim",), period, "consultant", "customer")
        return sa.select(claims.c.customer).where(claims.c.consultant == key)
    if m in (CASES_OPENED, CASES_DECIDED, CASES_KEPT, CASES_OVERRIDDEN):
        return _cases(dialect, period, behind, consultant)
    if m == WARNINGS:
        return _warnings(period, behind, consultant)
    raise ValueError(f"unknown measure {m!r}")


def _visits(local: LocalTime, behind: Behind, consultant: str | None) -> Any:
    m, key = behind.measure, behind.key
    if m == MONTH:  # 本月来访: the month's days up to the period's end
        period = local.period
        local = LocalTime(local.dialect, between(month_of(period.last, period.zone).first, period.last, period.zone))
    visits = visits_in(local, consultant)
    if m in (VISITS, MONTH):
        return sa.select(visits.c.customer_id)
    if m == FIRST:
        return sa.select(visits.c.customer_id).where(visits.c.first == 1)
    if m == UNVERIFIED:
        return sa.select(visits.c.customer_id).where(visits.c.verified.is_(False))
    if m in (RECEIVED, RECEIVED_FIRST):
        query = sa.select(visits.c.customer_id).where(visits.c.consultant == key)
        return query.where(visits.c.first == 1) if m == RECEIVED_FIRST else query
    groups = groups_of(visits)
    if m == RETURNING:
        return sa.select(groups.c.customer_id).where(groups.c.first == 0)
    if m == SOURCE:
        return sa.select(groups.c.customer_id).where(
            groups.c.source.is_(None) if key is None else groups.c.source == key)
    if m == HOUR:
        return sa.select(groups.c.customer_id).where(local.hour(groups.c.first_at) == int(key or 0))
    named, judged = aliased(Customer), aliased(Customer)  # VISIT_CHANNEL: the channel the customer is judged
    channel = sa.case((named.merged_into.is_not(None), judged.channel), else_=named.channel)
    return (sa.select(groups.c.customer_id).join(named, named.id == groups.c.customer_id)
            .outerjoin(judged, judged.id == named.merged_into)
            .where(channel.is_(None) if key is None else channel == key))


def _reports(session: Session, period: Period, behind: Behind, consultant: str | None) -> Any:
    first, last = seq_range(session, period)  # a report's id is its journal entry
    query = sa.select(Report.customer_id).where(Report.id >= first, Report.id <= last,
                                                Report.customer_id.is_not(None))
    if behind.measure == INVALID:
        query = query.where(Report.status == "invalid", Report.reason == behind.key)
    else:
        if behind.key is not None:
            query = query.where(Report.channel == behind.key)
        if behind.measure == VALID:
            query = query.where(Report.status != "invalid")
    if consultant is not None:
        query = query.join(Customer, Customer.id == Report.customer_id).where(Customer.owner == consultant)
    return query


def _stages(dialect: str, period: Period, behind: Behind, consultant: str | None) -> Any:
    events = stage_events(dialect, period)
    m, key = behind.measure, behind.key
    closing = events.c.closing == 1
    conditions: list[Any] = {
        PLEDGES: [events.c.stage == "pledge", events.c.channel == key],
        DEALS: [closing, events.c.channel == key],
        COMMISSIONED: [closing, events.c.commission == key, events.c.commission != NATURAL],
        STAGE: [events.c.stage == key],
        PLEDGED_BY: [events.c.stage == "pledge", events.c.consultant == key],
        DEALS_BY: [closing, events.c.consultant == key],
    }[m]
    if consultant is not None:  # as the figures count a consultant's own: channels by owner, stages by recorder
        conditions.append(events.c.owner == consultant if m in (PLEDGES, DEALS, COMMISSIONED)
                          else events.c.consultant == consultant)
    return sa.select(events.c.customer).where(*conditions)


def _case_sides(consultant: str | None) -> list[Any]:
    if consultant is None:
        return []
    return [sa.or_(Case.claimant == consultant, Case.recommended == consultant, Case.verdict == consultant)]


def _cases(dialect: str, period: Period, behind: Behind, consultant: str | None) -> Any:
    if behind.measure == CASES_OPENED:
        query = sa.select(Case.customer_id).where(Case.opened_at >= period.start, Case.opened_at < period.end,
                                                  *_case_sides(consultant))
        return query.where(Case.kind == behind.key) if behind.key is not None else query
    decisions = entries(dialect, ("case_decision",), period, "case_id", "verdict")
    query = (sa.select(Case.customer_id).select_from(decisions).join(Case, Case.id == decisions.c.case_id)
             .where(*_case_sides(consultant)))
    if behind.measure == CASES_KEPT:
        return query.where(decisions.c.verdict == Case.recommended)
    if behind.measure == CASES_OVERRIDDEN:
        return query.where(decisions.c.verdict != Case.recommended)
    return query


def _warnings(period: Period, behind: Behind, consultant: str | None) -> Any:
    if behind.outcome not in WARNING_OUTCOMES:
        raise ValueError(f"unknown warning outcome {behind.outcome!r}")
    query = sa.select(WarningRecord.customer_id).where(
        WarningRecord.raised_at >= period.start, WarningRecord.raised_at < period.end,
        WarningRecord.customer_id.is_not(None))
    if behind.key is not None:
        query = query.where(WarningRecord.kind == behind.key)
    if behind.outcome == "active":
        query = query.where(WarningRecord.status.in_(ACTIVE))
    elif behind.outcome != "raised":
        query = query.where(WarningRecord.status == behind.outcome)
    if consultant is not None:
        query = query.join(Customer, Customer.id == WarningRecord.customer_id).where(Customer.owner == consultant)
    return query
