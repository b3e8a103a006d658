"""operations/report_sheet.py: the checks and the write path `anchang import-reports` and the console share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from db.personal import InvalidPhone
from operations.report_sheet import check_name, check_phone, check_sheet, import_rows, name_shown, record_rows
from operations.report_template import template_headers, write_template
from service import users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from tests.db.stores import T0, new_store

ALLOWED = timedelta(minutes=30)


class Stop(Exception):
    pass


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("李强",), {"贝壳": ["周杰"], "链家": ["郑伟"]})
    yield s
    s.dispose()


def sheet(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    ws: Any = book.active
    ws.append(["channel", "agent", "phone", "name", "time"])
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def count_reports(store: Store) -> int:
    return len(store.site().reports)


def test_a_stop_between_rows_keeps_the_rows_recorded_before_it(store: Store, tmp_path: Path) -> None:
    path = sheet(tmp_path / "r.xlsx", [["贝壳", "周杰", f"1391234{n:04d}", None, None] for n in range(6)])
    check = check_sheet(store, path)
    recorded: list[Any] = []

    def progress(done: int, total: int) -> None:
        assert total == 6
        if done == 3:
            raise Stop

    with pytest.raises(Stop):
        record_rows(store, check.ordered(), actor="test", allowed=ALLOWED, progress=progress, recorded=recorded)
    assert [r.number for r in recorded] == [2, 3, 4] and count_reports(store) == 3
    rest = [row for row in check.ordered() if row.number not in {r.number for r in recorded}]
    done, refused = record_rows(store, rest, actor="test", allowed=ALLOWED)
    assert len(done) == 3 and refused == [] and count_reports(store) == 6


def test_the_preview_shows_every_row_masked_with_its_problem(store: Store, tmp_path: Path) -> None:
    stated = (T0 - timedelta(hours=2)).replace(tzinfo=None) + timedelta(hours=8)  # Shanghai wall time
    path = sheet(tmp_path / "r.xlsx", [["贝壳", "周杰", "13912340001", "欧阳娜娜", stated],
                                       ["链家", "周杰", "13912340002", None, None],
                                       ["链家", "郑伟", "139****0003", "王先生", None]])
    check = check_sheet(store, path)
    first, wrong_agent, masked = check.preview()
    assert (first.number, first.phone_shown, first.name_shown, first.problem) == (2, "139****0001", "欧阳**", None)
    assert first.stated_at == T0 - timedelta(hours=2)  # the sheet's wall time read in the site's zone
    assert "belongs to '贝壳'" in (wrong_agent.problem or "")
    assert masked.name_shown == "王先生" and "full numbers" in (masked.problem or "")
    assert not any(re.search(r"\d{11}", str(vars(row))) for row in check.preview())
    done, _ = record_rows(store, check.ordered(), actor="test", allowed=ALLOWED)
    assert done[0].gap is not None and done[0].gap > timedelta(hours=1)  # stated two hours before it arrived


def test_field_checks() -> None:
    assert check_phone("138 1234 5678", "full") is False
    assert check_phone("138xxxx5678", "masked_3_4") is True
    with pytest.raises(ValueError, match="full numbers"):
        check_phone("138****5678", "full")
    with pytest.raises(InvalidPhone):
        check_phone("010-8888 6666", "masked_3_4")
    assert check_name("  张 ") == "张" and check_name("") is None
    with pytest.raises(ValueError, match="not a name"):
        check_name("张13812345678")
    assert name_shown("张三") == "张*" and name_shown("张女士") == "张女士" and name_shown("") == ""


def test_the_console_import_needs_reports_enter(store: Store, tmp_path: Path) -> None:
    users.add_user(store, "顾问", "consultant", "pw-123456", consultant="李强")
    users.add_user(store, "渠道", "channel_manager", "pw-123456")
    check = check_sheet(store, sheet(tmp_path / "r.xlsx", [["贝壳", "周杰", "13912340001", None, None]]))
    with pytest.raises(PermissionDenied):
        import_rows(Desk(store, users.authenticate(store, "顾问", "pw-123456")), check.ordered(), ALLOWED)
    assert count_reports(store) == 0
    done, _ = import_rows(Desk(store, users.authenticate(store, "渠道", "pw-123456")), check.ordered(), ALLOWED)
    assert [r.status for r in done] == ["pending"]


def test_the_template_reads_back_as_an_empty_sheet(store: Store, tmp_path: Path) -> None:
    path = write_template(store, tmp_path / "t.xlsx")
    check = check_sheet(store, path)
    assert check.rows == [] and check.title == "报备"
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book["报备"][1]] == template_headers()
    assert book["报备"]["C2"].number_format == "@"  # a phone stays text, never 1.38E+10
    assert "完整的中国大陆手机号" in str(book["填写说明"]["A3"].value)


def test_names_like_formulas_stay_text_in_the_template_and_read_back_as_registered(store: Store,
                                                                                  tmp_path: Path) -> None:
    store.add_channel("=HYPERLINK(\"http://x.example\")", ["@经纪人"])
    path = write_template(store, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    lists = book["渠道与经纪人"]
    assert [c.coordinate for row in lists.iter_rows() for c in row if c.data_type == "f"] == []
    listed = [(r[0].value, r[1].value) for r in lists.iter_rows(min_row=2)]
    assert ("'=HYPERLINK(\"http://x.example\")", "'@经纪人") in listed  # shown as written, after the quote
    assert "'=HYPERLINK(\"http://x.example\")" in [c.value for c in lists["D"]]  # the drop-down's choices
    channel, agent = next(pair for pair in listed if pair[1] == "'@经纪人")
    filled = book["报备"]
    filled.append([channel, agent, "13912340001"])  # as a channel fills it from the lists
    book.save(path)
    check = check_sheet(store, path)
    assert check.rejected == [] and [(r.channel, r.agent) for r in check.good] == [("=HYPERLINK(\"http://x.example\")",
                                                                                   "@经纪人")]
