"""渠道 figures in SQL: per channel (自然来访 first) its reports and valid reports, channel-led visits
(customers the channel was fixed for at their first visit), pledges, deals and the deals it is owed
commission for (within its protection); invalid reports by reason.

A consultant's own view counts their own customers only (owned by them)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Channel, Customer, Report
from judge.facts import NATURAL
from reports.data import ChannelFigures, Count
from reports.journal_sql import stage_events
from reports.period import Period


def _owned(consultant: str | None) -> list[Any]:
    return [] if consultant is None else [Customer.owner == consultant]


def _per_channel(session: Session, query: Any) -> dict[str, int]:
    return {name: int(n) for name, n in session.execute(query) if name is not None}


def _reports(period: Period, consultant: str | None) -> Any:
    query = sa.select(Report.channel, Report.status, Report.reason).where(
        Report.reported_at >= period.start, Report.reported_at < period.end)
    if consultant is not None:
        query = query.join(Customer, Customer.id == Report.customer_id).where(Customer.owner == consultant)
    return query.subquery()


def channel_figures(session: Session, dialect: str, period: Period, consultant: str | None) -> list[ChannelFigures]:
    reports = _reports(period, consultant)
    made = _per_channel(session, sa.select(reports.c.channel, sa.func.count()).group_by(reports.c.channel))
    valid = _per_channel(session, sa.select(reports.c.channel, sa.func.count())
                         .where(reports.c.status != "invalid").group_by(reports.c.channel))
    alive = Customer.merged_into.is_(None)
    led = _per_channel(session, sa.select(Customer.channel, sa.func.count())
                       .where(alive, Customer.first_visit_at >= period.start, Customer.first_visit_at < period.end,
                              *_owned(consultant))
                       .group_by(Customer.channel))
    events = stage_events(dialect, period)
    pledged = sa.select(events.c.channel, sa.func.count(sa.distinct(events.c.customer))).where(events.c.stage == "pledge")
    if consultant is not None:
        pledged = pledged.where(events.c.owner == consultant)
    pledges = _per_channel(session, pledged.group_by(events.c.channel))
    dealt = [alive, Customer.deal_at >= period.start, Customer.deal_at < period.end, *_owned(consultant)]
    deals = _per_channel(session, sa.select(Customer.channel, sa.func.count()).where(*dealt).group_by(Customer.channel))
    owed = _per_channel(session, sa.select(Customer.commission, sa.func.count()).where(*dealt)
                        .group_by(Customer.commission))
    names = set(session.scalars(sa.select(Channel.name))) | set(made) | set(led) | set(pledges) | set(deals)
    names.discard(NATURAL)
    return [ChannelFigures(channel=name, reports=made.get(name, 0), valid_reports=valid.get(name, 0),
                           visits=led.get(name, 0), pledges=pledges.get(name, 0), deals=deals.get(name, 0),
                           commissioned=owed.get(name, 0) if name != NATURAL else 0)
            for name in [NATURAL, *sorted(names)]]


def invalid_reasons(session: Session, period: Period, consultant: str | None) -> list[Count]:
    reports = _reports(period, consultant)
    rows = session.execute(sa.select(reports.c.reason, sa.func.count()).where(reports.c.status == "invalid")
                           .group_by(reports.c.reason)).all()
    return sorted((Count(reason, int(n)) for reason, n in rows), key=lambda c: (-c.count, c.key or ""))
