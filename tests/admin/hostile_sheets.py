"""Hostile .xlsx files, written part by part (the sheet streamed, so a bomb of GBs costs no memory to make):
for tests/admin/test_sheet_limits.py and benchmarks/bench_sheet_import.py."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

HEADER = ("渠道", "经纪人", "客户电话")
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{more}</Types>')
TYPES = {"strings": "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
         "styles": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"}
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="报备" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def cell(column: int, row: int, text: str) -> str:
    return f'<c r="{get_column_letter(column)}{row}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def row(number: int, texts: Iterable[str], first_column: int = 1) -> str:
    return f'<row r="{number}">' + "".join(cell(first_column + i, number, t) for i, t in enumerate(texts)) + "</row>"


def write_xlsx(path: Path, rows: Iterable[str], dimension: str = "A1:C1",
               extra_parts: dict[str, tuple[str, str]] | None = None) -> Path:
    """A minimal workbook whose one sheet holds `rows` (row XML, written as it comes), and `extra_parts`
    {name: (kind, text)}, declared as `TYPES[kind]`."""
    extra_parts = extra_parts or {}
    types = CONTENT_TYPES.format(more="".join(f'<Override PartName="/{name}" ContentType="{TYPES[kind]}"/>'
                                              for name, (kind, _text) in extra_parts.items()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (("[Content_Types].xml", types), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           *((name, text) for name, (_kind, text) in extra_parts.items())):
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main">' + f'<dimension ref="{dimension}"/>'.encode() + b"<sheetData>")
            buffer: list[str] = []
            for text in rows:
                buffer.append(text)
                if len(buffer) >= 10_000:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
    return path


def good_rows(count: int, start: int = 2) -> Iterator[str]:
    yield row(1, HEADER)
    for n in range(count):
        yield row(start + n, ("贝壳", "周杰", f"139{n % 100_000_000:08d}"))


def zip_bomb(path: Path, unpacked_mb: int) -> Path:
    """A sheet of the same row repeated until it unpacks to `unpacked_mb` MB: it packs a few hundred times."""
    line = row(2, ("贝壳", "周杰", "13912345678"))
    count = unpacked_mb * 1024 * 1024 // len(line)
    return write_xlsx(path, (line if n else row(1, HEADER) for n in range(count)), f"A1:C{count}")


def declared_everything(path: Path) -> Path:
    """Three good rows in a sheet that claims A1:XFD1048576 (a reader trusting it pads 16,384 × 1,048,576)."""
    return write_xlsx(path, good_rows(3), "A1:XFD1048576")


def cell_far_right(path: Path) -> Path:
    """Good rows, then a value in column XFD."""
    return write_xlsx(path, [*good_rows(2), row(4, ("x",), first_column=16384)], "A1:XFD4")


def row_far_down(path: Path) -> Path:
    """Good rows, then a value in the last row Excel has."""
    return write_xlsx(path, [*good_rows(2), row(1_048_576, ("贝壳",))], "A1:C1048576")


def many_rows(path: Path, count: int) -> Path:
    return write_xlsx(path, good_rows(count), f"A1:C{count + 1}")


def big_shared_strings(path: Path, unpacked_mb: int, name: str = "xl/sharedStrings.xml") -> Path:
    """Good rows, and a shared-string table (read whole by openpyxl, found by its declared type, whatever its
    name) of `unpacked_mb` MB of distinct strings."""
    count = unpacked_mb * 1024 * 1024 // len("<si><t>00000000000</t></si>")
    strings = "".join(f"<si><t>{n:011d}</t></si>" for n in range(count))
    table = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             f'2006/main" count="{count}" uniqueCount="{count}">{strings}</sst>')
    return write_xlsx(path, good_rows(2), extra_parts={name: ("strings", table)})


def big_styles(path: Path, unpacked_mb: int) -> Path:
    """Good rows, and a style sheet (read whole) of `unpacked_mb` MB of cell formats that do not compress away."""
    formats = []
    for n in range(unpacked_mb * 1024 * 1024 // 70):
        formats.append(f'<xf numFmtId="{(n * 7919) % 100_000}" fontId="0" fillId="0" borderId="{n % 997}"/>')
    styles = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill>'
              '<patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
              f'<cellXfs count="{len(formats)}">{"".join(formats)}</cellXfs></styleSheet>')
    return write_xlsx(path, good_rows(2), extra_parts={"xl/styles.xml": ("styles", styles)})


def long_cells(path: Path, count: int, chars: int) -> Path:
    """`count` rows whose every cell holds `chars` characters."""
    text = "渠" * chars
    return write_xlsx(path, [row(1, HEADER), *(row(n + 2, (text, text, text)) for n in range(count))],
                      f"A1:C{count + 1}")


def at_every_cap(path: Path, rows: int = 49_998) -> Path:
    """Near every cap at once: 15 MB of shared strings of 100 four-byte characters each (every kept cell a cut
    copy), 3 MB of styles, and `rows` rows whose three cells point at those strings."""
    count = 15 * 1024 * 1024 // 420
    strings = "".join(f"<si><t>{n:08d}{chr(0x1F600 + n % 80) * 92}</t></si>" for n in range(count))
    table = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             f'2006/main" count="{count}" uniqueCount="{count}">{strings}</sst>')
    styles = big_styles(path, 3)  # written first only to borrow its style sheet
    with zipfile.ZipFile(styles) as archive:
        style_sheet = archive.read("xl/styles.xml").decode()

    def shared(number: int) -> str:
        return f'<row r="{number}">' + "".join(f'<c r="{c}{number}" t="s"><v>{(number * 3 + i) % count}</v></c>'
                                               for i, c in enumerate("ABC")) + "</row>"

    return write_xlsx(path, [row(1, HEADER), *(shared(n + 2) for n in range(rows))], f"A1:C{rows + 1}",
                      {"xl/sharedStrings.xml": ("strings", table), "xl/styles.xml": ("styles", style_sheet)})
