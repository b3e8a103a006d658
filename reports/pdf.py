"""A document printed as PDF with reportlab: A4 (landscape for the wide commission statement), the
bundled Noto Sans SC embedded, tables with their header repeated on every page, charts as vectors, and
the signed checkpoint with its QR code at the foot."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from db.text_rules import visible
from reports import labels
from reports.checkpoint import qr_code
from reports.document import Cell, Chart, Document, KeyFigures, Percent, Table, Text
from reports.fonts import register_pdf_fonts
from reports.pdf_list import ListStyle, PlainList, fits
from reports.vector import ChartFlowable

REGULAR, BOLD = register_pdf_fonts()
INK, MUTED, RULE, HEAD, ZEBRA = (colors.HexColor(c) for c in ("#1f2933", "#616e7c", "#cbd2d9", "#2f6690", "#f0f4f8"))
MARGIN = 14 * mm
KEEP_ROWS = 30  # a table this short is kept on one page with its title and note
PLAIN_ROW = 12 + 2 * 2.5  # a table's default leading and the cells' top and bottom padding


def _style(name: str, size: float, font: str = REGULAR, color: Any = INK, **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35, textColor=color,
                          wordWrap="CJK", **extra)


TITLE = _style("title", 18, BOLD)
SUBTITLE = _style("subtitle", 10.5, color=MUTED, spaceAfter=4)
HEADING = _style("heading", 12.5, BOLD, HEAD, spaceBefore=8, spaceAfter=4, keepWithNext=True)
TABLE_TITLE = _style("table-title", 9.5, BOLD, spaceBefore=6, spaceAfter=3, keepWithNext=True)
BODY = _style("body", 9)
NOTE = _style("note", 7.5, color=MUTED, spaceBefore=2)
CELL = _style("cell", 8)
CELL_RIGHT = _style("cell-right", 8, alignment=TA_RIGHT)
HEADER_CELL = _style("header-cell", 8, BOLD, colors.white)
HEADER_RIGHT = _style("header-right", 8, BOLD, colors.white, alignment=TA_RIGHT)
TOTAL = _style("total", 8, BOLD)
TOTAL_RIGHT = _style("total-right", 8, BOLD, alignment=TA_RIGHT)
TILE_LABEL = _style("tile-label", 8, color=MUTED)
TILE_VALUE = _style("tile-value", 15, BOLD)
TILE_NOTE = _style("tile-note", 7, color=MUTED)
MONO = _style("mono", 7.5)
LIST_STYLE = ListStyle(REGULAR, BOLD, CELL.fontSize, INK, HEAD, ZEBRA, RULE)


def _escape(text: str) -> str:
    """Text as a Paragraph's markup; a hidden character an older version stored shows as <U+XXXX>."""
    return visible(text, multiline=True).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell_text(value: Cell, time_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Percent):
        return labels.percent(value.value)
    if isinstance(value, datetime):
        return value.strftime(time_format)
    if isinstance(value, float):
        return f"{value:.1f}"
    return visible(str(value), multiline=True)


def _numeric(value: Cell) -> bool:
    return isinstance(value, int | float | Percent) and not isinstance(value, bool)


