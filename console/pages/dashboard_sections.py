"""The 数据看板 board: the figures of one period section by section (概览, 来访, 渠道, 漏斗, 顾问, 判客与预警),
each chart (reports/charts.py, the one the PDF prints) beside the table whose counts open the customers
behind them. `fill(figures, charts)` fills it; the figures and the charts that changed (`build_charts`)
were made on a worker, and a chart is drawn on the GUI thread only once it is scrolled into view."""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.figure import Figure
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.pages import dashboard_words as words
from console.pages.dashboard_parts import Cell, FigureTable, NumberTile, Open, TargetBar, count
from console.widgets import button
from reports import behind as b
from reports import charts
from reports.behind import Behind
from reports.charts import ChartWords
from reports.data import Figures, FunnelStep
from ui.chart_view import ChartView

CHART_HEIGHT = 250
Commission = Callable[[str, str], None]  # (channel, "pdf" | "print")
# chart -> (the figures it draws, the chart): reports/charts.py's, built on the worker with the figures
CHARTS: dict[str, tuple[Callable[[Figures], object], Callable[[Figures, ChartWords], Figure]]] = {
    "days": (lambda f: f.visits.by_day, lambda f, w: charts.visits_by_day(f.visits, w)),
    "hours": (lambda f: (f.visits.groups, f.visits.by_hour), lambda f, w: charts.visits_by_hour(f.visits, w)),
    "sources": (lambda f: f.visits.by_source, lambda f, w: charts.source_share(f.visits.by_source, w)),
    "channels": (lambda f: f.visits.by_channel, lambda f, w: charts.channel_share(f.visits.by_channel, w)),
    "funnel": (lambda f: f.funnel, lambda f, w: charts.funnel(f.funnel, w)),
    "people": (lambda f: f.consultants, lambda f, w: charts.leaderboard(f.consultants, w)),
    "warnings": (lambda f: f.warnings, lambda f, w: charts.warning_outcomes(f.warnings, w)),
}


def build_charts(f: Figures, shown: Figures | None, words: ChartWords) -> dict[str, Figure]:
    """The charts whose figures differ from those `shown` (all without): the board redraws only those.
    Runs on a worker: figures of their own, no pyplot, drawn later on the GUI thread; `words`: the
    station's language (console/chart_words.py, made on the GUI thread)."""
    return {name: make(f, words) for name, (data, make) in CHARTS.items()
            if shown is None or data(f) != data(shown)}


def _share(n: int, whole: int) -> Cell:
    return Cell(words.percent(n / whole if whole else None), number=True)


def _conversion(step: FunnelStep) -> list[Cell]:
    """Converted of whom (a link to the converted), and the rate with what it is a share of."""
    if step.converted is None or step.base is None:
        return [Cell(""), Cell("")]
    tip = words.conversion(step.key, step.converted, step.base)
    behind = Behind(b.CONVERTED, step.key) if step.converted else None
    return [Cell(f"{step.converted} / {step.base}", behind, number=True, tip=tip if behind is None else ""),
            Cell(words.percent(step.rate), number=True, tip=tip)]


