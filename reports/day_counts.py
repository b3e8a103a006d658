"""The additive figures of each local day, counted from the projections: what reports/rollup.py keeps for
closed days and counts live for the others. One row per (scope, day, measure, key, detail) with two
numbers; a period's figures are the sums of its days' rows (visit groups are per day, so they add up).

Scope "" is the whole site; a consultant's name, the visits they received (their own 来访 figures).

    measure   key            detail    n                  m
    visits    ""             ""        registrations      unverified
    groups    ""             ""        visit groups       of them, first visits
    hour      "00".."23"     ""        groups by the hour of their first arrival
    source    the source     ""        groups by the source the visitor gave ("" none)
    channel   the channel    ""        groups by the customer's attributed channel ("" not judged)
    received  consultant     ""        groups received (site scope), first visits among them
    claims    consultant     outcome   claims from the pool, by outcome (accepted or the refusal)
    opened    case kind      ""        cases opened (site scope)
    decided   ""             ""        cases decided (site scope), of them the recommendation kept
    led       the channel    ""        customers whose first visit fixed their channel (带访, site scope)
    warnings  warning kind   status    warnings raised (site scope), by what became of them
    since     earlier day    ""        groups by the local day of the customer's previous visit in the scope
                                       ("" none): a period's customers are its groups with an earlier day
                                       before the period (or none), which the days add up to (the funnel)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db.models import Case, ClaimRecord, Customer, VisitRecord
from db.models import Warning as WarningRecord
from reports.journal_sql import entries
from reports.period import LocalTime, between, local_date
from reports.visit_figures import visits_in

SITE = ""
Key = tuple[str, date, str, str, str]  # scope, day, measure, key, detail
Row = tuple[str, date, str, str, str, int, int]


class Counter:
    """Rows being added up."""

    def __init__(self) -> None:
        self.cells: dict[Key, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, scope: str, day: date, measure: str, key: str | None, n: int, m: int = 0, detail: str = "") -> None:
        cell = self.cells[(scope, day, measure, key or "", detail)]
        cell[0] += n
        cell[1] += m

    def rows(self) -> list[Row]:
        return [(*k, n, m) for k, (n, m) in self.cells.items()]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def count_visits(session: Session, local: LocalTime, counter: Counter, consultant: str | None = None) -> None:
    """The visit measures of every day of the period: the site's and every consultant's scope, or with
    `consultant` that consultant's scope alone. Visits are grouped once, by customer, day and receiving
    consultant; the site's groups (customer and day) are made from those, in the same statement."""
    visits = visits_in(local, consultant)
    unverified = sa.func.count().filter(visits.c.verified.is_(False))
    received = (sa.select(visits.c.customer_id, visits.c.day, visits.c.consultant,
                          sa.func.max(visits.c.first).label("first"), sa.func.min(visits.c.at).label("first_at"),
                          sa.func.max(visits.c.source).label("source"), sa.func.count().label("visits"),
                          unverified.label("unverified"))
                .group_by(visits.c.customer_id, visits.c.day, visits.c.consultant)
                .cte("received").prefix_with("MATERIALIZED"))
    levels = [sa.select(sa.literal(1).label("level"), received.c.customer_id, received.c.day, received.c.consultant,
                        received.c.first, received.c.first_at, received.c.source, received.c.visits,
                        received.c.unverified)]
    if consultant is None:  # the site's groups: one customer's visits in one day, whoever received them
        levels.append(sa.select(sa.literal(0), received.c.customer_id, received.c.day, sa.null(),
                                sa.func.max(received.c.first), sa.func.min(received.c.first_at),
                                sa.func.max(received.c.source), sa.func.sum(received.c.visits),
                                sa.func.sum(received.c.unverified))
                      .group_by(received.c.customer_id, received.c.day))
    groups = sa.union_all(*levels).subquery()
    named, judged = aliased(Customer), aliased(Customer)
    channel = sa.case((named.merged_into.is_not(None), judged.channel), else_=named.channel)
    hour = local.hour(groups.c.first_at)
    keys = (groups.c.level, groups.c.day, groups.c.consultant, hour, channel, groups.c.source)
    query = (sa.select(*keys, sa.func.count(), sa.func.sum(groups.c.first), sa.func.sum(groups.c.visits),
                       sa.func.sum(groups.c.unverified))
             .join(named, named.id == groups.c.customer_id).outerjoin(judged, judged.id == named.merged_into)
             .group_by(*keys))
    for level, day, name, hour_of, channel_of, source, n, first, registered, waiting in session.execute(query):
        day = _day(day)
        first, registered, waiting = int(first or 0), int(registered or 0), int(waiting or 0)
        if level == 1:
            if name is None:
                continue  # a visit nobody received has no consultant's scope
            if consultant is None:
                counter.add(SITE, day, "received", name, n, first)
        scope = SITE if level == 0 else name
        counter.add(scope, day, "visits", None, registered, waiting)
        counter.add(scope, day, "groups", None, n, first)
        counter.add(scope, day, "hour", f"{int(hour_of):02d}", n)
        counter.add(scope, day, "source", source, n)
        counter.add(scope, day, "channel", channel_of, n)


