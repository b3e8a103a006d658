"""大屏: the sales hall's TV. Today's visit groups (first and return), deals and the month against its
target, the channel share and the funnel (reports/charts.py, dark), the consultants' leaderboard and
the latest check-ins (surname display and masked phone only), the project's name and a clock.

Live: journal news (the ConsoleContext's `journal`, fed by service.live.LiveFeed: this process's writes at
once, other stations over LISTEN/NOTIFY or SQLite's one-second poll) reloads the screen, debounced;
also every minute, and when the wall clock passes midnight. Everything is read on the worker pool
(console/bigscreen/screen_data.py); this module only shows. A lost database raises a banner over the
last figures (never a crash), and the screen reloads when the connection is back.

Esc: closes the screen when the console opened it (back to the console); a screen started on its own
(`anchang-console --big-screen`) leaves full screen instead, and F11 returns to it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from PySide6.QtCore import QDate, QLocale, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from console.bigscreen.panels import Card, FigureTile, label
from console.bigscreen.screen_data import LEADERS, ScreenData, read_screen
from console.bigscreen.tables import CheckinModel, LeaderboardModel, big_table
from console.chart_words import chart_words
from console.context import ConsoleContext
from reports.data import Figures
from ui.chart_view import ChartView
from ui.theme import apply_theme_to

log = logging.getLogger(__name__)
QWIDGETSIZE_MAX = 16_777_215

SIZE = (1920, 1080)  # the hall TV; the layout stretches to another screen's size
NEWS_DEBOUNCE_MS = 150  # a burst of check-ins is one reload, well inside a second
REFRESH_MS = 60_000  # protection counts and "today" move with the clock too
CLOCK_MS = 1_000
CHART_MIN_HEIGHT = 240
TILES_WIDTH = 300
CHARTS_STRETCH, LISTS_STRETCH = 7, 8  # the lists' masked phones need their width


class BigScreenWindow(QWidget):
    def __init__(self, ctx: ConsoleContext, *, project: str, escape_closes: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("big_screen")
        self.setWindowTitle(self.tr("案场通 · 大屏"))
        app = QApplication.instance()
        if app is not None and app.property("anchang_theme") != "big_screen":
            apply_theme_to(self, "big_screen")  # opened from the console, whose theme is light
        self.ctx = ctx
        self.escape_closes = escape_closes
        self.data: ScreenData | None = None
        self._loading = self._again = self._closed = False
        self._wall_day: date | None = None

        root = QVBoxLayout(self)
        root.setContentsMargins(40, 16, 40, 12)
        root.setSpacing(14)
        root.addLayout(self._build_header(project))
        self.banner = label(self.tr("数据库连接中断，正在重连…"), "big_screen_banner", "warning")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        root.addWidget(self.banner)
        root.addLayout(self._build_body(), 1)
        self.footer = label("", "big_screen_footer", "hint")
        root.addWidget(self.footer)

        self._news = QTimer(self)
        self._news.setSingleShot(True)
        self._news.setInterval(NEWS_DEBOUNCE_MS)
        self._news.timeout.connect(self.refresh)
        self._periodic = QTimer(self)
        self._periodic.setInterval(REFRESH_MS)
        self._periodic.timeout.connect(self.refresh)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self._tick)
        ctx.journal.connect(self._on_journal)
        ctx.database_lost.connect(self._on_lost)
        ctx.database_back.connect(self._on_back)
        self.banner.setVisible(ctx.lost)

    # ------------------------------------------------------------ building
    def _build_header(self, project: str) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(28)
        row.addWidget(label(self.tr("案场通"), "big_screen_brand", "brand"))
        row.addWidget(label(project, "big_screen_project", "project"))
        row.addStretch(1)
        self.day_label = label("", "big_screen_day", "day")
        self.clock = label("", "big_screen_clock", "clock")
        row.addWidget(self.day_label)
        row.addWidget(self.clock)
        return row

    def _build_tiles(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(16)
        self.tiles = {
            "groups": FigureTile("tile_groups", self.tr("今日来访（组）")),
            "first": FigureTile("tile_first", self.tr("首访 / 复访")),
            "deals": FigureTile("tile_deals", self.tr("今日成交")),
            "month": FigureTile("tile_month", self.tr("本月来访（组）")),
        }
        for tile in self.tiles.values():
            column.addWidget(tile, 1)
        return column

    def _build_body(self) -> QHBoxLayout:
        """Figures on the left, the two charts in the middle, the two lists on the right."""
        row = QHBoxLayout()
        row.setSpacing(20)
        tiles = QWidget()
        tiles.setObjectName("big_screen_tiles")
        tiles.setFixedWidth(TILES_WIDTH)
        column = self._build_tiles()
        column.setContentsMargins(0, 0, 0, 0)
        tiles.setLayout(column)
        row.addWidget(tiles)
        self.charts = {"channel_share": _filling(ChartView("big_channel_share")),
                       "funnel": _filling(ChartView("big_funnel"))}
        self.leaders = LeaderboardModel(self)
        self.leaders_view = big_table(self.leaders, "big_leaderboard")
        self.checkins = CheckinModel(self)
        self.checkins_view = big_table(self.checkins, "big_checkins")
        for stretch, cards in ((CHARTS_STRETCH, (Card("card_channels", self.tr("来访渠道构成"), self.charts["channel_share"]),
                       Card("card_funnel", self.tr("转化漏斗：报备 → 来访 → 认筹 → 认购 → 签约"), self.charts["funnel"]))),
                               (LISTS_STRETCH, (Card("card_leaderboard", self.tr("今日顾问排行"), self.leaders_view),
                                                Card("card_checkins", self.tr("最新到访"), self.checkins_view)))):
            column = QVBoxLayout()
            column.setSpacing(20)
            for card in cards:
                column.addWidget(card, 1)
            row.addLayout(column, stretch)
        return row

    @property
    def closed(self) -> bool:
        return self._closed

    # ------------------------------------------------------------ showing
    def present(self, full_screen: bool = True) -> None:
        """Full screen on its screen (frameless); else a 1920 x 1080 window (the tour, a test)."""
        if full_screen:
            self.showFullScreen()
        else:
            self.resize(*SIZE)
            self.show()
        self.start()

    def start(self) -> None:
        self._tick()
        self._periodic.start()
        self._clock.start()
        self.refresh()

    def refresh(self) -> None:
        """Reads the screen again on the worker pool; one read at a time (news during it: one more)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        before = self.data.figures if self.data is not None else None
        self.ctx.run(read_screen, self.ctx.store, before, chart_words(), on_done=self._loaded, on_error=self._failed)

    def _loaded(self, data: ScreenData) -> None:
        self._loading = False
        if self._closed:  # a read still under way when the screen closed
            return
        self.data = data
        self._show(data)
        self._read_again()

    def _failed(self, error: BaseException) -> None:
        self._loading = False
        if not self.ctx.lost:  # a lost database has the banner; anything else is a fault worth a log line
            log.error("big screen: reading the figures failed", exc_info=error)
        self._read_again()

    def _read_again(self) -> None:
        if self._again and not self._closed:
            self._again = False
            self.refresh()

    def _show(self, data: ScreenData) -> None:
        f = data.figures
        visits = f.visits
        self.tiles["groups"].show_value(str(visits.groups),
                                        self.tr("登记 %1 人次").replace("%1", str(visits.registrations)))
        self.tiles["first"].show_value(f"{visits.first} / {visits.returning}",
                                       self.tr("首访占 %1").replace("%1", _percent(visits.first, visits.groups)))
        self.tiles["deals"].show_value(str(sum(c.deals for c in f.channels)),
                                       self.tr("认筹 %1").replace("%1", str(_step(f, "pledge"))))
        self.tiles["month"].show_value(str(f.month.visits), self._target(f))
        for name, figure in data.charts.items():
            self.charts[name].show_figure(figure)
        self.leaders.show_board(f.consultants, LEADERS)
        self.checkins.show_checkins(data.latest, data.zone)
        day = data.day.first
        self.day_label.setText(QLocale().toString(QDate(day.year, day.month, day.day), "yyyy-MM-dd dddd"))
        as_of = f.as_of.astimezone(data.zone)
        self.footer.setText(self.tr("更新于 %1 · 手机号已隐藏，只显示姓氏").replace("%1", f"{as_of:%H:%M:%S}"))

    def _target(self, f: Figures) -> str:
        if f.month.target is None or f.month.share is None:
            return self.tr("未设月度目标")
        return self.tr("目标 %1 · 完成 %2%").replace("%1", str(f.month.target)) \
            .replace("%2", f"{f.month.share * 100:.0f}")

    # ------------------------------------------------------------ clock and news
    def _tick(self) -> None:
        zone = self.data.zone if self.data is not None else None
        now = datetime.now(zone).astimezone(zone)
        self.clock.setText(f"{now:%H:%M:%S}")
        if self._wall_day is not None and now.date() != self._wall_day:
            self.refresh()  # midnight: a new day's figures, not yesterday's until the next minute
        self._wall_day = now.date()

    def _on_journal(self, _seq: int) -> None:
        self._news.start()

    def _on_lost(self, _detail: str) -> None:
        shown = self.data.figures.as_of.astimezone(self.data.zone) if self.data is not None else None
        text = self.tr("数据库连接中断，正在重连…")
        if shown is not None:
            text += " " + self.tr("（显示 %1 的数据）").replace("%1", f"{shown:%H:%M}")
        self.banner.setText(text)
        self.banner.show()

    def _on_back(self) -> None:
        self.banner.hide()
        self.refresh()

    # ------------------------------------------------------------ keys and closing
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape:
            if self.escape_closes:
                self.close()
            elif self.isFullScreen():
                self.showNormal()
                self.resize(*SIZE)
            return
        if event.key() == Qt.Key.Key_F11 and not self.isFullScreen():
            self.showFullScreen()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._closed:
            super().closeEvent(event)
            return
        self._closed = True
        for timer in (self._news, self._periodic, self._clock):
            timer.stop()
        for signal, slot in ((self.ctx.journal, self._on_journal), (self.ctx.database_lost, self._on_lost),
                             (self.ctx.database_back, self._on_back)):
            signal.disconnect(slot)
        super().closeEvent(event)


def _filling(chart: ChartView) -> ChartView:
    """A chart that fills its card (ChartView keeps a fixed height of its own by default)."""
    chart.setMinimumHeight(CHART_MIN_HEIGHT)
    chart.setMaximumHeight(QWIDGETSIZE_MAX)
    chart.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    return chart


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.0f}%" if whole else "—"


def _step(f: Figures, key: str) -> int:
    return next((s.count for s in f.funnel if s.key == key), 0)
