"""The bounds a report sheet must keep before and while it is read (operations/report_sheet.py), so a hostile
or broken .xlsx cannot take the console's memory or time: a zip bomb (a few MB unpacking to GBs), a sheet
claiming A1:XFD1048576, or a million rows. The archive is judged from its directory before anything is
unpacked (zipfile never returns more than a member's declared size, so the declared sizes bind); the rows
are streamed (openpyxl read-only, the declared dimension ignored) and reading stops at the first row or
cell past the caps; the parts openpyxl reads whole are capped by what they are declared to be, not by
their names. Every refusal names the cap it met.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from operations.common import AdminError, usage_error

MB = 1024 * 1024
MAX_FILE_BYTES = 20 * MB  # a channel's sheet of 50,000 rows is about 1 MB
MAX_UNPACKED_BYTES = 128 * MB  # all parts together, as declared by the archive
# parts openpyxl reads whole, unlike a worksheet: the shared strings (15 MB of them: ~190 MB of memory),
# and the rest (styles, workbook, theme ...: 15 MB of styles took 350 MB), each capped
MAX_STRINGS_BYTES = 16 * MB
MAX_PART_BYTES = 4 * MB
MAX_RATIO = 100  # unpacked ÷ packed of one part; real sheets are 5-20, a zip bomb hundreds or more
RATIO_FROM_BYTES = 1 * MB  # a small part may compress very well without harm
MAX_ROWS = 50_000  # a year of one busy office's reports is under 40,000
MAX_COLUMNS = 100  # the importer needs 5; a channel's own sheet may carry a few more
MAX_KEPT_CHARS = 64  # of a kept cell: no registered name (db NAME_MAX), phone or time is longer
CUT = "…"  # marks a cut cell: 65 characters, so it never equals a name and its row is refused, as it was
CONTENT_TYPES = "[Content_Types].xml"
TYPE_PREFIX = "application/vnd.openxmlformats-officedocument.spreadsheetml."
WORKSHEET, SHARED_STRINGS = TYPE_PREFIX + "worksheet+xml", TYPE_PREFIX + "sharedStrings+xml"


def check_archive(path: Path) -> None:
    """A usage error unless `path` is a zip whose size, unpacked sizes and compression ratios are in bounds."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise usage_error(f"文件过大：{size / MB:.1f} MB，上限 {MAX_FILE_BYTES / MB:g} MB / {path.name} is "
                          f"{size / MB:.1f} MB; the limit is {MAX_FILE_BYTES / MB:g} MB")
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            for part in parts:
                _check_ratio(part)
            types = _declared_types(archive)
    except (zipfile.BadZipFile, OSError, KeyError, ElementTree.ParseError) as exc:
        raise usage_error(f"不是 Excel 工作簿 / {path} is not an .xlsx workbook ({exc})") from None
    for part in parts:
        declared = types.get(part.filename, set())
        cap = None if declared == {WORKSHEET} else MAX_STRINGS_BYTES if declared == {SHARED_STRINGS} else MAX_PART_BYTES
        if cap is not None and part.file_size > cap:  # a worksheet is streamed: only the total bounds it
            raise _too_large(part.filename, part.file_size, cap)
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_BYTES:
        raise _too_large(path.name, total, MAX_UNPACKED_BYTES)


def _check_ratio(part: zipfile.ZipInfo) -> None:
    ratio = part.file_size / max(part.compress_size, 1)
    if part.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
        raise usage_error(f"工作簿压缩比异常（疑似压缩炸弹）：{part.filename} 解压后放大 {ratio:.0f} 倍，上限 "
                          f"{MAX_RATIO} 倍 / {part.filename} expands {ratio:.0f} times, beyond the limit of "
                          f"{MAX_RATIO}: refused as a possible zip bomb")


def _declared_types(archive: zipfile.ZipFile) -> dict[str, set[str]]:
    """Each part's declared content types (openpyxl finds the shared strings by theirs, not by name)."""
    listing = archive.getinfo(CONTENT_TYPES)
    if listing.file_size > MAX_PART_BYTES:
        raise _too_large(CONTENT_TYPES, listing.file_size, MAX_PART_BYTES)
    types: dict[str, set[str]] = {}
    for node in ElementTree.fromstring(archive.read(listing)):
        if node.tag.endswith("Override"):
            types.setdefault(node.get("PartName", "").lstrip("/"), set()).add(node.get("ContentType", ""))
    return types


def _too_large(name: str, size: int, cap: int) -> AdminError:
    return usage_error(f"工作簿解压后过大：{name} 为 {size / MB:.1f} MB，上限 {cap / MB:g} MB / {name} unpacks to "
                       f"{size / MB:.1f} MB; the limit is {cap / MB:g} MB")


def bounded_rows(sheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cell values) of every row up to `MAX_ROWS`, each cut at `MAX_COLUMNS`; a usage
    error at the first row past `MAX_ROWS` or the first value past `MAX_COLUMNS`."""
    if not isinstance(sheet, ReadOnlyWorksheet):
        raise usage_error(f"没有可读取的工作表 / {getattr(sheet, 'title', '?')!r} is not a worksheet")
    sheet.reset_dimensions()  # the declared A1:XFD1048576 would pad every row to 16,384 cells
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise usage_error(f"工作表“{sheet.title}”超过 {MAX_ROWS} 行，请拆分后分批导入 / sheet {sheet.title!r} has "
                              f"more than {MAX_ROWS:,} rows; split it and import the parts")
        if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
            raise usage_error(f"工作表“{sheet.title}”第 {number} 行超过 {MAX_COLUMNS} 列（{get_column_letter(MAX_COLUMNS)} "
                              f"列之后有数据） / sheet {sheet.title!r} row {number} has data beyond column "
                              f"{MAX_COLUMNS} ({get_column_letter(MAX_COLUMNS)})")
        yield number, tuple(_kept(v) for v in values[:MAX_COLUMNS])


def _kept(value: Any) -> Any:
    """A few cells of every row are kept: a long text is cut (a copy per cell, even of one shared string)."""
    return value[:MAX_KEPT_CHARS] + CUT if isinstance(value, str) and len(value) > MAX_KEPT_CHARS else value
