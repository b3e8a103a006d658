"""Text in a spreadsheet cell that no spreadsheet will run (formula or CSV injection, per OWASP).

Excel, WPS and LibreOffice take a cell starting with = + - @ (or a tab or carriage return, which some
skip first) for a formula, and openpyxl itself writes a string starting with `=` as a live formula: a
warning note `=HYPERLINK("http://…"&C2,"点击查看")` would leak the row it sits in when clicked. Every
workbook the system writes (`anchang export`, the reports, the import template) goes through `append`
or `put`: a string cell is stored as a string, and a text starting with one of those characters gets a
leading apostrophe, shown as written, so it stays inert when the sheet is re-saved as CSV and opened
again. `as_written` undoes it, so a sheet we wrote (the template's channel list) reads back as it was.
Here, under `admin` and the stations, so every writer can use it; Qt-free and database-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

from db.text_rules import visible

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"  # what Excel itself types before a text that looks like a formula
REPLACEMENT = "\ufffd"  # for control characters an xlsx cannot hold (openpyxl refuses the whole cell)


class MachineText(str):
    """Text the program made, not a person (a PEM key starting with -----): written as it is."""


def inert(text: str) -> str:
    """`text` as a spreadsheet shows it and never evaluates it; readable, and reversible by `as_written`.
    Hidden characters older versions stored (bidi overrides, zero-width, ESC) show as <U+XXXX>, as in the
    PDFs and on the terminal."""
    if isinstance(text, MachineText):
        return ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, text)
    text = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, visible(text, multiline=True))
    # a text already starting with the quote gets one more, so `as_written` returns exactly this text
    return QUOTE + text if text.startswith((*FORMULA_STARTS, QUOTE)) else text


def as_written(text: str) -> str:
    """The text `inert` was given (a cell read back from a sheet we wrote); any other text unchanged."""
    if text.startswith(QUOTE) and text[1:].startswith((*FORMULA_STARTS, QUOTE)):
        return text[1:]
    return text


def put(cell: Cell, value: Any) -> Cell:
    """Writes `value` into `cell`: numbers, dates and None as they are, a string as inert text."""
    if isinstance(value, str):
        cell.value = inert(value)
        cell.data_type = "s"  # never 'f' (formula) nor 'e' (a text like #N/A read as an error)
    else:
        cell.value = value
    return cell


def append(sheet: Worksheet, values: Iterable[Any]) -> list[Cell]:
    """`sheet.append(values)` with every string made inert; the appended row's cells."""
    cells = [put(Cell(sheet), value) for value in values]
    sheet.append(cells)
    return cells
