"""A long list (a busy day's visits) is drawn as plain rows (reports/pdf_list.py): every row is on paper,
in order, under a header repeated on every page; a list with a cell that needs wrapping stays a table."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from reports.document import Document, Section, Table
from reports.pdf import render_pdf

HEADERS = ("时间", "手机", "称呼", "接待顾问")


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def _document(rows: tuple[tuple[str | int, ...], ...]) -> Document:
    table = Table("来访明细", HEADERS, rows, note="手机号已掩码。")
    return Document("daily", "日报", "2026-03-01", datetime(2026, 3, 1, 18, 0), (Section("来访明细", (table,)),))


def test_a_long_list_prints_every_row_with_its_header_on_every_page(tmp_path: Path) -> None:
    rows = tuple((f"{9 + i // 60:02d}:{i % 60:02d}", f"138****{i:04d}", "王女士", f"顾问{i % 7:02d}")
                 for i in range(150))
    pdf = tmp_path / "long.pdf"
    render_pdf(_document(rows), pdf)
    pages = [page for page in _pages(pdf) if "138****" in page]
    assert len(pages) == 4  # 150 rows of 17 pt: three full pages and a little
    for page in pages:
        assert all(header in page for header in HEADERS)
    phones = [word for page in pages for word in page.split() if word.startswith("138****")]
    assert phones == [f"138****{i:04d}" for i in range(150)]  # all of them, in order, none twice
    assert "手机号已掩码。" in pages[-1]


def test_a_cell_that_needs_wrapping_keeps_the_table(tmp_path: Path) -> None:
    long_name = "一位名字很长很长很长很长很长很长很长很长很长很长很长很长很长很长的顾问"
    rows = tuple(("09:00", f"138****{i:04d}", "王女士", long_name if i == 40 else "顾问01") for i in range(60))
    pdf = tmp_path / "wrapped.pdf"
    render_pdf(_document(rows), pdf)
    text = "".join(_pages(pdf))
    assert "很长的顾问" in text  # wrapped onto a second line of its cell, not cut off
    assert sum(word.startswith("138****") for word in text.split()) == 60
