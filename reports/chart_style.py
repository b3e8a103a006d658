"""Dark, large-type variants of the charts (reports/charts.py) for the big screen on the hall TV.

The charts stay defined once: `restyle(figure)` takes a chart as charts.py built it and recolours and
enlarges it in place — page colours to the dark theme's (resources/themes/big_screen.qss), each series
colour to a brighter one that holds on a dark ground, every text scaled so that it reads from across
the room. Only public matplotlib calls, on one figure: safe on a worker thread (no rcParams, which are
global and would leak into a chart another thread is drawing for paper).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.text import Text

from reports import charts


@dataclass(frozen=True)
class ChartStyle:
    background: str  # the figure and its axes
    text: str
    muted: str  # ticks, axis lines, "no data"
    series: dict[str, str] = field(default_factory=dict)  # charts.py colour (hex) -> this style's
    font_scale: float = 1.0
    keep_titles: bool = True


# The big_screen theme's card colour and text colours; series a shade lighter than on paper.
DARK = ChartStyle(
    background="#18262e", text="#e8eef1", muted="#a9bcc6", font_scale=2.1, keep_titles=False,
    series={charts.BLUE: "#4fc3f7", charts.LIGHT: "#b3e5fc", charts.ORANGE: "#ffb74d", charts.GREEN: "#81c784",
            charts.RED: "#ef5350", charts.GREY: "#78909c"})


def restyle(figure: Figure, style: ChartStyle = DARK) -> Figure:
    """`figure` in `style` (changed in place, and returned). Without titles the panel around the chart
    names it (in the station's language)."""
    series = {to_hex(old): new for old, new in style.series.items()}
    plain = {to_hex("black"), to_hex(charts.GREY)}
    figure.set_facecolor(style.background)
    tick_sizes = [(_size(a.xaxis.get_ticklabels()), _size(a.yaxis.get_ticklabels())) for a in figure.axes]
    for text in figure.findobj(Text):
        colour = to_hex(text.get_color())
        if colour == to_hex(charts.GREY):
            text.set_color(style.muted)
        elif colour in plain:
            text.set_color(style.text)
        text.set_fontsize(text.get_fontproperties().get_size_in_points() * style.font_scale)
    for axes, (x_size, y_size) in zip(figure.axes, tick_sizes, strict=True):
        axes.set_facecolor(style.background)
        for spine in axes.spines.values():
            spine.set_color(style.muted)
        # through tick_params, which also holds for tick labels matplotlib makes later, at draw time
        axes.tick_params(colors=style.muted, labelcolor=style.text)
        axes.tick_params(axis="x", labelsize=x_size * style.font_scale)
        axes.tick_params(axis="y", labelsize=y_size * style.font_scale)
        if not style.keep_titles:
            for where in ("left", "center", "right"):
                axes.set_title("", loc=where)
    for patch in figure.findobj(Patch):
        colour = to_hex(patch.get_facecolor())
        if colour in series:
            patch.set_facecolor(series[colour])
    for legend in [*figure.legends, *(a.get_legend() for a in figure.axes)]:
        for handle in legend.legend_handles if legend is not None else ():
            if isinstance(handle, Patch) and (colour := to_hex(handle.get_facecolor())) in series:
                handle.set_facecolor(series[colour])
    return figure


def _size(labels: list[Text]) -> float:
    """The size of an axis's tick labels (matplotlib's default when it has none yet)."""
    if labels:
        return float(labels[0].get_fontsize())
    return float(FontProperties(size=matplotlib.rcParams["xtick.labelsize"]).get_size_in_points())