def _table(table: Table, width: float) -> list[Flowable]:
    columns = len(table.headers)
    if columns <= 3 and not table.widths:
        width *= 0.62  # a short list reads better narrow
    weights = table.widths or (1.0,) * columns
    widths = [width * w / sum(weights) for w in weights]
    rows = [*table.rows, *((table.total,) if table.total and table.rows else ())]
    numeric = [any(_numeric(row[i]) for row in rows) and all(_numeric(row[i]) or row[i] in (None, "合计")
                                                             for row in rows) for i in range(columns)]
    texts = [[cell_text(v, table.time_format) for v in row] for row in table.rows]
    if len(texts) > KEEP_ROWS and not table.total and all(
            fits(text, REGULAR, CELL.fontSize, widths[i]) for row in texts for i, text in enumerate(row)) and all(
            fits(text, BOLD, CELL.fontSize, widths[i]) for i, text in enumerate(table.headers)):
        flow: list[Flowable] = [Paragraph(_escape(table.title), TABLE_TITLE),
                                PlainList(table.headers, texts, widths, numeric, LIST_STYLE)]
        return flow + ([Paragraph(_escape(table.note), NOTE)] if table.note else [])
    header = [Paragraph(_escape(h), HEADER_RIGHT if numeric[i] else HEADER_CELL) for i, h in enumerate(table.headers)]

    def cell(value: Cell, column: int, bold: bool = False) -> Any:
        text = cell_text(value, table.time_format)
        if stringWidth(text, BOLD if bold else REGULAR, CELL.fontSize) <= widths[column] - 6:
            return text  # fits on one line: drawn as is (a long list draws fast)
        return Paragraph(_escape(text), (TOTAL_RIGHT if numeric[column] else TOTAL) if bold else
                         (CELL_RIGHT if numeric[column] else CELL))

    body: list[list[Any]] = [[cell(v, i) for i, v in enumerate(row)] for row in table.rows]
    if not table.rows:
        body = [[Paragraph("（无）", CELL)] + [""] * (columns - 1)]
    style: list[Any] = [("FONTNAME", (0, 0), (-1, -1), REGULAR), ("FONTSIZE", (0, 1), (-1, -1), CELL.fontSize),
                        ("TEXTCOLOR", (0, 1), (-1, -1), INK), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in range(columns) if numeric[i]]
    style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))  # one command, not one a row
    if not table.rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    elif table.total:
        body.append([cell(v, i, bold=True) for i, v in enumerate(table.total)])
        style += [("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("BACKGROUND", (0, -1), (-1, -1), colors.white),
                  ("FONTNAME", (0, -1), (-1, -1), BOLD)]
    # a row of one-line texts is one line high: given, reportlab need not measure it (nor again at every
    # page a long list is split at)
    heights = [None] + [PLAIN_ROW if all(isinstance(v, str) for v in row) else None for row in body]
    # splitInRow: a row taller than a page (a reason of TEXT_MAX characters) goes on over the next pages
    grid = PdfTable([header, *body], colWidths=widths, rowHeights=heights, repeatRows=1, style=TableStyle(style),
                    hAlign="LEFT", splitInRow=1)
    flow = [Paragraph(_escape(table.title), TABLE_TITLE), grid]
    if table.note:
        flow.append(Paragraph(_escape(table.note), NOTE))
    return [KeepTogether(flow)] if len(body) <= KEEP_ROWS else flow


def _tiles(block: KeyFigures, width: float) -> Flowable:
    per_row = 4
    tiles: list[Any] = [[Paragraph(_escape(label), TILE_LABEL),
                         Paragraph(_escape(cell_text(value, "%m-%d %H:%M")), TILE_VALUE),
                         Paragraph(_escape(note), TILE_NOTE)] for label, value, note in block.items]
    tiles += [""] * (-len(tiles) % per_row)
    rows = [tiles[i:i + per_row] for i in range(0, len(tiles), per_row)]
    grid = PdfTable(rows, colWidths=[width / per_row] * per_row, style=TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), REGULAR), ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("INNERGRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5), ("LEFTPADDING", (0, 0), (-1, -1), 6)]))
    return grid


class QrFlowable(Flowable):
    """The checkpoint's QR code drawn as vector squares, `size` points wide with its quiet zone."""

    def __init__(self, matrix: tuple[tuple[int, ...], ...], size: float) -> None:
        super().__init__()
        self.matrix = matrix
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        border = 4
        count = len(self.matrix) + 2 * border
        module = self.size / count
        self.canv.setFillColor(colors.black)
        for row, line in enumerate(self.matrix):
            y = self.size - (row + border + 1) * module
            for column, dark in enumerate(line):
                if dark:
                    self.canv.rect((column + border) * module, y, module, module, stroke=0, fill=1)


def _checkpoint(document: Document, width: float) -> Flowable:
    checkpoint = document.checkpoint
    assert checkpoint is not None
    signature = checkpoint.signature
    at = checkpoint.at.astimezone(document.zone) if document.zone else checkpoint.at
    lines = [("日志序号", str(checkpoint.seq)), ("截至", f"{at:%Y-%m-%d %H:%M:%S}（{at.tzname()}）"),
             ("哈希", checkpoint.hash), ("签名 (Ed25519)", f"{signature[:64]}<br/>{signature[64:]}")]
    facts = PdfTable([[Paragraph(k, TILE_LABEL), Paragraph(v, MONO)] for k, v in lines],
                     colWidths=[22 * mm, width - 72 * mm], style=TableStyle([
                         ("FONTNAME", (0, 0), (-1, -1), REGULAR), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                         ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    how = Paragraph("本页所示为签名时日志的最后一条及其哈希：扫描二维码、保存为文件（如 checkpoint.json），运行 "
                    "<b>anchang verify --checkpoint checkpoint.json</b> 即可核验此后日志是否被改动。", NOTE)
    matrix = tuple(tuple(int(bool(m)) for m in row) for row in qr_code(checkpoint).matrix)
    box = PdfTable([[[facts, how], QrFlowable(matrix, 44 * mm)]], colWidths=[width - 48 * mm, 48 * mm],
                   style=TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                     ("BOX", (0, 0), (-1, -1), 0.6, INK),
                                     ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 6)]))
    return KeepTogether([Paragraph("日志检查点（已签名）", HEADING), box])


def _story(document: Document, width: float) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(f"案场通 · {_escape(document.title)}", TITLE),
                             Paragraph(_escape(document.subtitle + (f" · {document.scope}" if document.scope else "")),
                                       SUBTITLE)]
    for section in document.sections:
        story += [CondPageBreak(40 * mm), Paragraph(_escape(section.title), HEADING)]
        for block in section.blocks:
            if isinstance(block, Table):
                story += _table(block, width)
            elif isinstance(block, KeyFigures):
                story.append(_tiles(block, width))
            elif isinstance(block, Chart):
                chart = ChartFlowable(block.make(), width, width * block.aspect)
                chart.spaceBefore = chart.spaceAfter = 3  # no Spacer: a heading keeps with its chart
                story.append(chart)
            elif isinstance(block, Text):
                story.append(Paragraph(_escape(block.text), BODY))
    for note in document.footnotes:
        story.append(Paragraph(_escape(note), NOTE))
    if document.checkpoint is not None:
        story += [Spacer(1, 6), _checkpoint(document, width)]
    return story


