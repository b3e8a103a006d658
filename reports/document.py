"""A report as data: titled sections of key figures, tables and charts, and the signed checkpoint at its
foot. The PDF (reports/pdf.py) and the Excel workbook (reports/xlsx.py) render the same document, so
paper and spreadsheet hold the same tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from matplotlib.figure import Figure

from db.journal import Checkpoint


@dataclass(frozen=True)
class Percent:
    """A share, printed as 12.5% (— when there is nothing to divide by); a number in Excel."""

    value: float | None


Cell = str | int | float | datetime | Percent | None  # datetimes are local, without a zone


@dataclass(frozen=True)
class Table:
    title: str  # also the sheet's name in the workbook (unique within a document)
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...] = ()  # relative column widths on paper (default: equal)
    time_format: str = "%Y-%m-%d %H:%M"  # how its times are printed
    note: str = ""  # printed under it: what it leaves out, what a column means
    total: tuple[Cell, ...] = ()  # a last row in bold (合计)


@dataclass(frozen=True)
class KeyFigures:
    """The headline numbers, printed as tiles."""

    title: str
    items: tuple[tuple[str, Cell, str], ...]  # (label, value, small print under it)


@dataclass(frozen=True)
class Chart:
    title: str
    make: Callable[[], Figure]  # reports/charts.py: the same chart the console shows
    aspect: float = 0.45  # height ÷ width on paper


@dataclass(frozen=True)
class Text:
    text: str


Block = Table | KeyFigures | Chart | Text


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    kind: str  # daily | weekly | monthly | range | channel | case
    title: str  # 日报, 渠道佣金凭证 ...
    subtitle: str  # the period, the channel, the case
    generated_at: datetime  # local
    sections: tuple[Section, ...]
    checkpoint: Checkpoint | None = None
    scope: str = ""  # "置业顾问 王丽 本人数据" for a consultant's own report
    zone: ZoneInfo | None = None  # the site's, for the checkpoint's time
    footnotes: tuple[str, ...] = field(default_factory=tuple)

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]
