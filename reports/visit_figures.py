"""来访 figures in SQL: registrations, visit groups (a customer's visits on one local day), first and
returning groups, by day, by the hour of a group's first arrival, by source and by attributed channel —
the last four from one pass over the groups (grouping is what costs on a busy site)."""

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
                       VisitRecord.verified, CheckinRef.source,
                       sa.case((VisitRecord.first_visit.is_(True), 1), else_=0).label("first"),
                       local.day(VisitRecord.at).label("day"))
             .outerjoin(CheckinRef, CheckinRef.visit_seq == VisitRecord.id)
             .where(VisitRecord.at >= period.start, VisitRecord.at < period.end))
    if consultant is not None:
        query = query.where(VisitRecord.consultant == consultant)
    return query.subquery()


def groups_of(visits: Any, *by: str) -> Any:
    """One row per visit group (customer and local day, and the columns `by`): whether it holds a first
    visit, its first arrival, and the source the visitor gave (one of them, should they differ that day)."""
    keys = [visits.c.customer_id, visits.c.day, *(visits.c[name] for name in by)]
    return (sa.select(*keys, sa.func.max(visits.c.first).label("first"), sa.func.min(visits.c.at).label("first_at"),
                      sa.func.max(visits.c.source).label("source"))
            .group_by(*keys).subquery())


_COUNTS: dict[tuple[object, ...], tuple[tuple[int, int], int]] = {}  # see group_count
_COUNTS_KEPT = 256


def group_count(session: Session, local: LocalTime, consultant: str | None) -> int:
    """Visit groups in the period (the month's days before a report's period, for 本月来访). Remembered
    per database and period with the count and the last id of the visits in it: a dismissed check-in
    changes the count, a new visit the last id, and past days' visits change no other way, so a refresh
    of today's figures need not group the month's earlier visits again."""
    period = local.period
    visits = sa.select(sa.func.count(), sa.func.max(VisitRecord.id)).where(
        VisitRecord.at >= period.start, VisitRecord.at < period.end)
    if consultant is not None:
        visits = visits.where(VisitRecord.consultant == consultant)
    count, last = session.execute(visits).one()
    token = (int(count), int(last or 0))
    key = (str(session.get_bind().engine.url), period.first, period.last, period.zone.key, consultant)
    known = _COUNTS.get(key)
    if known is not None and known[0] == token:
        return known[1]
    groups = groups_of(visits_in(local, consultant))
    found = int(session.scalar(sa.select(sa.func.count()).select_from(groups)) or 0)
    if len(_COUNTS) >= _COUNTS_KEPT:
        _COUNTS.clear()
    _COUNTS[key] = (token, found)
    return found


def visit_figures(session: Session, local: LocalTime, consultant: str | None) -> VisitFigures:
    period: Period = local.period
    visits = visits_in(local, consultant)
    registrations, unverified = session.execute(sa.select(
        sa.func.count(), sa.func.count().filter(visits.c.verified.is_(False)))).one()
    groups = groups_of(visits)
    named, judged = aliased(Customer), aliased(Customer)
    channel = sa.case((named.merged_into.is_not(None), judged.channel), else_=named.channel)
    # one pass over the groups: counts by day, hour of the first arrival, attributed channel and source
    cells = (sa.select(groups.c.day, local.hour(groups.c.first_at).label("hour"), channel.label("channel"),
                       groups.c.source, groups.c.first)
             .join(named, named.id == groups.c.customer_id)
             .outerjoin(judged, judged.id == named.merged_into).subquery())
    per_day: dict[str, list[int]] = {}
    per_hour = [0] * 24
    per_channel: dict[str | None, int] = {}
    per_source: dict[str | None, int] = {}
    for day, hour, name, source, n, first in session.execute(
            sa.select(cells.c.day, cells.c.hour, cells.c.channel, cells.c.source, sa.func.count(),
                      sa.func.sum(cells.c.first))
            .group_by(cells.c.day, cells.c.hour, cells.c.channel, cells.c.source)):
        tally = per_day.setdefault(day, [0, 0])
        tally[0] += n
        tally[1] += int(first or 0)
        per_hour[hour] += n
        per_channel[name] = per_channel.get(name, 0) + n
        per_source[source] = per_source.get(source, 0) + n
    by_day = tuple(DayVisits(day, *per_day.get(day.isoformat(), (0, 0))) for day in period.days())
    return VisitFigures(
        registrations=int(registrations), unverified=int(unverified),
        groups=sum(d.groups for d in by_day), first=sum(d.first for d in by_day), by_day=by_day,
        by_hour=tuple(per_hour), by_source=tuple(_sorted(per_source)),
        by_channel=tuple(_sorted(per_channel)))


def _sorted(counts: dict[str | None, int]) -> list[Count]:
    return sorted((Count(k, n) for k, n in counts.items()), key=lambda c: (-c.count, c.key or ""))