def _numbered(document: Document) -> type[Canvas]:
    """A canvas that writes "第 n 页 / 共 N 页" and the report's name on every page once all are laid out."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(len(self._pages))
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width, _height = self._pagesize
            self.setFont(REGULAR, 7.5)
            self.setFillColor(MUTED)
            left = visible(f"案场通 · {document.title} · {document.subtitle}")
            self.drawString(MARGIN, 8 * mm, left)
            self.drawRightString(width - MARGIN, 8 * mm,
                                 f"生成于 {document.generated_at:%Y-%m-%d %H:%M} · 第 {self._pageNumber} 页 / 共 {total} 页")
            self.setStrokeColor(RULE)
            self.line(MARGIN, 11 * mm, width - MARGIN, 11 * mm)

    return NumberedCanvas


def render_pdf(document: Document, target: Path | io.BytesIO) -> None:
    size = landscape(A4) if document.kind == "channel" else A4
    frame = Frame(MARGIN, 14 * mm, size[0] - 2 * MARGIN, size[1] - MARGIN - 14 * mm, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    pdf = BaseDocTemplate(str(target) if isinstance(target, Path) else target, pagesize=size,
                          title=visible(f"案场通 {document.title} {document.subtitle}"), author="案场通 Anchang",
                          initialFontName=REGULAR, pageTemplates=[PageTemplate("page", [frame])])
    pdf.build(_story(document, frame._width), canvasmaker=_numbered(document))


def pdf_bytes(document: Document) -> bytes:
    buffer = io.BytesIO()
    render_pdf(document, buffer)
    return buffer.getvalue()
