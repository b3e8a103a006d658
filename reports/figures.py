"""The figures for any period, read in one transaction from the projections, the journal and the daily
rollup of closed days (SQL aggregates: nothing walks every customer in Python), the stage counts
alongside on a second connection at the same journal head (reports/stages_aside.py). Optionally one
consultant's own figures.

    figures(store, month_of(date(2026, 3, 1), zone)) -> Figures

The types are plain frozen dataclasses (reports/data.py), re-exported here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db.database import read_session
from reports import rollup
from reports.channel_figures import channel_figures, invalid_reasons, report_counts
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
from reports.funnel_figures import funnel, report_visits, visitors
from reports.oversight import case_figures, warning_figures
from reports.people_figures import leaderboard
from reports.period import Period, between, month_of
from reports.stages_aside import StagesAside, journal_head
from reports.target import target_in
from reports.visit_figures import visit_figures
from service.store import Store

__all__ = ["CaseFigures", "ChannelFigures", "ConsultantFigures", "Count", "DayVisits", "Figures", "FunnelStep",
           "MonthTarget", "VisitFigures", "WarningFigures", "WarningKindFigures", "figures", "rate", "site_zone"]


def site_zone(store: Store, at: datetime | None = None) -> ZoneInfo:
    """The site's time zone from the rules in force."""
    return store.rules_at(at).timezone


def figures(store: Store, period: Period, consultant: str | None = None, now: datetime | None = None,
            use_kept: bool = True) -> Figures:
    """Every figure of the period; `consultant`: that consultant's own figures only. Closed days are
    read from the daily rollup (reports/rollup.py), counted and kept first if they are not yet;
    `use_kept=False` counts every day from the projections (what the rollup must equal)."""
    month = month_of(period.last, period.zone)
    first = min(period.first, month.first)  # 本月来访 counts the month's days before the period too
    if use_kept:
        rollup.refresh(store.engine, period.zone, first, period.last)
    stages_aside = StagesAside(store.engine, period, consultant)  # the longest read, on a second connection
    with read_session(store.engine) as session:
        head = journal_head(session)  # first: on SQLite the snapshot both reads must share
        now = now or store.clock.now(session)
        dialect = session.get_bind().dialect.name
        tally = rollup.tally(session, period.zone, period.first, period.last, consultant, use_kept)
        visits = visit_figures(tally, period)
        reports = report_counts(session, period, consultant)
        reported = report_visits(session, period, consultant)
        month_visits = sum(d.groups for d in visits.by_day if d.day >= month.first)
        if period.first > month.first:  # groups are per day, so the month's earlier days add up
            earlier = rollup.tally(session, period.zone, month.first, period.first - timedelta(days=1), consultant,
                                   use_kept)
            month_visits += sum(earlier.day(day, "groups")[0] for day in
                                between(month.first, period.first - timedelta(days=1), period.zone).days())
        target = None if consultant is not None else target_in(session)
        stages = stages_aside.result(session, head)
        channels = channel_figures(session, period, consultant, reports, stages, tally)
        board = leaderboard(session, tally, consultant, now, stages)
        steps = funnel(stages, sum(c.reports for c in channels), visits.groups, visitors(tally, period), reported)
        return Figures(period=period, consultant=consultant, as_of=now, visits=visits, channels=tuple(channels),
                       invalid_reasons=tuple(invalid_reasons(reports)), consultants=tuple(board),
                       funnel=tuple(steps), cases=case_figures(session, dialect, period, consultant, tally),
                       warnings=warning_figures(session, period, consultant, tally),
                       month=MonthTarget(month.first, month_visits, target))