class Board(QWidget):
    def __init__(self, on_open: Open, target: TargetBar, on_commission: Commission | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_board")
        self.on_open = on_open
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(10)
        self.sections: dict[str, QWidget] = {}
        self._overview(target)
        self._visits()
        self._channels(on_commission)
        self._people()
        self._oversight()
        self.column.addStretch(1)
        self.charts = {"days": self.by_day, "hours": self.by_hour, "sources": self.by_source,
                       "channels": self.by_channel, "funnel": self.funnel_chart, "people": self.leaderboard,
                       "warnings": self.warning_chart}

    # ------------------------------------------------------------ building
    def _heading(self, key: str, text: str, extra: list[QWidget] | None = None) -> None:
        box = QWidget()
        box.setObjectName(f"dashboard_section_{key}")
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 8, 0, 0)
        label = QLabel(text)
        label.setObjectName("subtitle")
        row.addWidget(label)
        row.addStretch(1)
        for widget in extra or []:
            row.addWidget(widget)
        self.sections[key] = box
        self.column.addWidget(box)

    def _row(self, *widgets: QWidget, stretches: tuple[int, ...] = ()) -> None:
        row = QHBoxLayout()
        row.setSpacing(12)
        for i, widget in enumerate(widgets):
            row.addWidget(widget, stretches[i] if i < len(stretches) else 1, Qt.AlignmentFlag.AlignTop)
        self.column.addLayout(row)

    def _tiles(self, specs: list[tuple[str, str]]) -> None:
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, (name, caption) in enumerate(specs):
            tile = NumberTile(f"dashboard_{name}", caption, self.on_open)
            self.tiles[name] = tile
            grid.addWidget(tile, 0, i)
        self.column.addLayout(grid)

    def _overview(self, target: TargetBar) -> None:
        self.tiles: dict[str, NumberTile] = {}
        self._tiles([("groups", self.tr("来访组数")), ("first", self.tr("首访")), ("returning", self.tr("复访")),
                     ("unverified", self.tr("待前台确认")), ("reports", self.tr("报备")), ("pledge", self.tr("认筹")),
                     ("subscribe", self.tr("认购")), ("contract", self.tr("签约"))])
        self.column.addWidget(target)
        self.target = target

    def _visits(self) -> None:
        self._heading("visits", self.tr("来访"))
        self.by_day = ChartView("dashboard_chart_days", CHART_HEIGHT)
        self.by_hour = ChartView("dashboard_chart_hours", CHART_HEIGHT)
        self._row(self.by_day, self.by_hour)
        self.by_source = ChartView("dashboard_chart_sources", CHART_HEIGHT)
        self.by_channel = ChartView("dashboard_chart_channels", CHART_HEIGHT)
        self._row(self.by_source, self.by_channel)
        self.sources = FigureTable("dashboard_sources", [self.tr("来源"), self.tr("来访组数"), self.tr("占比")],
                                   self.on_open)
        self.shares = FigureTable("dashboard_channel_share", [self.tr("渠道"), self.tr("来访组数"), self.tr("占比")],
                                  self.on_open)
        self._row(self.sources, self.shares)

    def _channels(self, on_commission: Commission | None) -> None:
        extra: list[QWidget] = []
        self.commission_channel: QComboBox | None = None
        if on_commission is not None:  # 渠道佣金凭证 of the channel chosen, over the period shown
            choice = self.commission_channel = QComboBox()
            choice.setObjectName("dashboard_commission_channel")
            choice.setMinimumHeight(40)

            def act(how: str) -> Callable[[], None]:
                return lambda: on_commission(choice.currentText(), how)

            extra = [QLabel(self.tr("渠道佣金凭证")), choice,
                     button(self.tr("导出凭证PDF"), "dashboard_commission_pdf", "secondary", act("pdf")),
                     button(self.tr("打印凭证"), "dashboard_commission_print", "secondary", act("print"))]
        self._heading("channels", self.tr("渠道业绩"), extra)
        self.channels = FigureTable("dashboard_channels", [
            self.tr("渠道"), self.tr("报备"), self.tr("有效报备"), self.tr("有效率"), self.tr("带访"), self.tr("带访率"),
            self.tr("认筹"), self.tr("成交"), self.tr("应结佣"), self.tr("成交率")], self.on_open)
        self.channels.set_header_tip(5, words.visit_rate_rule())
        self.column.addWidget(self.channels)
        self._heading("funnel", self.tr("漏斗与无效报备"))
        self.funnel_chart = ChartView("dashboard_chart_funnel", CHART_HEIGHT)
        side = QWidget()
        stack = QVBoxLayout(side)
        stack.setContentsMargins(0, 0, 0, 0)
        self.funnel = FigureTable("dashboard_funnel", [self.tr("环节"), self.tr("数量"), self.tr("转化人数"),
                                                       self.tr("转化率")], self.on_open)
        for column in (2, 3):
            self.funnel.set_header_tip(column, words.conversion_rule())
        self.invalid = FigureTable("dashboard_invalid", [self.tr("无效原因"), self.tr("报备数")], self.on_open)
        stack.addWidget(self.funnel)
        stack.addWidget(self.invalid)
        stack.addStretch(1)
        self._row(self.funnel_chart, side, stretches=(3, 2))

    def _people(self) -> None:
        self._heading("people", self.tr("顾问"))
        self.people = FigureTable("dashboard_people", [
            self.tr("置业顾问"), self.tr("接待组数"), self.tr("首访"), self.tr("认筹"), self.tr("成交"), self.tr("成交转化"),
            self.tr("保护中客户"), self.tr("公海认领")], self.on_open)
        self.column.addWidget(self.people)
        self.leaderboard = ChartView("dashboard_chart_people", CHART_HEIGHT)
        self.column.addWidget(self.leaderboard)

    def _oversight(self) -> None:
        self._heading("oversight", self.tr("判客与预警"))
        self._tiles([("cases_opened", self.tr("判客立案")), ("cases_decided", self.tr("本期裁决")),
                     ("cases_kept", self.tr("维持建议裁决")), ("cases_overridden", self.tr("推翻建议裁决")),
                     ("warnings", self.tr("预警触发")), ("precision", self.tr("预警准确率"))])
        self.warning_chart = ChartView("dashboard_chart_warnings", CHART_HEIGHT)
        self.warnings = FigureTable("dashboard_warnings", [
            self.tr("预警类型"), self.tr("触发"), self.tr("处理中"), self.tr("已解决"), self.tr("已拉黑"), self.tr("已排除")],
            self.on_open)
        self.column.addWidget(self.warnings)  # full width, as the consultants': the kinds named whole
        self.column.addWidget(self.warning_chart)

    # ------------------------------------------------------------ filling
    def fill(self, f: Figures, built: dict[str, Figure]) -> None:
        """Shows the figures; `built`: the charts that changed (build_charts)."""
        self._show_overview(f)
        self._show_visits(f)
        self._show_channels(f)
        self._show_people(f)
        self._show_oversight(f)
        for name, figure in built.items():
            view = self.charts[name]
            height = int(min(520, max(CHART_HEIGHT, figure.get_figheight() * 80))) if name == "people" else None
            view.show_figure(figure, height)

    def _show_overview(self, f: Figures) -> None:
        v, steps = f.visits, {s.key: s.count for s in f.funnel}
        reports = sum(c.reports for c in f.channels)
        valid = sum(c.valid_reports for c in f.channels)
        t = self.tiles
        t["groups"].set(v.groups, self.tr("来访人次 %1").replace("%1", str(v.registrations)), Behind(b.VISITS))
        t["first"].set(v.first, self.tr("首次到访的组"), Behind(b.FIRST))
        t["returning"].set(v.returning, self.tr("再次到访的组"), Behind(b.RETURNING))
        t["unverified"].set(v.unverified, self.tr("签到待确认"), Behind(b.UNVERIFIED))
        t["reports"].set(reports, self.tr("有效 %1").replace("%1", str(valid)), Behind(b.REPORTS))
        for step in ("pledge", "subscribe", "contract"):
            t[step].set(steps.get(step, 0), self.tr("位客户"), Behind(b.STAGE, step))
        m = f.month
        self.target.show_month(m.month.month, m.visits, m.target, m.share, Behind(b.MONTH))

    def _show_visits(self, f: Figures) -> None:
        v = f.visits
        several_days = len(v.by_day) > 1
        self.by_day.setVisible(several_days)
        none = self.tr("本期无来访")
        self.sources.fill([[Cell(words.source(c.key)), count(c.count, Behind(b.SOURCE, c.key)),
                            _share(c.count, v.groups)] for c in v.by_source], none)
        self.shares.fill([[Cell(words.channel(c.key)), count(c.count, Behind(b.VISIT_CHANNEL, c.key)),
                           _share(c.count, v.groups)] for c in v.by_channel], none)

    def _show_channels(self, f: Figures) -> None:
        self.channels.fill([[Cell(words.channel(c.channel)), count(c.reports, Behind(b.REPORTS, c.channel)),
                             count(c.valid_reports, Behind(b.VALID, c.channel)), Cell(words.percent(c.valid_rate), number=True),
                             count(c.visits, Behind(b.LED, c.channel)), Cell(words.percent(c.visit_rate), number=True),
                             count(c.pledges, Behind(b.PLEDGES, c.channel)), count(c.deals, Behind(b.DEALS, c.channel)),
                             count(c.commissioned, Behind(b.COMMISSIONED, c.channel)),
                             Cell(words.percent(c.deal_rate), number=True)] for c in f.channels])
        choice = self.commission_channel
        if choice is not None:
            chosen = choice.currentText()
            choice.clear()
            choice.addItems([c.channel for c in f.channels if c.channel != "natural"])
            choice.setCurrentIndex(max(0, choice.findText(chosen)))
        names = words.funnel_steps()
        opens = {"report": Behind(b.REPORTS), "visit": Behind(b.VISITS)}
        self.funnel.fill([[Cell(names[s.key]), count(s.count, opens.get(s.key, Behind(b.STAGE, s.key))),
                           *_conversion(s)] for s in f.funnel])
        self.invalid.fill([[Cell(words.reason(c.key)), count(c.count, Behind(b.INVALID, c.key))]
                           for c in f.invalid_reasons], self.tr("本期无无效报备"))

    def _show_people(self, f: Figures) -> None:
        self.people.fill([[Cell(c.consultant), count(c.visits, Behind(b.RECEIVED, c.consultant)),
                           count(c.first_visits, Behind(b.RECEIVED_FIRST, c.consultant)),
                           count(c.pledges, Behind(b.PLEDGED_BY, c.consultant)),
                           count(c.deals, Behind(b.DEALS_BY, c.consultant)), Cell(words.percent(c.conversion), number=True),
                           count(c.protected, Behind(b.PROTECTED, c.consultant)),
                           count(c.claims, Behind(b.CLAIMS, c.consultant))] for c in f.consultants])

    def _show_oversight(self, f: Figures) -> None:
        c, w, t = f.cases, f.warnings, self.tiles
        t["cases_opened"].set(c.opened, " · ".join(f"{words.case_kind(k.key)} {k.count}" for k in c.opened_by_kind),
                              Behind(b.CASES_OPENED))
        t["cases_decided"].set(c.decided, self.tr("含以前立案的"), Behind(b.CASES_DECIDED))
        t["cases_kept"].set(c.kept, "", Behind(b.CASES_KEPT))
        t["cases_overridden"].set(c.overridden, self.tr("须写明理由"), Behind(b.CASES_OVERRIDDEN))
        t["warnings"].set(w.raised, self.tr("处理中 %1").replace("%1", str(w.raised - w.handled)),
                          Behind(b.WARNINGS))
        t["precision"].set(words.percent(w.precision), self.tr("已确认 %1 ÷ 已处理 %2")
                           .replace("%1", str(w.confirmed)).replace("%2", str(w.handled)))
        rows = [[Cell(words.warning_kind(k.kind)), *(count(getattr(k, outcome), Behind(b.WARNINGS, k.kind, outcome))
                                                    for outcome in ("raised", "active", "resolved", "blacklisted",
                                                                    "dismissed"))]
                for k in w.by_kind]
        self.warnings.fill(rows, self.tr("本期无预警"))
