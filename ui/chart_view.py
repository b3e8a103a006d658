"""ChartView: a matplotlib Figure (reports/charts.py builds them) shown in Qt through matplotlib's own Qt
canvas (backend_qtagg on PySide6): the same chart definition the PDF prints, never painted by hand.

`show_figure(figure)` swaps a chart in; a canvas holds one figure for life, so a new figure gets a new
canvas and the old one goes. The width follows the layout and the height is the view's own; the
figures use constrained layout, so their text fits at any width. Build the figure from figures computed
on a worker; drawing happens here, on the GUI thread, when the canvas is painted.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")  # matplotlib's Qt binding: the one the stations use

import shiboken6  # noqa: E402
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg  # noqa: E402 - after QT_API
from matplotlib.figure import Figure  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget  # noqa: E402

DEFAULT_HEIGHT = 260  # px


class _OnScreenCanvas(FigureCanvasQTAgg):
    """Renders only when on screen. matplotlib draws a canvas after every resize, seen or not; a page of
    charts (most scrolled out of view, or on a page not shown) would render them all at each refresh.
    A draw asked for off screen waits, pending, for the canvas's first paint."""

    def _draw_idle(self) -> None:
        if not shiboken6.isValid(self):
            return  # swapped out (show_figure) with a draw still queued: nothing left to draw on
        if getattr(self, "_draw_pending", False) and self.visibleRegion().isEmpty():
            return  # still pending: paintEvent draws when the canvas comes into view
        super()._draw_idle()


class ChartView(QWidget):
    def __init__(self, name: str, height: int = DEFAULT_HEIGHT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFixedHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.canvas: FigureCanvasQTAgg | None = None

    @property
    def figure(self) -> Figure | None:
        return self.canvas.figure if self.canvas is not None else None

    def show_figure(self, figure: Figure, height: int | None = None) -> None:
        """Shows `figure` in place of the chart before; `height`: a new height for the view (a
        leaderboard grows with its rows)."""
        if height is not None:
            self.setFixedHeight(height)
        canvas = _OnScreenCanvas(figure)
        canvas.setObjectName(f"{self.objectName()}_canvas")
        canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        canvas.setMinimumSize(10, 10)  # never wider than the layout gives: the figure follows the widget
        old, self.canvas = self.canvas, canvas
        if old is not None:
            self._layout.removeWidget(old)
            old.hide()
            old.deleteLater()
        self._layout.addWidget(canvas)
        canvas.draw_idle()

    def clear(self) -> None:
        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.hide()
            self.canvas.deleteLater()
            self.canvas = None

    def image(self) -> QImage:
        """The chart as drawn now (tests, screenshots)."""
        if self.canvas is None:
            return QImage()
        self.canvas.draw()
        return self.canvas.grab().toImage()
