"""渠道 figures in SQL: per channel (自然来访 first) its reports and valid reports, channel-led visits
(customers the channel was fixed for at their first visit), pledges, deals and the deals it is owed
commission for (within its protection); invalid reports by reason.

A consultant's own view counts their own customers only (owned by them)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Channel, Customer, Report
from judge.facts import NATURAL
from reports.data import ChannelFigures, Count
from reports.journal_sql import seq_range
from reports.period import Period
from reports.rollup import Tally
from reports.stage_figures import StageCounts

ReportCounts = dict[tuple[str, str, str | None], int]  # (channel, status, reason) -> reports


def report_counts(session: Session, period: Period, consultant: str | None) -> ReportCounts:
    """The period's reports by channel, status and reason, in one pass (a report's id is its journal entry)."""
    first, last = seq_range(session, period)
    query = (sa.select(Report.channel, Report.status, Report.reason, sa.func.count())
             .where(Report.id >= first, Report.id <= last).group_by(Report.channel, Report.status, Report.reason))
    if consultant is not None:
        query = query.join(Customer, Customer.id == Report.customer_id).where(Customer.owner == consultant)
    return {(channel, status, reason): int(n) for channel, status, reason, n in session.execute(query)}


def led_by_channel(session: Session, period: Period, consultant: str | None) -> dict[str, int]:
    """带访: customers whose first visit, the one that fixed their channel, falls in the period (merged
    numbers are not customers of their own)."""
    query = (sa.select(Customer.channel, sa.func.count())
             .where(Customer.first_visit_at >= period.start, Customer.first_visit_at < period.end,
                    Customer.merged_into.is_(None)).group_by(Customer.channel))
    if consultant is not None:
        query = query.where(Customer.owner == consultant)
    return {name: int(n) for name, n in session.execute(query) if name is not None}


def channel_figures(session: Session, period: Period, consultant: str | None, reports: ReportCounts,
                    stages: StageCounts, tally: Tally | None = None) -> list[ChannelFigures]:
    """`tally`: the site's daily rows of the period, which count 带访 (a consultant's own are counted here)."""
    made: dict[str, int] = defaultdict(int)
    valid: dict[str, int] = defaultdict(int)
    brought: dict[str, int] = defaultdict(int)
    for (channel, status, _reason), n in reports.items():
        made[channel] += n
        if status != "invalid":
            valid[channel] += n
        if status == "used":  # a channel-led visit used the report
            brought[channel] += n
    if consultant is None and tally is not None:
        led = {name: n for name, (n, _m) in tally.keyed("led").items() if name}
    else:
        led = led_by_channel(session, period, consultant)
    pledges, deals, owed = stages.pledges_by_channel, stages.deals_by_channel, stages.owed_by_commission
    names = set(session.scalars(sa.select(Channel.name))) | set(made) | set(led) | set(pledges) | set(deals)
    names.discard(NATURAL)
    return [ChannelFigures(channel=name, reports=made.get(name, 0), valid_reports=valid.get(name, 0),
                           visits=led.get(name, 0), pledges=pledges.get(name, 0), deals=deals.get(name, 0),
                           commissioned=owed.get(name, 0) if name != NATURAL else 0, brought=brought.get(name, 0))
            for name in [NATURAL, *sorted(names)]]


def invalid_reasons(reports: ReportCounts) -> list[Count]:
    reasons: dict[str | None, int] = defaultdict(int)
    for (_channel, status, reason), n in reports.items():
        if status == "invalid":
            reasons[reason] += n
    return sorted((Count(reason, n) for reason, n in reasons.items()), key=lambda c: (-c.count, c.key or ""))
