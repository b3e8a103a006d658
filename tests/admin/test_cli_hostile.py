"""`anchang board`, `report` and `export` over names an older version stored unchecked (issue 16, item 9):
an ESC, a bidi override and a zero-width space in a consultant's, channel's and agent's name, and in a
customer's. Before, `export` failed, `report daily --format xlsx` printed a traceback and `board` sent
the raw ESC to the terminal. Now every command finishes and none prints a hidden character raw."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from admin.cli import main
from db import text_rules
from db.clock import SystemClock
from db.database import make_engine
from db.keys import Keyring
from service.store import ManualClock, Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC)
CONSULTANT = "王\x1b[31m丽\u202e"
CHANNEL = "链\u200b家\x1b]0;title\x07"
AGENT = "周\u2066杰\x1b[2J"
HIDDEN = ("\x1b", "\x07", "\u202e", "\u2066", "\u200b")


@pytest.fixture
def hostile_site(sqlite_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    with monkeypatch.context() as before:
        before.setattr(SystemClock, "now", lambda self, session: NOW - timedelta(hours=3))
        before.setattr(SystemClock, "sql_now", staticmethod(lambda dialect_name: None))
        assert main(["init"]) == 0
    store = Store(make_engine(sqlite_url), Keyring.load(data_dir), clock=ManualClock(NOW - timedelta(hours=2)),
                  station="old-version")
    with monkeypatch.context() as older_version:  # what an older version let through
        older_version.setattr(text_rules, "first_hidden", lambda text, multiline=False: None)
        store.add_consultant(CONSULTANT)
        store.add_consultant("李强")
        store.add_channel(CHANNEL, [AGENT])
        store.set_duty([CONSULTANT, "李强"])
        store.record_report(CHANNEL, AGENT, "13812345678", name="张\x1b[5m先生")
        store.register_visit("13812345678", consultant=CONSULTANT, channel=CHANNEL, agent=AGENT,
                             name="张\x1b[5m先生")
        store.register_visit("13912345678", name="刘\u202e女士")
    yield store
    store.dispose()


def _no_hidden(text: str) -> None:
    assert not [hex(ord(c)) for c in text if c in HIDDEN]


def test_board_escapes_hidden_characters(hostile_site: Store, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["board"]) == 0
    out, err = capfd.readouterr()
    _no_hidden(out + err)
    assert "王<U+001B>[31m丽<U+202E>" in out


def test_report_and_export_finish_and_print_nothing_raw(hostile_site: Store, tmp_path: Path,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    today = NOW.astimezone(SHANGHAI).date().isoformat()
    for kind in ("xlsx", "pdf"):
        out_file = tmp_path / f"daily.{kind}"
        assert main(["report", "daily", "--date", today, "--out", str(out_file)]) == 0
        assert out_file.stat().st_size > 0
    assert main(["export", "--out", str(tmp_path / "export.xlsx")]) == 0
    out, err = capfd.readouterr()
    assert "Traceback" not in err
    _no_hidden(out + err)


def test_refusals_print_the_code_point_not_the_character(hostile_site: Store,
                                                         capfd: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-123456\n"))
    assert main(["user", "add", "前台\x1b[31m小陈", "--role", "receptionist", "--secret-stdin"]) == 2
    out, err = capfd.readouterr()
    _no_hidden(out + err)
    assert "U+001B" in err


def test_the_board_printed_to_any_stream_escapes(hostile_site: Store) -> None:
    from operations.board import build_board, print_board

    printed = io.StringIO()  # the demo and run.sh print it to a stream of their own, not through the CLI
    print_board(build_board(hostile_site.engine, NOW, SHANGHAI), printed)
    text = printed.getvalue()
    _no_hidden(text)
    assert "王<U+001B>[31m丽<U+202E>" in text


@pytest.mark.parametrize("char", ["\x1b", "\u202e", "\u2066", "\u200b", "\ufeff"])
def test_the_importer_refuses_a_hostile_customer_name_naming_it(char: str) -> None:
    from operations.report_sheet import check_name

    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}") as refused:
        check_name(f"张{char}女士")
    assert str(refused.value).index("客户姓名") < str(refused.value).index("name")  # Chinese first