def count_returns(session: Session, local: LocalTime, counter: Counter, consultant: str | None = None) -> None:
    """The `since` rows: each scope's visit groups by the local day of the customer's previous visit in
    that scope. Within the period the day before comes from the groups themselves (LAG); only a
    customer's first group of the period looks further back (through the visits' customer index)."""
    visits = visits_in(local, consultant)
    levels = [sa.select(sa.literal(1).label("level"), visits.c.customer_id, visits.c.day, visits.c.consultant,
                        sa.func.min(visits.c.at).label("first_at"))
              .group_by(visits.c.customer_id, visits.c.day, visits.c.consultant)]
    if consultant is None:  # the site's groups: whoever received them
        levels.append(sa.select(sa.literal(0), visits.c.customer_id, visits.c.day, sa.null(), sa.func.min(visits.c.at))
                      .group_by(visits.c.customer_id, visits.c.day))
    groups = sa.union_all(*levels).subquery()
    previous = sa.func.lag(groups.c.day).over(partition_by=(groups.c.level, groups.c.customer_id, groups.c.consultant),
                                              order_by=groups.c.day)
    linked = sa.select(*groups.c, previous.label("previous")).subquery()
    earlier = aliased(VisitRecord)
    before = (sa.select(sa.func.max(earlier.at))
              .where(earlier.customer_id == linked.c.customer_id, earlier.at < linked.c.first_at,
                     sa.or_(linked.c.level == 0, earlier.consultant == linked.c.consultant))
              .scalar_subquery())
    period = local.period
    oldest = session.scalar(sa.select(sa.func.min(VisitRecord.at)))
    back = min(period.first, local_date(oldest, period.zone)) if oldest is not None else period.first
    wide = LocalTime(local.dialect, between(back, period.last, period.zone))  # SQLite: offsets that far back
    since = sa.func.coalesce(linked.c.previous, wide.day(before), "")  # COALESCE asks the subquery only if needed
    keys = (linked.c.level, linked.c.day, linked.c.consultant, since)
    for level, day, name, earlier_day, n in session.execute(sa.select(*keys, sa.func.count()).group_by(*keys)):
        if level == 1 and name is None:
            continue  # a visit nobody received has no consultant's scope
        counter.add(SITE if level == 0 else name, _day(day), "since", earlier_day, n)


def count_claims(session: Session, local: LocalTime, counter: Counter, consultant: str | None = None) -> None:
    """Claims from the pool by day, consultant and outcome, in the site's scope and the claimant's."""
    period = local.period
    day = local.day(ClaimRecord.at)
    query = (sa.select(day, ClaimRecord.consultant, ClaimRecord.outcome, sa.func.count())
             .where(ClaimRecord.at >= period.start, ClaimRecord.at < period.end)
             .group_by(day, ClaimRecord.consultant, ClaimRecord.outcome))
    if consultant is not None:
        query = query.where(ClaimRecord.consultant == consultant)
    for on, name, outcome, n in session.execute(query):
        for scope in ((SITE, name) if consultant is None else (name,)):
            counter.add(scope, _day(on), "claims", name, n, detail=outcome)


def count_cases(session: Session, local: LocalTime, counter: Counter) -> None:
    """Cases opened by kind and decided (kept or overridden) by day, in the site's scope."""
    period = local.period
    opened_on = local.day(Case.opened_at)
    for on, kind, n in session.execute(
            sa.select(opened_on, Case.kind, sa.func.count())
            .where(Case.opened_at >= period.start, Case.opened_at < period.end).group_by(opened_on, Case.kind)):
        counter.add(SITE, _day(on), "opened", kind, n)
    decisions = entries(local.dialect, ("case_decision",), period, "case_id", "verdict")
    decided_on = local.day(decisions.c.at)
    kept = sa.func.sum(sa.case((decisions.c.verdict == Case.recommended, 1), else_=0))
    for on, n, k in session.execute(
            sa.select(decided_on, sa.func.count(), kept).select_from(decisions)
            .join(Case, Case.id == decisions.c.case_id).group_by(decided_on)):
        counter.add(SITE, _day(on), "decided", None, n, int(k or 0))


def count_led(session: Session, local: LocalTime, counter: Counter) -> None:
    """带访: customers by the day of their first visit (the one that fixed the channel), by channel."""
    period = local.period
    on = local.day(Customer.first_visit_at)
    for day, channel, n in session.execute(
            sa.select(on, Customer.channel, sa.func.count())
            .where(Customer.first_visit_at >= period.start, Customer.first_visit_at < period.end,
                   Customer.merged_into.is_(None)).group_by(on, Customer.channel)):
        counter.add(SITE, _day(day), "led", channel, n)


def count_warnings(session: Session, local: LocalTime, counter: Counter) -> None:
    """Warnings by the day they were raised, kind and status."""
    period = local.period
    on = local.day(WarningRecord.raised_at)
    for day, kind, status, n in session.execute(
            sa.select(on, WarningRecord.kind, WarningRecord.status, sa.func.count())
            .where(WarningRecord.raised_at >= period.start, WarningRecord.raised_at < period.end)
            .group_by(on, WarningRecord.kind, WarningRecord.status)):
        counter.add(SITE, _day(day), "warnings", kind, n, detail=status)


def day_rows(session: Session, local: LocalTime, consultant: str | None = None) -> list[Row]:
    """Every row of every day of the period (or, with `consultant`, of that consultant's scope)."""
    counter = Counter()
    count_visits(session, local, counter, consultant)
    count_returns(session, local, counter, consultant)
    count_claims(session, local, counter, consultant)
    if consultant is None:
        count_cases(session, local, counter)
        count_led(session, local, counter)
        count_warnings(session, local, counter)
    return counter.rows()
