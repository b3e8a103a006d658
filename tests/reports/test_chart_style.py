"""The big screen's dark variant of a chart (reports/chart_style.py): dark ground, light large text also
on the tick labels matplotlib makes at draw time, the series recoloured; paper's charts untouched."""

from __future__ import annotations

from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from reports import charts
from reports.chart_style import DARK, restyle
from reports.data import ConsultantFigures, Count, FunnelStep

SHARE = [Count("natural", 6), Count("贝壳", 3), Count(None, 1)]
STEPS = [FunnelStep("report", 4, None), FunnelStep("visit", 6, 0.75, 3, 4), FunnelStep("pledge", 2, 1 / 3),
         FunnelStep("subscribe", 1, 0.5), FunnelStep("contract", 0, 0.0)]


def shown_texts(figure: object) -> list[Text]:
    charts.png(figure)  # type: ignore[arg-type]  # draw: tick labels exist from now on
    return [t for t in figure.findobj(Text) if t.get_text() and t.get_visible()]  # type: ignore[attr-defined]


def test_a_chart_turns_dark_with_light_large_text() -> None:
    paper = charts.channel_share(SHARE)
    paper_sizes = {t.get_text(): t.get_fontsize() for t in shown_texts(paper)}
    dark = restyle(charts.channel_share(SHARE))
    assert to_hex(dark.get_facecolor()) == DARK.background
    assert all(to_hex(a.get_facecolor()) == DARK.background for a in dark.axes)
    texts = shown_texts(dark)
    assert {"自然来访", "贝壳", "待核验", "6（60.0%）"} <= {t.get_text() for t in texts}
    for text in texts:
        assert to_hex(text.get_color()) in {DARK.text, DARK.muted}, text.get_text()
        if text.get_text() in paper_sizes:  # (tick values may differ: the larger type fits fewer)
            assert abs(text.get_fontsize() - paper_sizes[text.get_text()] * DARK.font_scale) < 0.01, text.get_text()
        assert text.get_fontsize() >= 8 * DARK.font_scale  # paper's smallest, enlarged
    assert "来访渠道构成（组）" not in {t.get_text() for t in texts}  # the panel around it names the chart
    bars = {to_hex(p.get_facecolor()) for p in dark.axes[0].patches if isinstance(p, Rectangle)}
    assert bars == {DARK.series[charts.BLUE]}


def test_every_series_colour_changes_and_paper_charts_stay_as_they_were() -> None:
    board = [ConsultantFigures("李强", 5, 3, 1, 1, 4, 0), ConsultantFigures("王丽", 3, 2, 0, 0, 2, 0)]
    dark = restyle(charts.leaderboard(board))
    colours = {to_hex(p.get_facecolor()) for p in dark.findobj(Rectangle)} - {DARK.background}
    assert colours <= set(DARK.series.values()) and len(colours) == 3  # received, first visits, deals
    funnel = restyle(charts.funnel(STEPS))
    assert {to_hex(t.get_color()) for t in shown_texts(funnel)} == {DARK.text}
    paper = charts.funnel(STEPS)  # built after: nothing global changed
    assert to_hex(paper.get_facecolor()) == "#ffffff"
    assert {to_hex(t.get_color()) for t in shown_texts(paper)} == {"#000000"}
