"""数据看板: the figures of today, this week, this month or any range of days (reports/figures.py,
computed on a worker), with the charts the printed reports carry (reports/charts.py in a Qt canvas)
and a click from any count to the customers behind it (dashboard_customers.py). A consultant sees their
own figures and customers only; the manager sets the monthly visit target here. 导出PDF / 导出Excel /
打印 give the period's 日报, 周报 or 月报, and the channel section a channel's 渠道佣金凭证.

The board is recomputed when the period changes and, while shown, a little after journal news.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from PySide6.QtCore import QCoreApplication, QEvent, QPoint
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QScrollArea,
    QScrollBar,
    QVBoxLayout,
    QWidget,
)

from console.chart_words import chart_words
from console.pages import dashboard_words as words
from console.pages.base import Page, Snap
from console.pages.dashboard_customers import BehindPanel
from console.pages.dashboard_parts import PeriodPicker, TargetBar
from console.pages.dashboard_print import MakeDocument, ReportOutput
from console.pages.dashboard_sections import Board, build_charts
from console.widgets import button
from reports import desk_reports
from reports.behind import FIRST, Behind
from reports.charts import ChartWords
from reports.document import Document
from reports.documents import TITLES
from reports.figures import Figures
from reports.period import DAY, MONTH, WEEK, Period, between, day_of, month_of, week_of
from reports.target import TARGET_MAX
from service.desk import Desk

JOURNAL_MS = 2_000  # journal news: one recount after a burst of check-ins, not one per check-in


def _load(desk: Desk, choice: tuple[str, date | None, date | None], shown: Figures | None,
          words: ChartWords) -> tuple[Period, Figures, dict[str, Figure]]:
    """The period chosen (今天 / 本周 / 本月 by the store's clock, in the site's zone), its figures, and the
    charts that differ from those `shown`."""
    kind, first, last = choice
    now = desk.store.now()
    zone = desk.store.rules_at(now).timezone
    today = now.astimezone(zone).date()
    if kind == DAY:
        period = day_of(today, zone)
    elif kind == WEEK:
        period = week_of(today, zone)
    elif kind == MONTH:
        period = month_of(today, zone)
    else:
        assert first is not None and last is not None
        period = between(first, last, zone)
    f = desk_reports.desk_figures(desk, period)
    return period, f, build_charts(f, shown, words)


class DashboardPage(Page):
    key = "dashboard"
    permission = "dashboard.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        desk = self.desk
        self.period: Period | None = None
        self.figures: Figures | None = None
        self._loading = False
        self._again = False
        self._board_at = 0  # where the board was scrolled to when a list opened
        self.output = ReportOutput(ctx, self)
        self.board_panel = QWidget()
        column = QVBoxLayout(self.board_panel)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addLayout(self._header(desk))
        self.summary = QLabel()
        self.summary.setObjectName("dashboard_summary")
        self.summary.setProperty("role", "hint")
        column.addWidget(self.summary)
        self.target = TargetBar(desk.can("dashboard.target"), self.ask_target, self.open_behind)
        self.board = Board(self.open_behind, self.target,
                           self.commission if desk.can("dashboard.commission") else None)
        column.addWidget(self.board)
        self.behind = BehindPanel(ctx, self.show_board, self.open_customer)
        # the board or a list, one hidden (not a QStackedWidget: it would size the list to the long board)
        self.layout_.addWidget(self.board_panel)
        self.layout_.addWidget(self.behind)
        self._show(self.board_panel)
        self._journal_timer.setInterval(JOURNAL_MS)

    def _header(self, desk: Desk) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        title = QLabel(self.title())
        title.setObjectName("title")
        row.addWidget(title)
        row.addSpacing(12)
        self.picker = PeriodPicker()
        self.picker.changed.connect(self.refresh)
        row.addWidget(self.picker)
        row.addStretch(1)
        if desk.can("dashboard.print"):
            row.addWidget(button(self.tr("导出PDF"), "dashboard_export_pdf", "secondary", self.export_pdf))
            row.addWidget(button(self.tr("导出Excel"), "dashboard_export_xlsx", "secondary", self.export_xlsx))
            row.addWidget(button(self.tr("打印"), "dashboard_print", "primary", self.print_report))
        return row

    def title(self) -> str:
        return self.tr("数据看板")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        if self.ctx.desk is None:
            return
        if self._loading:
            self._again = True  # the period changed (or news came) while counting: count again after
            return
        self._loading = True
        self.ctx.run(_load, self.desk, self.picker.choice(), self.figures, chart_words(), on_done=self._loaded,
                     on_error=self._failed)

    def _loaded(self, result: tuple[Period, Figures, dict[str, Figure]]) -> None:
        self._loading = False
        period, f, built = result
        self.period, self.figures = period, f
        self.picker.show_dates(period.first, period.last)
        as_of = f.as_of.astimezone(period.zone)
        self.summary.setText(" · ".join((words.period_text(period.kind, period.first, period.last),
                                         words.scope(f.consultant),
                                         self.tr("截至 %1").replace("%1", as_of.strftime("%Y-%m-%d %H:%M")))))
        self.board.fill(f, built)
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, error: BaseException) -> None:
        self._loading = False
        self._again = False
        self.ctx.message.emit(str(error), "error")

    def on_journal(self, _seq: int) -> None:
        if self.isVisible() and self.current is self.board_panel:
            self._journal_timer.start()

    # ------------------------------------------------------------ click-through
    def open_behind(self, behind: Behind, caption: str) -> None:
        if self.period is None:
            return
        self.behind.show_behind(self.period, behind, caption)
        bar = self._scroll_bar()
        if self.current is self.board_panel and bar is not None:
            self._board_at = bar.value()
        self._show(self.behind)
        self.scroll_to("top")

    def show_board(self) -> None:
        """Back from a list: the board where it was left."""
        if self.current is not self.board_panel:
            self._show(self.board_panel)
            bar = self._scroll_bar()
            if bar is not None:  # lay the long board out now, so that the scroll bar reaches where it was
                QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                bar.setValue(self._board_at)

    def _show(self, panel: QWidget) -> None:
        self.behind.setVisible(panel is self.behind)
        self.board_panel.setVisible(panel is self.board_panel)

    @property
    def current(self) -> QWidget:
        """The board, or the list of customers behind a number."""
        return self.behind if self.behind.isVisibleTo(self) else self.board_panel

    def open_customer(self, customer_id: int) -> None:
        """The customer's page, on 客户 (the window's page; links between pages go through it)."""
        window = self.window()
        open_page = getattr(window, "open_page", None)
        if open_page is None:
            return
        open_page("customers").show_customer(customer_id)

    # ------------------------------------------------------------ the monthly target
    def ask_target(self) -> None:
        current = self.figures.month.target if self.figures is not None else None
        value, ok = QInputDialog.getInt(self, self.tr("月度来访目标"), self.tr("本月来访目标（组）："),
                                        current or 300, 1, TARGET_MAX)
        if ok:
            self.set_target(value)

    def set_target(self, value: int | None) -> None:
        def done(_seq: int) -> None:
            self.ctx.message.emit(self.tr("月度来访目标已更新"), "success")
            self.refresh()

        self.ctx.run(desk_reports.set_target, self.desk, value, on_done=done)

    # ------------------------------------------------------------ printed reports
    def _report_name(self) -> str:
        assert self.period is not None
        return f"{TITLES.get(self.period.kind, '统计报表')}_{self.period.slug}"

    def _period_document(self) -> MakeDocument:
        period = self.period
        assert period is not None

        def make(desk: Desk) -> Document:
            return desk_reports.period_document(desk, period)

        return make

    def export_pdf(self, path: str | Path | None = None) -> None:
        if self.period is not None:
            self.output.export(self._period_document(), "pdf", self._report_name(), path)

    def export_xlsx(self, path: str | Path | None = None) -> None:
        if self.period is not None:
            self.output.export(self._period_document(), "xlsx", self._report_name(), path)

    def print_report(self, printer: QPrinter | None = None) -> None:
        if self.period is not None:
            self.output.print(self._period_document(), printer)

    def commission(self, channel: str, how: str, target: Any = None) -> None:
        """渠道佣金凭证 of `channel` over the period: exported as PDF ("pdf", `target` a path) or printed
        ("print", `target` a printer); without `target` the dialogs ask."""
        period = self.period
        if period is None or not channel:
            self.ctx.message.emit(self.tr("请先选择渠道"), "hint")
            return

        def make(desk: Desk) -> Document:
            return desk_reports.commission_statement(desk, channel, period)

        if how == "print":
            self.output.print(make, target)
        else:
            self.output.export(make, "pdf", f"渠道佣金凭证_{channel}_{period.slug}", target)

    # ------------------------------------------------------------ tour
    def _scroll_bar(self) -> QScrollBar | None:
        """The window's scroll area around this page (None outside a window)."""
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        return area.verticalScrollBar() if area is not None else None

    def scroll_to(self, section: str) -> None:
        """Scrolls the page so that `section` (概览 when "top") is at the top of the window."""
        bar = self._scroll_bar()
        if bar is not None:
            bar.setValue(0 if section == "top" else self.board.sections[section].mapTo(self, QPoint(0, 0)).y())

    def tour(self, snap: Snap) -> None:
        snap("dashboard")
        self.picker.choose(MONTH)
        snap("dashboard_month")
        for section in ("visits", "channels", "people", "oversight"):
            self.scroll_to(section)
            snap(f"dashboard_{section}")
        self.scroll_to("top")
        self.open_behind(Behind(FIRST), self.tr("首访"))
        snap("dashboard_behind")
        self.show_board()
        self.picker.choose(DAY)
