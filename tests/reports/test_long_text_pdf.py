"""Text as long as entry allows, and text older versions stored unchecked, still print (issue 16, item 9):
a 1,000-character appeal reason and a 2,000-character unbroken decision reason made the 判客裁决书 raise
LayoutError; an ESC or a bidi override stored before the check went into the PDF raw."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from db.text_rules import TEXT_MAX
from reports.document import Document, Section, Table, Text
from reports.documents import verdict_document
from reports.pdf import pdf_bytes
from service import appeals, users
from service.desk import Desk
from tests.db.stores import new_store

PASSWORD = "pw-123456"
OWNED = "13812345678"
APPEAL = ("客户张先生首访前两周由我电话邀约，并多次微信沟通户型与价格，"
          "详见聊天记录 https://example.com/" + "x" * 60 + " 。") * 15  # about 1,000 characters, a long URL in it
UNBROKEN = "A" * TEXT_MAX

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@needs_poppler
def test_the_verdict_with_the_longest_reasons_lays_out(sqlite_url: str, tmp_path: Path) -> None:
    store = new_store(sqlite_url, tmp_path / "keys", ("李强", "王丽"))
    for name, role, consultant in (("经理", "manager", None), ("王丽", "consultant", "王丽")):
        users.add_user(store, name, role, PASSWORD, consultant=consultant)
    store.register_visit(OWNED, consultant="李强", name="张先生")
    customer = store.customer_id(OWNED)
    assert customer is not None and 900 <= len(APPEAL) <= TEXT_MAX
    consultant = Desk(store, users.authenticate(store, "王丽", PASSWORD))
    case = appeals.file_appeal(consultant, customer, APPEAL).outcome.new_cases[0]
    manager = Desk(store, users.authenticate(store, "经理", PASSWORD))
    manager.decide_case(case.id, "王丽", UNBROKEN)  # against the recommendation (李强): the reason is needed

    pdf = tmp_path / "verdict.pdf"
    pdf.write_bytes(pdf_bytes(verdict_document(manager, case.id)))  # raised LayoutError
    printed = "".join(_text(pdf).split())
    assert printed.count("A") >= TEXT_MAX  # every character of the unbroken reason is on paper
    assert "详见聊天记录" in printed
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2  # the reason went on over a page; the images are there to be looked at


@needs_poppler
def test_hidden_characters_stored_by_an_older_version_print_as_code_points(tmp_path: Path) -> None:
    hostile = "王\x1b[31m丽\u202e\u200b\x00"
    table = Table("证据", ("项目", "内容"), (("经纪人", hostile), ("理由", hostile * 80)), widths=(1, 4))
    document = Document("case", "判客裁决书", f"案件 #1 {hostile}", datetime(2026, 3, 1, 10, 0),
                        (Section(f"案情{hostile}", (table, Text(hostile))),))
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(pdf_bytes(document))
    printed = _text(pdf)
    assert "王<U+001B>[31m丽<U+202E><U+200B><U+0000>" in printed
    assert not any(char in printed for char in "\x1b\u202e\u200b\x00")
