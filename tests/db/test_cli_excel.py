"""`anchang import-reports` and `anchang export`: Excel in, Excel out, phones masked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa

from db.cli import main
from db.database import make_engine
from db.keys import Keyring
from db.models import Report
from db.service import ManualClock, Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC)
T0 = NOW - timedelta(days=3)  # the site's registry was set up three days ago
YESTERDAY = (NOW - timedelta(days=1)).astimezone(SHANGHAI).replace(microsecond=0, second=0)


@pytest.fixture
def store(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    s = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(T0), station="test")
    for name in ("王丽", "李强"):
        s.add_consultant(name)
    s.add_channel("贝壳", ["周杰", "吴芳"])
    s.add_channel("链家", ["郑伟", "孙丽"])
    s.add_channel("中原", ["钱明"])
    s.set_duty(["王丽", "李强"])
    yield s
    s.dispose()


def workbook(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "报备"
    sheet.append(["某某项目 渠道报备汇总"])  # a title line above the header, as offices do
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def reports(store: Store) -> list[tuple[str, str, str | None, str, datetime]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(Report.channel, Report.agent, Report.reason, Report.status,
                                      Report.reported_at).order_by(Report.id)).all()
    return [(r.channel, r.agent, r.reason, r.status, r.reported_at.replace(tzinfo=UTC)) for r in rows]


SHEET_ROWS: list[list[Any]] = [
    ["贝壳", "周杰", "13812340001", "张三", YESTERDAY.replace(tzinfo=None)],  # row 3: good, at its own time
    ["链家", "郑伟", "138 1234 0002", None, None],  # row 4: good, now
    ["中原", "钱明", "13812340001", "张三", None],  # row 5: good row, judged a duplicate report
    ["万科", "小王", "13812340003", None, None],  # row 6: unknown channel
    ["贝壳", "郑伟", "13812340004", None, None],  # row 7: agent of another channel
    ["贝壳", "周杰", "12345", None, None],  # row 8: bad phone
    ["贝壳", "周杰", "138****0004", None, None],  # row 9: masked number, project takes full numbers
    ["贝壳", "周杰", "13812340001", "张三", None],  # row 10: same as row 3
    ["贝壳", "吴芳", "13812340005", None, (NOW + timedelta(days=1)).astimezone(SHANGHAI).replace(tzinfo=None)],
    [None, None, None, None, None],  # blank: skipped
    ["链家", "孙丽", 13812340006, None, "昨天下午"],  # row 13: a time nobody can read
    ["链家", "孙丽", 13812340007, "李四", None],  # row 14: good, phone typed as a number
    ["贝壳", None, "13812340008", None, None],  # row 15: agent missing
]


def test_import_keeps_good_rows_and_names_bad_ones(store: Store, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook(tmp_path / "reports.xlsx", ["渠道", "经纪人", "客户电话", "客户姓名", "报备时间"], SHEET_ROWS)
    capsys.readouterr()
    assert main(["import-reports", str(path)]) == 1  # some rows were rejected
    out = capsys.readouterr().out
    expected = {6: "unknown channel", 7: "has no agent", 8: "invalid phone number", 9: "masked number",
                10: "duplicate of row 3", 11: "in the future", 13: "not a time", 15: "agent is empty"}
    for number, reason in expected.items():
        line = next((ln for ln in out.splitlines() if f"rejected row {number}:" in ln), "")
        assert reason in line, f"row {number}: {line!r}"
    assert "rejected row 12" not in out  # the blank row is no row at all
    assert re.search(r"\d{11}", out) is None
    assert "imported 4: 3 pending, 1 invalid; 8 rows rejected" in out

    recorded = reports(store)
    assert [(c, a, reason, status) for c, a, reason, status, _ in recorded] == [
        ("贝壳", "周杰", None, "pending"),
        ("链家", "郑伟", None, "pending"),
        ("中原", "钱明", "duplicate_report", "invalid"),
        ("链家", "孙丽", None, "pending"),
    ]
    assert recorded[0][4] == YESTERDAY.astimezone(UTC)  # the sheet's time, being after the last entry
    assert recorded[1][4] > NOW - timedelta(minutes=5)
    assert store.customer_id("13812340007") is not None


def test_times_before_the_journal_are_recorded_now(store: Store, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    store.clock.at = NOW - timedelta(hours=1)  # type: ignore[attr-defined]
    store.register_visit("13912345678")
    path = workbook(tmp_path / "late.xlsx", ["channel", "agent", "phone", "time"],
                    [["贝壳", "周杰", "13812340001", YESTERDAY.strftime("%Y-%m-%d %H:%M")]])
    capsys.readouterr()
    assert main(["import-reports", str(path)]) == 0
    out = capsys.readouterr().out
    assert "recorded at the current time" in out and "imported 1: 1 pending" in out
    assert reports(store)[0][4] > NOW - timedelta(minutes=5)


def test_dry_run_records_nothing(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook(tmp_path / "reports.xlsx", ["渠道", "经纪人", "客户电话", "客户姓名", "报备时间"], SHEET_ROWS)
    capsys.readouterr()
    assert main(["import-reports", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "dry run" in out and "rejected row 6" in out and "138****0001" in out
    assert reports(store) == []


def test_a_sheet_without_the_phone_column_is_refused(store: Store, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook(tmp_path / "bad.xlsx", ["渠道", "经纪人", "客户姓名"], [["贝壳", "周杰", "张三"]])
    assert main(["import-reports", str(path)]) == 2
    assert "missing column" in capsys.readouterr().err
    not_excel = tmp_path / "notes.xlsx"
    not_excel.write_text("hello", encoding="utf-8")
    assert main(["import-reports", str(not_excel)]) == 2
    assert "not an .xlsx workbook" in capsys.readouterr().err
    assert reports(store) == []


def test_export_is_masked(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store.record_report("贝壳", "周杰", "13812340001", "张三")
    store.clock.at = T0 + timedelta(hours=20)  # type: ignore[attr-defined]
    store.register_visit("13812340001", channel="贝壳", agent="周杰", name="张三")
    store.register_visit("13812340002")
    store.register_visit("13812340002", consultant="王丽")  # a competing registration: a case
    store.change_stage("13812340001", "王丽", "pledge")
    target = tmp_path / "out.xlsx"
    assert main(["export", "--out", str(target)]) == 0
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["客户", "报备", "判客案件", "预警"]
    customers = book["客户"]
    assert [c.value for c in customers[1]][:4] == ["客户编号", "手机(掩码)", "归属顾问", "保护期至"]
    texts = [str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row if cell.value]
    assert not any(re.search(r"\d{11}", text) for text in texts)
    assert "138****0001" in texts and "138****0002" in texts
    assert "贝壳" in [c.value for c in customers["E"]] and "认筹" in [c.value for c in customers["G"]]
    assert book["判客案件"].max_row == 2 and book["判客案件"]["B2"].value == "归属争议"
