"""A document as an Excel workbook (openpyxl): the key figures on a first sheet, then one sheet per table,
numbers as numbers (shares as percentages), times as Excel times in the site's local time, phones
masked as printed, headers frozen and bold, columns sized to their contents; the signed checkpoint on
its own sheet. Every text is written as inert text (reports/sheet_text.py): a channel named `=HYPERLINK(…)`
is shown, never run."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.document import Cell, Document, KeyFigures, Percent, Table
from reports.sheet_text import MachineText, append

EXCEL_TIME = {"%H:%M": "hh:mm", "%m-%d %H:%M": "mm-dd hh:mm", "%Y-%m-%d %H:%M": "yyyy-mm-dd hh:mm",
              "%Y-%m-%d": "yyyy-mm-dd"}
HEADER_FILL = PatternFill("solid", fgColor="2F6690")
HEADER_FONT = Font(bold=True, color="FFFFFF")
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _value(cell: Cell) -> object:
    return cell.value if isinstance(cell, Percent) else cell


def _width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))


def _sheet(book: Workbook, title: str, headers: tuple[str, ...], rows: list[tuple[Cell, ...]],
           time_format: str = "%Y-%m-%d %H:%M") -> Worksheet:
    name = BAD_SHEET_CHARS.sub("_", title)[:31]
    while name in book.sheetnames:
        name = name[:28] + f"_{len(book.sheetnames)}"
    sheet = book.create_sheet(name)
    for cell in append(sheet, headers):
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in rows:
        for cell, value in zip(append(sheet, [_value(v) for v in row]), row, strict=True):
            if isinstance(value, Percent):
                cell.number_format = "0.0%"
            elif isinstance(value, datetime):
                cell.number_format = EXCEL_TIME.get(time_format, "yyyy-mm-dd hh:mm")
            elif isinstance(value, float):
                cell.number_format = "0.0"
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        widest = max([_width(header), *(_width(_value(r[index - 1])) for r in rows[:500] if len(r) >= index)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, widest + 2))
    return sheet


def _table_rows(table: Table) -> list[tuple[Cell, ...]]:
    return [*table.rows, *((table.total,) if table.total and table.rows else ())]


def workbook(document: Document) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    about: list[tuple[Cell, ...]] = [("报表", f"案场通 {document.title}"), ("范围", document.subtitle),
                                     ("生成时间", document.generated_at)]
    if document.scope:
        about.append(("数据", document.scope))
    for block in (b for s in document.sections for b in s.blocks if isinstance(b, KeyFigures)):
        about += [(f"{label}" + (f"（{note}）" if note else ""), value) for label, value, note in block.items]
    _sheet(book, "概览", ("项目", "数值"), about)
    for table in document.tables():
        sheet = _sheet(book, table.title, table.headers, _table_rows(table), table.time_format)
        if table.total and table.rows:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        if table.note:  # on the header, so the sheet below it stays a plain table to sort and filter
            sheet["A1"].comment = Comment(table.note, "案场通", width=320, height=120)
    if document.checkpoint is not None:
        c = document.checkpoint
        at = c.at.astimezone(document.zone).replace(tzinfo=None) if document.zone else c.at.replace(tzinfo=None)
        _sheet(book, "日志检查点", ("项目", "数值"), [("日志序号", c.seq), ("截至", at), ("哈希", c.hash),
                                                 ("签名 (Ed25519)", c.signature), ("站点公钥", MachineText(c.public_key_pem.strip()))],
               "%Y-%m-%d %H:%M")
    return book


def render_xlsx(document: Document, target: Path | io.BytesIO) -> None:
    workbook(document).save(target)
