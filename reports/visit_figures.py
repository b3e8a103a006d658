"""来访 figures: registrations, visit groups (a customer's visits on one local day), first and returning
groups, by day, by the hour of a group's first arrival, by source and by attributed channel. The SQL of
the visits and their groups is here (reports/day_counts.py counts them per day, reports/behind.py lists
the customers behind a number); the figures are made from the period's daily rows (reports/rollup.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from db.models import CheckinRef, VisitRecord
from reports.data import Count, DayVisits, VisitFigures
from reports.period import LocalTime, Period

if TYPE_CHECKING:
    from reports.tally import Tally


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


def visit_figures(tally: Tally, period: Period) -> VisitFigures:
    """来访 from the period's rows (reports/rollup.py): registrations and groups per day, by hour, source
    and channel."""
    by_day = tuple(DayVisits(day, *tally.day(day, "groups")) for day in period.days())
    registered = [tally.day(day, "visits") for day in period.days()]
    hours = tally.keyed("hour")
    return VisitFigures(
        registrations=sum(n for n, _ in registered), unverified=sum(m for _, m in registered),
        groups=sum(d.groups for d in by_day), first=sum(d.first for d in by_day), by_day=by_day,
        by_hour=tuple(hours.get(f"{hour:02d}", (0, 0))[0] for hour in range(24)),
        by_source=tuple(_sorted(tally.keyed("source"))), by_channel=tuple(_sorted(tally.keyed("channel"))))


def _sorted(counts: dict[str, tuple[int, int]]) -> list[Count]:
    """Counts by key ("" stands for none), largest first."""
    found = [Count(key or None, n) for key, (n, _m) in counts.items() if n]
    return sorted(found, key=lambda c: (-c.count, c.key or ""))
