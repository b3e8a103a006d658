"""报备 page: the list and its filters, the entry form (full and 前三后四 numbers, errors beside the fields),
the Excel import with its preview, cancel and the template; who may see and enter reports."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt, QTimer

import console.window
from console.pages import PAGES
from console.pages.reports import ReportsPage, tour_sheet
from db.models import JournalEntry, Report
from operations.report_sheet import cell_text, import_rows, read_sheet
from operations.sheet_limits import MAX_COLUMNS, MAX_RATIO, MAX_ROWS
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from service.users import authenticate
from tests.admin import hostile_sheets
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, open_console, settle
from tests.db.stores import T0


@pytest.fixture(autouse=True)
def _only_these_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window builds only the 报备/预警 pages: other pages' state is not under test here."""
    monkeypatch.setattr(console.window, "PAGES", tuple(p for p in PAGES if p[0] in ("reports", "warnings")))


def reports_page(qtbot: Any, store: Store, user: str = "渠道经理") -> tuple[Any, ReportsPage]:
    window = open_console(qtbot, store, user)
    page = window.open_page("reports")
    settle(window)
    assert isinstance(page, ReportsPage)
    return window, page


def recorded(store: Store) -> list[tuple[str, str, str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(Report.channel, Report.agent, Report.status, JournalEntry.actor)
                            .join(JournalEntry, JournalEntry.seq == Report.id).order_by(Report.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def shown(page: ReportsPage) -> list[list[str]]:
    model = page.model
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def sheet(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    ws: Any = book.active
    ws.append(["渠道", "经纪人", "客户电话", "客户姓名", "报备时间"])
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def fill(page: ReportsPage, channel: str, agent: str, phone: str, surname: str = "") -> None:
    entry = page.entry
    page.tabs.setCurrentWidget(entry)
    entry.channel.setCurrentText(channel)
    entry.agent.setEditText(agent)
    entry.phone.setText(phone)
    entry.surname.setText(surname)


# ---------------------------------------------------------------- entry
def test_the_channel_manager_enters_a_report_and_sees_it_masked(qtbot: Any, any_store: Store) -> None:
    window, page = reports_page(qtbot, any_store)
    fill(page, "贝壳", "周杰", "138 1234 5678", "张女士")
    click(qtbot, window, "report_submit")
    settle(window)
    assert "138****5678" in page.entry.result.text() and "待到访" in page.entry.result.text()
    assert page.entry.phone.text() == "" and page.entry.agent.currentText() == "周杰"  # ready for the next
    assert recorded(any_store) == [("贝壳", "周杰", "pending", "渠道经理")]
    page.tabs.setCurrentIndex(0)
    settle(window)
    [row] = shown(page)
    assert "138****5678" in row and "张女士" in row and "待到访" in row and "渠道经理" in row
    assert not any(re.search(r"\d{11}", cell) for cell in row)
    assert "待到访 1" in page.counts.text()


def test_bad_input_is_refused_next_to_the_field_and_kept(qtbot: Any, any_store: Store) -> None:
    window, page = reports_page(qtbot, any_store)
    form = page.entry.form
    fill(page, "贝壳", "", "")
    page.entry.submit()
    assert form.error_text("report_agent") and form.error_text("report_phone")
    fill(page, "贝壳", "郑伟", "12345", "张3")
    page.entry.submit()
    assert "has no agent" in form.error_text("report_agent")  # 郑伟 is 链家's
    assert "invalid phone number" in form.error_text("report_phone")
    assert "not a name" in form.error_text("report_surname")
    fill(page, "贝壳", "周杰", "138****5678")
    page.entry.submit()
    assert "full numbers" in form.error_text("report_phone")  # the default rules take full numbers only
    assert not form.error_text("report_agent")
    assert page.entry.phone.text() == "138****5678"  # nothing typed is lost
    settle(window)
    assert recorded(any_store) == []  # nothing refused was written
    page.entry.agent.setEditText("周")  # half typed when another station writes: the page refreshes
    any_store.record_report("链家", "郑伟", "13800000001")
    page.refresh()
    settle(window)
    assert (page.entry.agent.currentText(), page.entry.phone.text()) == ("周", "138****5678")
    assert len(recorded(any_store)) == 1


def test_masked_numbers_are_taken_when_the_rules_allow(qtbot: Any, any_store: Store) -> None:
    any_store.change_rules({"channel.number_mode": "masked_3_4"})
    window, page = reports_page(qtbot, any_store, "经理")
    assert "138****5678" in page.entry.phone.placeholderText()
    fill(page, "链家", "郑伟", "139xxxx0001")
    click(qtbot, window, "report_submit")
    assert "139****0001" in page.entry.result.text()
    fill(page, "链家", "郑伟", "139xxxx0001")
    click(qtbot, window, "report_submit")
    assert "重复报备" in page.entry.result.text()  # judged: the engine's outcome is shown
    assert [status for *_, status, _actor in recorded(any_store)] == ["pending", "invalid"]


# ---------------------------------------------------------------- list
def test_the_list_filters_by_status_reason_channel_and_agent(qtbot: Any, store: Store) -> None:
    first = str(store.record_report("贝壳", "周杰", "13800000001").seq)
    rival = str(store.record_report("贝壳", "吴芳", "13800000001").seq)  # duplicate_report
    other = str(store.record_report("链家", "郑伟", "13800000002").seq)
    store.clock.at = T0 + timedelta(days=30)  # type: ignore[attr-defined]
    last = str(store.record_report("链家", "郑伟", "13800000003").seq)  # the others' deadlines have passed
    window, page = reports_page(qtbot, store)
    assert len(shown(page)) == 4

    def choose(combo: Any, data: str | None) -> list[str]:
        combo.setCurrentIndex(combo.findData(data))
        settle(window)
        return [row[0] for row in shown(page)]

    assert choose(page.status_filter, "expired") == [other, first]  # pending, and past its deadline
    assert choose(page.status_filter, "pending") == [last]
    assert choose(page.status_filter, "invalid") == [rival] and "重复报备" in shown(page)[0]
    assert choose(page.reason_filter, "already_visited") == []
    choose(page.reason_filter, None)
    choose(page.status_filter, None)
    assert choose(page.channel_filter, "链家") == [last, other]
    assert [page.agent_filter.itemText(i) for i in range(1, page.agent_filter.count())] == ["郑伟"]
    choose(page.channel_filter, None)
    assert choose(page.agent_filter, "吴芳") == [rival]
    assert "已过期 2" in page.counts.text() and "无效 1" in page.counts.text()


# ---------------------------------------------------------------- roles
def test_who_sees_the_page_and_who_may_enter(qtbot: Any, store: Store) -> None:
    for user in ("李强", "前台"):
        window = open_console(qtbot, store, user)
        with pytest.raises(LookupError):
            window.open_page("reports")
        window.close()
    window, page = reports_page(qtbot, store, "管理员")  # reads, does not enter
    assert page.tabs.count() == 1 and not page.entry.isVisibleTo(window)
    for user in ("李强", "管理员"):
        desk = Desk(store, authenticate(store, user, PASSWORD))
        with pytest.raises(PermissionDenied):
            desk.record_report("贝壳", "周杰", "13800000001")
        with pytest.raises(PermissionDenied):
            import_rows(desk, [], timedelta(minutes=30))
    assert recorded(store) == []


# ---------------------------------------------------------------- import
def test_the_import_previews_every_row_and_records_the_good_ones(qtbot: Any, any_store: Store,
                                                                 tmp_path: Path) -> None:
    path = sheet(tmp_path / "r.xlsx", [
        ["贝壳", "周杰", "13812340001", "张三", None],  # row 2
        ["万科", "小王", "13812340002", None, None],  # row 3: unknown channel
        ["链家", "郑伟", "12345", None, None],  # row 4: not a phone
        ["链家", "郑伟", 13812340003, "李四", None],  # row 5
        ["贝壳", "周杰", "13812340001", None, None],  # row 6: same as row 2
    ])
    window, page = reports_page(qtbot, any_store)
    importer = page.importer
    page.tabs.setCurrentWidget(importer)
    importer.load_file(path)
    settle(window)
    model = importer.model
    rows = {model.data(model.index(r, 0)): [model.data(model.index(r, c)) for c in range(model.columnCount())]
            for r in range(model.rowCount())}
    assert list(rows) == ["2", "3", "4", "5", "6"]
    assert "unknown channel" in rows["3"][-1] and "invalid phone" in rows["4"][-1] and "row 2" in rows["6"][-1]
    assert rows["2"][3] == "138****0001" and rows["2"][4] == "张*"  # masked, the surname only
    assert "共 5 行，可导入 2 行，有问题 3 行" in importer.summary.text()
    importer.only_bad.setChecked(True)
    assert model.rowCount() == 3
    importer.only_bad.setChecked(False)
    assert importer.import_button.text() == "导入 2 行"
    click(qtbot, window, "import_start")
    qtbot.waitUntil(lambda: not importer.progress.running, timeout=60_000)
    settle(window)
    assert recorded(any_store) == [("贝壳", "周杰", "pending", "渠道经理"), ("链家", "郑伟", "pending", "渠道经理")]
    assert "已导入：待到访" in model.data(model.index(0, 6))
    assert "已导入 2 条" in importer.summary.text() and not importer.import_button.isEnabled()


def test_a_cancelled_import_keeps_what_it_recorded_and_the_window_keeps_turning(
        qtbot: Any, any_store: Store, tmp_path: Path) -> None:
    total = 150  # room for a cancel to land before the last row on a loaded machine
    path = sheet(tmp_path / "many.xlsx", [["贝壳", "周杰", f"1381234{n:04d}", None, None] for n in range(total)])
    window, page = reports_page(qtbot, any_store)
    importer = page.importer
    importer.load_file(path)
    settle(window)
    page.tabs.setCurrentWidget(importer)
    qtbot.mouseClick(importer.import_button, Qt.MouseButton.LeftButton)  # not click(): that waits for the end
    assert importer.progress.running and importer.progress.isVisibleTo(window)
    progress = importer.progress.progress
    assert progress is not None
    # cancelled from the worker's own progress report once five rows are in: where a click would land
    # depends on how busy the machine is, this does not
    progress.changed.connect(lambda done, _total: progress.cancel() if done >= 5 else None,
                             Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: not importer.progress.running, timeout=60_000)
    settle(window)
    kept = len(recorded(any_store))
    assert 5 <= kept < total and kept == len(importer.recorded)
    assert importer.import_button.text() == f"导入其余 {total - kept} 行"
    ticks = []  # during the longer second import (the rest): does the event loop keep turning?
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(importer.progress.running))
    timer.start(10)
    qtbot.mouseClick(importer.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not importer.progress.running, timeout=120_000)
    timer.stop()
    settle(window)
    assert sum(ticks) >= 3  # the timer fired while the rows were being recorded
    assert len(recorded(any_store)) == total  # the rest, each row once


def test_an_unreadable_file_says_why(qtbot: Any, store: Store, tmp_path: Path) -> None:
    window, page = reports_page(qtbot, store)
    not_excel = tmp_path / "notes.xlsx"
    not_excel.write_text("hello", encoding="utf-8")
    page.importer.load_file(not_excel)
    settle(window)
    assert "not an .xlsx workbook" in page.importer.summary.text()
    assert page.importer.model.rowCount() == 0 and not page.importer.import_button.isEnabled()


def test_a_hostile_sheet_is_refused_with_its_cap(qtbot: Any, store: Store, tmp_path: Path) -> None:
    window, page = reports_page(qtbot, store)
    for path, said in ((hostile_sheets.zip_bomb(tmp_path / "bomb.xlsx", 32), f"上限 {MAX_RATIO} 倍"),
                       (hostile_sheets.row_far_down(tmp_path / "long.xlsx"), f"超过 {MAX_ROWS} 行"),
                       (hostile_sheets.cell_far_right(tmp_path / "wide.xlsx"), f"超过 {MAX_COLUMNS} 列")):
        page.importer.load_file(path)
        settle(window)
        assert said in page.importer.summary.text() and page.importer.summary.property("role") == "error"
        assert page.importer.model.rowCount() == 0 and not page.importer.import_button.isEnabled()
    assert recorded(store) == []


def test_the_template_is_a_sheet_the_import_reads(qtbot: Any, store: Store, tmp_path: Path) -> None:
    window, page = reports_page(qtbot, store)
    target = tmp_path / "模板"
    page.importer.save_template(target)
    settle(window)
    saved = target.with_suffix(".xlsx")
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames[0] == "报备" and [c.value for c in book["报备"][1]] == ["渠道", "经纪人", "客户电话",
                                                                                 "客户姓名", "报备时间"]
    assert ("链家", "郑伟") in [(r[0].value, r[1].value) for r in book["渠道与经纪人"].iter_rows(min_row=2)]
    for column, value in zip("ABC", ("链家", "郑伟", "13812340009"), strict=True):
        book["报备"][f"{column}2"] = value  # where an office types the first report
    book.save(saved)
    rows, title = read_sheet(saved)
    assert title == "报备" and [number for number, _ in rows] == [2]
    page.importer.load_file(saved)
    settle(window)
    assert "可导入 1 行" in page.importer.summary.text()


def test_the_tour_sheet_writes_names_like_formulas_as_text_the_import_reads_back(tmp_path: Path) -> None:
    path = tour_sheet(tmp_path / "报备.xlsx", {"=渠道": ["@经纪人"]}, None)
    cells = [c for row in openpyxl.load_workbook(path)["报备"].iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == [] and "'=渠道" in [c.value for c in cells]
    rows, _title = read_sheet(path)
    assert ("=渠道", "@经纪人") in [(cell_text(fields["channel"]), cell_text(fields["agent"])) for _n, fields in rows]
