"""The figures for any period, read in one transaction from the projections and the journal (SQL
aggregates: nothing walks every customer in Python). Optionally one consultant's own figures.

    figures(store, month_of(date(2026, 3, 1), zone)) -> Figures

The types are plain frozen dataclasses (reports/data.py), re-exported here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db.database import read_session
from db.service import Store
from reports.channel_figures import channel_figures, invalid_reasons
from reports.data import (
    CaseFigures,
    ChannelFigures,
    ConsultantFigures,
    Count,
    DayVisits,
    Figures,
    FunnelStep,
    MonthTarget,
    VisitFigures,
    WarningFigures,
    WarningKindFigures,
    rate,
)
from reports.oversight import case_figures, warning_figures
from reports.people_figures import funnel, leaderboard
from reports.period import LocalTime, Period, between, month_of
from reports.stage_figures import stage_counts
from reports.target import target_in
from reports.visit_figures import group_count, visit_figures

__all__ = ["CaseFigures", "ChannelFigures", "ConsultantFigures", "Count", "DayVisits", "Figures", "FunnelStep",
           "MonthTarget", "VisitFigures", "WarningFigures", "WarningKindFigures", "figures", "rate", "site_zone"]


def site_zone(store: Store, at: datetime | None = None) -> ZoneInfo:
    """The site's time zone from the rules in force."""
    return store.rules_at(at).timezone


def figures(store: Store, period: Period, consultant: str | None = None, now: datetime | None = None) -> Figures:
    """Every figure of the period; `consultant`: that consultant's own figures only."""
    with read_session(store.engine) as session:
        now = now or store.clock.now(session)
        dialect = session.get_bind().dialect.name
        local = LocalTime(dialect, period)
        visits = visit_figures(session, local, consultant)
        stages = stage_counts(session, dialect, period, consultant)
        channels = channel_figures(session, period, consultant, stages)
        board = leaderboard(session, local, consultant, now, stages)
        steps = funnel(stages, sum(c.reports for c in channels), visits.groups)
        # 本月来访: the groups of the period's days in the month, and of the month's days before the period
        # (groups are per day, so the two add up)
        month = month_of(period.last, period.zone)
        month_visits = sum(d.groups for d in visits.by_day if d.day >= month.first)
        if period.first > month.first:
            earlier = between(month.first, period.first - timedelta(days=1), period.zone)
            month_visits += group_count(session, LocalTime(dialect, earlier), consultant)
        target = None if consultant is not None else target_in(session)
        return Figures(period=period, consultant=consultant, as_of=now, visits=visits, channels=tuple(channels),
                       invalid_reasons=tuple(invalid_reasons(session, period, consultant)),
                       consultants=tuple(board), funnel=tuple(steps),
                       cases=case_figures(session, dialect, period, consultant),
                       warnings=warning_figures(session, period, consultant),
                       month=MonthTarget(month.first, month_visits, target))
