"""What the big screen shows, read in one go on a worker thread (never the GUI's): today's figures
(reports.figures, SQL aggregates), the latest check-ins cut down to what a hall may see, and the
charts in the dark style (reports.chart_style), each rebuilt only when its numbers changed.

Qt-free. A check-in here holds the time, the surname display (张*, 刘先生), the masked phone, first or
return and the consultant: nothing else of the visitor reaches the screen's widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from matplotlib.figure import Figure

from reports import charts
from reports.chart_style import restyle
from reports.charts import ChartWords
from reports.figures import Figures, figures, site_zone
from reports.period import Period, day_of, local_date
from service.queries import today as today_queries
from service.store import Store

LATEST_ROWS = 5  # what fits each list at 1920 x 1080 without scrolling
LEADERS = 5

# chart name -> (the numbers it draws, how reports/charts.py draws them)
CHARTS: dict[str, tuple[Callable[[Figures], Any], Callable[[Any, ChartWords], Figure]]] = {
    "channel_share": (lambda f: f.visits.by_channel, charts.channel_share),
    "funnel": (lambda f: f.funnel, charts.funnel),
}


@dataclass(frozen=True)
class Checkin:
    seq: int  # the visit's journal entry
    at: datetime  # when the visitor checked in (the kiosk's time when it sent one)
    surname: str | None  # surname display only: 张*, 刘先生
    phone_masked: str  # 138****5678
    first_visit: bool
    consultant: str | None  # who received the visitor


@dataclass(frozen=True)
class ScreenData:
    day: Period  # today, in the site's zone
    zone: ZoneInfo
    figures: Figures
    latest: tuple[Checkin, ...]
    charts: dict[str, Figure] = field(default_factory=dict)  # only those whose numbers changed


def read_screen(store: Store, before: Figures | None = None, words: ChartWords = charts.ZH,
                rows: int = LATEST_ROWS) -> ScreenData:
    """Today's figures and check-ins as of the store's clock; the charts whose numbers differ from
    `before` (the figures on the screen now; None: every chart), in `words` (the station's language)."""
    now = store.now()
    zone = site_zone(store, now)
    day = day_of(local_date(now, zone), zone)
    numbers = figures(store, day, now=now)
    visits = today_queries.today_visits(store, today_queries.today(store, now), 0, rows)
    latest = tuple(Checkin(seq=v.visit_seq, at=v.arrived_at, surname=v.surname, phone_masked=v.phone_masked,
                           first_visit=v.first_visit, consultant=v.stay_consultant or v.consultant)
                   for v in visits)
    drawn = {name: restyle(draw(numbers_of(numbers), words))
             for name, (numbers_of, draw) in CHARTS.items()
             if before is None or numbers_of(before) != numbers_of(numbers)}
    return ScreenData(day=day, zone=zone, figures=numbers, latest=latest, charts=drawn)
