"""A long list of one-line rows drawn straight onto the page: a busy day's 1,400 visits in a reportlab
Table cost most of a daily report's second (a Table is measured, styled and made again at every page it
is split at, and each cell is drawn as a text object of its own). Here every row is one line high, a page
takes as many rows as fit, the header is repeated on each, and a page's text is one text object. It looks
as pdf.py's tables do: header band, zebra rows, hairlines, numbers right-aligned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

ROW = 12 + 2 * 2.5  # a reportlab table's default leading and pdf.py's top and bottom padding
BASELINE = 6.5  # from a row's foot to its text's baseline: reportlab's middle alignment of one line
PAD = 3  # left and right padding


@dataclass(frozen=True)
class ListStyle:
    regular: str
    bold: str
    size: float
    ink: Any
    head: Any  # the header band
    zebra: Any
    rule: Any


def fits(text: str, font: str, size: float, width: float) -> bool:
    return stringWidth(text, font, size) <= width - 2 * PAD


class PlainList(Flowable):
    """Rows of plain text (every one fitting its column) under a header repeated on every page."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
                 numeric: Sequence[bool], style: ListStyle, first: int = 0) -> None:
        super().__init__()
        self.headers, self.rows, self.widths, self.numeric, self.style = headers, rows, widths, numeric, style
        self.first = first  # the rows' place in the whole list: the zebra goes on across pages
        self.width = sum(widths)
        self.height = ROW * (1 + len(rows))

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        room = int(available_height // ROW) - 1  # rows under the header
        if room >= len(self.rows):
            return [self]
        if room < 1:
            return []  # not a row fits: the next page
        return [PlainList(self.headers, self.rows[:room], self.widths, self.numeric, self.style, self.first),
                PlainList(self.headers, self.rows[room:], self.widths, self.numeric, self.style, self.first + room)]

    def draw(self) -> None:
        canvas, style = self.canv, self.style
        lefts = [sum(self.widths[:i]) for i in range(len(self.widths))]
        canvas.saveState()
        canvas.setFillColor(style.head)
        canvas.rect(0, self.height - ROW, self.width, ROW, stroke=0, fill=1)
        canvas.setFillColor(style.zebra)
        for i in range(len(self.rows)):
            if (self.first + i) % 2 == 1:
                canvas.rect(0, self.height - ROW * (i + 2), self.width, ROW, stroke=0, fill=1)
        canvas.setStrokeColor(style.rule)
        canvas.setLineWidth(0.25)
        canvas.lines([(0, self.height - ROW * (i + 1), self.width, self.height - ROW * (i + 1))
                      for i in range(len(self.rows) + 1)])
        self._text(self.headers, self.height - ROW + BASELINE, lefts, style.bold, "white")
        text = canvas.beginText()
        text.setFont(style.regular, style.size)
        text.setFillColor(style.ink)
        for i, row in enumerate(self.rows):
            y = self.height - ROW * (i + 2) + BASELINE
            for column, value in enumerate(row):
                if value:
                    text.setTextOrigin(self._x(value, column, lefts, style.regular), y)
                    text.textOut(value)
        canvas.drawText(text)
        canvas.restoreState()

    def _x(self, value: str, column: int, lefts: list[float], font: str) -> float:
        if self.numeric[column]:
            return lefts[column] + self.widths[column] - PAD - stringWidth(value, font, self.style.size)
        return lefts[column] + PAD

    def _text(self, values: Sequence[str], y: float, lefts: list[float], font: str, color: str) -> None:
        text = self.canv.beginText()
        text.setFont(font, self.style.size)
        text.setFillColor(color)
        for column, value in enumerate(values):
            text.setTextOrigin(self._x(value, column, lefts, font), y)
            text.textOut(value)
        self.canv.drawText(text)
