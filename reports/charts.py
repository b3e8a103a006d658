"""The charts, defined once: each builds a matplotlib Figure from the figures, which the console shows
(a Qt canvas, or `png`) and the PDF draws as vectors (reports/vector.py).

Chart text uses the bundled Noto Sans SC (set as matplotlib's default family when this module loads,
so tick labels made at draw time get it too). Its words are a ChartWords: Chinese by default (paper);
the console passes its own, translated (console/chart_words.py), since reports/ has no translator.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from judge.facts import NATURAL
from judge.reasons import LABELS_ZH
from reports import labels
from reports.data import ConsultantFigures, Count, FunnelStep, VisitFigures, WarningFigures
from reports.fonts import register_chart_font

matplotlib.rcParams.update({"font.family": [register_chart_font(), "DejaVu Sans"], "axes.unicode_minus": False,
                            "font.size": 9, "axes.titlesize": 10, "axes.spines.top": False,
                            "axes.spines.right": False, "svg.fonttype": "path"})
BLUE, LIGHT, ORANGE, GREEN, RED, GREY = "#2f6690", "#9cc3e4", "#d9822b", "#5b8c5a", "#c0392b", "#9aa5b1"
SIZE = (7.0, 3.0)  # inches: the screen's default; paper scales it to the column


@dataclass(frozen=True)
class ChartWords:
    """Every word a chart draws; %1, %2: the numbers put in. Names (channels, sources, consultants) are
    drawn as they are."""

    no_data: str = "本期无数据"
    days: str = "每日来访组数（首访 / 复访）"
    first: str = "首访"
    returning: str = "复访"
    hours: str = "来访时段（按每组首次到达的整点）"
    hour: str = "%1时"
    channels: str = "来访渠道构成（组）"
    sources: str = "来访来源（组）"
    share: str = "%1（%2）"  # a bar's count and share
    funnel: str = "转化漏斗：报备 → 来访 → 认筹 → 认购 → 签约"
    conversion: str = "转化 %1"
    report_visits: str = "报备到访 %1"  # the visit step's conversion: of the valid reports' customers, who came
    leaderboard: str = "顾问排行：接待组数、首访、成交"
    received: str = "接待组数"
    deals: str = "成交"
    warnings: str = "预警处理结果（准确率 %1）"
    active: str = "处理中"
    resolved: str = "已解决"
    blacklisted: str = "已拉黑"
    dismissed: str = "已排除"
    natural: str = "自然来访"
    not_judged: str = labels.NOT_JUDGED
    no_source: str = labels.NO_SOURCE
    steps: Mapping[str, str] = field(default_factory=lambda: dict(labels.FUNNEL))  # funnel step -> name
    kinds: Mapping[str, str] = field(default_factory=lambda: dict(LABELS_ZH))  # warning kind -> name

    def channel(self, name: str | None) -> str:
        return self.not_judged if name is None else self.natural if name == NATURAL else name

    def source(self, name: str | None) -> str:
        return name or self.no_source


ZH = ChartWords()


def _fill(text: str, *values: object) -> str:
    for number, value in enumerate(values, start=1):
        text = text.replace(f"%{number}", str(value))
    return text


def new_figure(size: tuple[float, float] = SIZE) -> Figure:
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)  # for PNG and for text measurement during layout
    return figure


def _empty(figure: Figure, title: str, words: ChartWords) -> Figure:
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.set_title(title, loc="left")
    axes.text(0.5, 0.5, words.no_data, ha="center", va="center", color=GREY, transform=axes.transAxes)
    return figure


def visits_by_day(visits: VisitFigures, words: ChartWords = ZH) -> Figure:
    figure = new_figure()
    title = words.days
    if not visits.groups:
        return _empty(figure, title, words)
    axes = figure.add_subplot()
    days = [f"{d.day.month}/{d.day.day}" for d in visits.by_day]
    first = [d.first for d in visits.by_day]
    returning = [d.returning for d in visits.by_day]
    axes.bar(days, first, color=BLUE, label=words.first)
    axes.bar(days, returning, bottom=first, color=LIGHT, label=words.returning)
    axes.set_title(title, loc="left")
    figure.legend(frameon=False, ncols=2, loc="outside upper right")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(days) > 16:
        for index, tick in enumerate(axes.get_xticklabels()):
            tick.set_visible(index % 2 == 0)
    axes.tick_params(axis="x", labelsize=7 if len(days) > 16 else 8)
    return figure


def visits_by_hour(visits: VisitFigures, words: ChartWords = ZH) -> Figure:
    figure = new_figure()
    title = words.hours
    if not visits.groups:
        return _empty(figure, title, words)
    axes = figure.add_subplot()
    axes.bar(range(24), visits.by_hour, color=BLUE)
    axes.set_xticks(range(0, 24, 2), [_fill(words.hour, h) for h in range(0, 24, 2)])
    axes.set_xlim(-0.6, 23.6)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, loc="left")
    return figure


def _shares(figure: Figure, title: str, items: Sequence[tuple[str, int]], color: str,
            words: ChartWords) -> Figure:
    """Horizontal bars, largest on top, each with its count and share."""
    if not items or not sum(n for _, n in items):
        return _empty(figure, title, words)
    axes = figure.add_subplot()
    total = sum(n for _, n in items)
    names = [name for name, _ in items][::-1]
    counts = [n for _, n in items][::-1]
    bars = axes.barh(names, counts, color=color)
    axes.bar_label(bars, [_fill(words.share, n, labels.percent(n / total)) for n in counts], padding=3, fontsize=8)
    axes.set_xlim(0, max(counts) * 1.3)
    axes.xaxis.set_visible(False)
    axes.spines["bottom"].set_visible(False)
    axes.set_title(title, loc="left")
    return figure


def channel_share(by_channel: Sequence[Count], words: ChartWords = ZH) -> Figure:
    items = [(words.channel(c.key), c.count) for c in by_channel]
    return _shares(new_figure(), words.channels, items, BLUE, words)


def source_share(by_source: Sequence[Count], words: ChartWords = ZH) -> Figure:
    return _shares(new_figure(), words.sources, [(words.source(c.key), c.count) for c in by_source], GREEN, words)


def funnel(steps: Sequence[FunnelStep], words: ChartWords = ZH) -> Figure:
    figure = new_figure((7.0, 2.8))
    title = words.funnel
    if not any(s.count for s in steps):
        return _empty(figure, title, words)
    axes = figure.add_subplot()
    widest = max(s.count for s in steps) or 1
    for row, step in enumerate(steps):
        y = len(steps) - 1 - row
        axes.barh(y, step.count, left=(widest - step.count) / 2, color=BLUE if row else ORANGE, height=0.7)
        said = words.report_visits if step.key == "visit" else words.conversion  # "转化 0%" beside 37 visits misleads
        rate = "" if step.rate is None else "  " + _fill(said, labels.percent(step.rate))
        name = words.steps.get(step.key, step.key)
        axes.text(widest * 1.04, y, f"{name} {step.count}{rate}", va="center", fontsize=9)
    axes.set_xlim(0, widest * 1.6)
    axes.set_ylim(-0.6, len(steps) - 0.4)
    axes.set_axis_off()
    axes.set_title(title, loc="left")
    return figure


def leaderboard(consultants: Sequence[ConsultantFigures], words: ChartWords = ZH) -> Figure:
    shown = list(consultants)[:12]
    figure = new_figure((7.0, max(2.4, 0.42 * len(shown) + 1.0)))
    title = words.leaderboard
    if not shown or not any(c.visits or c.deals for c in shown):
        return _empty(figure, title, words)
    axes = figure.add_subplot()
    names = [c.consultant for c in shown][::-1]
    rows = range(len(names))
    axes.barh([r + 0.27 for r in rows], [c.visits for c in shown][::-1], height=0.26, color=LIGHT,
              label=words.received)
    axes.barh(list(rows), [c.first_visits for c in shown][::-1], height=0.26, color=BLUE, label=words.first)
    axes.barh([r - 0.27 for r in rows], [c.deals for c in shown][::-1], height=0.26, color=ORANGE,
              label=words.deals)
    axes.set_yticks(list(rows), names)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.legend(frameon=False, ncols=3, loc="outside upper right")
    axes.set_title(title, loc="left")
    return figure


def warning_outcomes(warnings: WarningFigures, words: ChartWords = ZH) -> Figure:
    kinds = list(warnings.by_kind)
    figure = new_figure((7.0, max(2.2, 0.45 * len(kinds) + 1.0)))
    title = _fill(words.warnings, labels.percent(warnings.precision))
    if not kinds:
        return _empty(figure, title, words)
    axes = figure.add_subplot()
    names = [words.kinds.get(k.kind, k.kind) for k in kinds][::-1]
    left = [0] * len(kinds)
    for attribute, name, color in (("active", words.active, GREY), ("resolved", words.resolved, GREEN),
                                   ("blacklisted", words.blacklisted, RED), ("dismissed", words.dismissed, LIGHT)):
        values = [getattr(k, attribute) for k in kinds][::-1]
        axes.barh(names, values, left=left, color=color, label=name)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.legend(frameon=False, ncols=4, loc="outside upper right", fontsize=8)
    axes.set_title(title, loc="left")
    return figure


def png(figure: Figure, dpi: int = 120) -> bytes:
    """The chart as PNG, for a screen or a picture."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg")
    return buffer.getvalue()
