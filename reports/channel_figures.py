"""渠道 figures in SQL: per channel (自然来访 first) its reports and valid reports, channel-led visits
(customers the channel was fixed for at their first visit), pledges, deals and the deals it is owed
commission for (within its protection); invalid reports by reason.

A consultant's own view counts their own customers only (owned by them)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db.models import Channel, Customer, Report, VisitRecord
from judge.facts import NATURAL
from reports.data import ChannelFigures, Count
from reports.journal_sql import seq_range
from reports.period import Period
from reports.stage_figures import StageCounts


def _per_channel(session: Session, query: Any) -> dict[str, int]:
    return {name: int(n) for name, n in session.execute(query) if name is not None}


def _reports(session: Session, period: Period, consultant: str | None) -> Any:
    first, last = seq_range(session, period)  # a report's id is its journal entry
    query = sa.select(Report.channel, Report.status, Report.reason).where(Report.id >= first, Report.id <= last)
    if consultant is not None:
        query = query.join(Customer, Customer.id == Report.customer_id).where(Customer.owner == consultant)
    return query.subquery()


def channel_figures(session: Session, period: Period, consultant: str | None,
                    stages: StageCounts) -> list[ChannelFigures]:
    reports = _reports(session, period, consultant)
    made = _per_channel(session, sa.select(reports.c.channel, sa.func.count()).group_by(reports.c.channel))
    valid = _per_channel(session, sa.select(reports.c.channel, sa.func.count())
                         .where(reports.c.status != "invalid").group_by(reports.c.channel))
    # 带访: the period's visits that were their customer's first (the visit that fixed the channel)
    named, judged = aliased(Customer), aliased(Customer)
    led_query = (sa.select(judged.channel, sa.func.count(sa.distinct(judged.id))).select_from(VisitRecord)
                 .join(named, named.id == VisitRecord.customer_id)
                 .join(judged, judged.id == sa.func.coalesce(named.merged_into, named.id))
                 .where(VisitRecord.at >= period.start, VisitRecord.at < period.end, judged.merged_into.is_(None),
                        judged.first_visit_at == VisitRecord.at))
    if consultant is not None:
        led_query = led_query.where(judged.owner == consultant)
    led = _per_channel(session, led_query.group_by(judged.channel))
    pledges, deals, owed = stages.pledges_by_channel, stages.deals_by_channel, stages.owed_by_commission
    names = set(session.scalars(sa.select(Channel.name))) | set(made) | set(led) | set(pledges) | set(deals)
    names.discard(NATURAL)
    return [ChannelFigures(channel=name, reports=made.get(name, 0), valid_reports=valid.get(name, 0),
                           visits=led.get(name, 0), pledges=pledges.get(name, 0), deals=deals.get(name, 0),
                           commissioned=owed.get(name, 0) if name != NATURAL else 0)
            for name in [NATURAL, *sorted(names)]]


def invalid_reasons(session: Session, period: Period, consultant: str | None) -> list[Count]:
    reports = _reports(session, period, consultant)
    rows = session.execute(sa.select(reports.c.reason, sa.func.count()).where(reports.c.status == "invalid")
                           .group_by(reports.c.reason)).all()
    return sorted((Count(reason, int(n)) for reason, n in rows), key=lambda c: (-c.count, c.key or ""))
