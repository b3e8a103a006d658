"""来访 figures in SQL: registrations, visit groups (a customer's visits on one local day), first and
returning groups, by day, by the hour of a group's first arrival, by source and by attributed channel."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db.models import CheckinRef, Customer, VisitRecord
from reports.data import Count, DayVisits, VisitFigures
from reports.period import LocalTime, Period


def visits_in(local: LocalTime, consultant: str | None) -> Any:
    """The visits of the period with their local day; a consultant's: those they received."""
    period = local.period
    query = (sa.select(VisitRecord.id, VisitRecord.at, VisitRecord.customer_id, VisitRecord.consultant,
                       VisitRecord.verified,
                       sa.case((VisitRecord.first_visit.is_(True), 1), else_=0).label("first"),
                       local.day(VisitRecord.at).label("day"))
             .where(VisitRecord.at >= period.start, VisitRecord.at < period.end))
    if consultant is not None:
        query = query.where(VisitRecord.consultant == consultant)
    return query.subquery()


def groups_of(visits: Any, *by: str) -> Any:
    """One row per visit group (customer and local day, and the columns `by`): whether it holds a first
    visit, and its first arrival."""
    keys = [visits.c.customer_id, visits.c.day, *(visits.c[name] for name in by)]
    return (sa.select(*keys, sa.func.max(visits.c.first).label("first"), sa.func.min(visits.c.at).label("first_at"))
            .group_by(*keys).subquery())


def group_count(session: Session, local: LocalTime, consultant: str | None) -> int:
    groups = groups_of(visits_in(local, consultant))
    return int(session.scalar(sa.select(sa.func.count()).select_from(groups)) or 0)


def _counts(session: Session, key: Any, source: Any) -> list[Count]:
    rows = session.execute(sa.select(key, sa.func.count()).select_from(source).group_by(key)).all()
    return sorted((Count(k, int(n)) for k, n in rows), key=lambda c: (-c.count, c.key or ""))


def visit_figures(session: Session, local: LocalTime, consultant: str | None) -> VisitFigures:
    period: Period = local.period
    visits = visits_in(local, consultant)
    registrations, unverified = session.execute(sa.select(
        sa.func.count(), sa.func.count().filter(visits.c.verified.is_(False)))).one()
    groups = groups_of(visits)
    per_day = {day: (int(n), int(first or 0)) for day, n, first in session.execute(
        sa.select(groups.c.day, sa.func.count(), sa.func.sum(groups.c.first)).group_by(groups.c.day))}
    by_day = tuple(DayVisits(day, *per_day.get(day.isoformat(), (0, 0))) for day in period.days())
    hours = sa.select(local.hour(groups.c.first_at).label("hour")).subquery()
    per_hour: dict[int, int] = dict(session.execute(sa.select(hours.c.hour, sa.func.count()).group_by(hours.c.hour)).all())
    sourced = (sa.select(visits.c.customer_id, visits.c.day, CheckinRef.source).distinct()
               .outerjoin(CheckinRef, CheckinRef.visit_seq == visits.c.id).subquery())
    named, judged = aliased(Customer), aliased(Customer)
    channel = sa.case((named.merged_into.is_not(None), judged.channel), else_=named.channel)
    attributed = (sa.select(channel.label("channel")).select_from(groups)
                  .join(named, named.id == groups.c.customer_id)
                  .outerjoin(judged, judged.id == named.merged_into).subquery())
    return VisitFigures(
        registrations=int(registrations), unverified=int(unverified),
        groups=sum(d.groups for d in by_day), first=sum(d.first for d in by_day), by_day=by_day,
        by_hour=tuple(int(per_hour.get(hour, 0)) for hour in range(24)),
        by_source=tuple(_counts(session, sourced.c.source, sourced)),
        by_channel=tuple(_counts(session, attributed.c.channel, attributed)))

