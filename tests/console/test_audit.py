"""审计 page: journal verification off the GUI thread with progress and cancel (the event loop keeps
turning meanwhile), a signed checkpoint export, a backup, the reveals and overrides lists, and who may
do what."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication

from console.pages.audit import AuditPage
from db import journal
from db.database import run_write
from db.models import JournalEntry
from judge.reasons import EngineError
from operations import audit_desk
from service import appeal_guard, appeals, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import ManualClock, Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, open_console, settle
from tests.db.stores import T0

SHOTS = Path(os.environ.get("ANCHANG_TEST_SHOTS", "/tmp/anchang-shots"))
PHONE = "13812345678"
FILLER_KIND = "test_filler"  # a kind the engine does not judge: only the chain is exercised


@pytest.fixture(autouse=True)
def site_data(data_dir: Path) -> Path:
    """Every test gets its own data directory: checkpoints and backups never touch a real one."""
    return data_dir


def fill_journal(store: Store, entries: int) -> None:
    """`entries` more journal entries with a valid hash chain, written in one transaction (fast)."""
    def work(session: Any) -> None:
        head = journal.read_head(session)
        seq, prev, at = head.seq, head.hash, head.at or T0
        rows = []
        for n in range(entries):
            seq += 1
            moment = at + timedelta(microseconds=n + 1)
            payload = journal.canonical_json({"n": n})
            digest = journal.entry_hash(prev, seq, moment, "test", "test", FILLER_KIND, payload)
            rows.append({"seq": seq, "at": moment, "actor": "test", "station": "test", "kind": FILLER_KIND,
                         "payload": payload, "prev_hash": prev, "hash": digest})
            prev = digest
        session.execute(sa.insert(JournalEntry), rows)

    run_write(store.engine, work)


def audit_page(window: Any) -> AuditPage:
    page = window.open_page("audit")
    settle(window)
    assert isinstance(page, AuditPage)
    return page


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, PASSWORD))


def test_the_event_loop_keeps_turning_during_a_long_verification(qtbot: Any, store: Store) -> None:
    fill_journal(store, 20_000)
    window = open_console(qtbot, store, "经理")
    page = audit_page(window)
    # earlier tests' windows are deleted later, by the event loop: done now, so the ticks count this work
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    settle(window)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    shown: list[int] = []
    page.progress.bar.valueChanged.connect(shown.append)
    timer.start()
    with qtbot.waitSignal(page.progress.finished, timeout=120_000) as finished:
        page.verify_button.click()
        assert page.progress.isVisibleTo(page) and not page.verify_button.isEnabled()
    timer.stop()
    assert finished.args == [True]
    assert len(ticks) >= 5, "the GUI thread was blocked while verifying"
    assert len(set(shown)) >= 5 and max(shown) == page.progress.bar.maximum()  # progress moved as it went
    settle(window)
    assert page.result.property("role") == "success" and "20,0" in page.result.text()
    assert page.verify_button.isEnabled() and not page.progress.isVisibleTo(page)


def test_cancel_stops_a_verification(qtbot: Any, store: Store) -> None:
    fill_journal(store, 40_000)
    window = open_console(qtbot, store, "经理")
    page = audit_page(window)

    def cancel_once_it_moves(done: int) -> None:
        if done > 0 and page.progress.running:
            page.progress.cancel()

    page.progress.bar.valueChanged.connect(cancel_once_it_moves)
    with qtbot.waitSignal(page.progress.finished, timeout=120_000) as finished:
        page.verify_button.click()
    assert finished.args == [False]
    settle(window)
    assert "已取消" in window.message_bar.text()
    assert not page.result.isVisibleTo(page) and page.verify_button.isEnabled()


def test_a_tampered_entry_is_named(qtbot: Any, store: Store) -> None:
    clock = store.clock
    assert isinstance(clock, ManualClock)
    clock.at = T0 + timedelta(hours=1)
    store.register_visit(PHONE, consultant="李强")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER journal_no_update")  # what someone with the file could do
        conn.execute(sa.update(JournalEntry).where(JournalEntry.seq == 3).values(actor="someone"))
    window = open_console(qtbot, store, "经理")
    page = audit_page(window)
    click(qtbot, window, "audit_verify")
    qtbot.waitUntil(lambda: page.result.isVisibleTo(page), timeout=60_000)
    assert page.result.property("role") == "error" and "第 3 条" in page.result.text()


def test_the_reveals_and_the_overrides_with_their_reasons(qtbot: Any, any_store: Store) -> None:
    clock = any_store.clock
    assert isinstance(clock, ManualClock)
    clock.at = T0 + timedelta(hours=1)
    any_store.register_visit(PHONE, consultant="李强", name="张伟")
    clock.at = T0 + timedelta(hours=2)
    second = any_store.register_visit(PHONE, consultant="王丽")
    manager = desk(any_store, "经理")
    customer = second.customer_id
    assert customer is not None
    manager.reveal(customer, "客户来电核对号码")
    case_id = next(iter(any_store.site().cases))
    manager.decide_case(case_id, "王丽", "王丽首次接待有录像为证")

    window = open_console(qtbot, any_store, "经理")
    page = audit_page(window)
    reveal = page.reveals.rows
    assert [(r.actor, r.customer, r.reason) for r in reveal] == [("经理", "138****5678 张*", "客户来电核对号码")]
    cells = [page.reveals.data(page.reveals.index(0, c)) for c in range(page.reveals.columnCount())]
    assert PHONE not in "".join(cells) and "138****5678" in cells[2]
    override, = page.overrides.rows
    assert (override.case_id, override.recommended, override.verdict, override.decided_by, override.reason) == (
        case_id, "李强", "王丽", "经理", "王丽首次接待有录像为证")
    assert override.decided_at is not None and override.decided_at > T0
    page.tabs.setCurrentIndex(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "audit_overrides.png"))


def test_a_consultant_paused_for_too_many_appeal_misses_is_listed_for_the_manager(qtbot: Any, store: Store) -> None:
    wang = desk(store, "王丽")
    for i in range(appeal_guard.MAX_MISSES):
        with pytest.raises(EngineError, match="no customer you can appeal about"):
            appeals.file_appeal_by_phone(wang, f"139000000{i:02d}", "客户是我先接待的")
    window = open_console(qtbot, store, "经理")
    page = audit_page(window)
    pause, = page.pauses.rows
    assert (pause.actor, pause.misses, pause.until) == ("王丽", appeal_guard.MAX_MISSES, T0 + appeal_guard.PAUSE)
    cells = [page.pauses.data(page.pauses.index(0, c)) for c in range(page.pauses.columnCount())]
    assert cells[1] == "王丽" and cells[2] == str(appeal_guard.MAX_MISSES)
    assert not any("139" in str(cell) for cell in cells)  # the numbers tried are kept nowhere
    page.tabs.setCurrentIndex(2)
    assert page.tabs.tabText(2) == "申诉号码查询暂停"


def test_an_administrator_exports_a_signed_checkpoint_then_verification_checks_against_it(
        qtbot: Any, any_store: Store, site_data: Path) -> None:
    window = open_console(qtbot, any_store, "管理员")
    page = audit_page(window)
    page.checkpoint_path.setText("")  # the default: <data dir>/checkpoints, where verify finds it
    click(qtbot, window, "audit_checkpoint")
    qtbot.waitUntil(lambda: page.result.isVisibleTo(page), timeout=60_000)
    saved, = (site_data / "checkpoints").glob("checkpoint-*.json")
    checkpoint = journal.Checkpoint.from_file(saved)
    assert journal.verify_signature(checkpoint, any_store.keyring.public_key_pem())
    assert str(saved) in page.result.text() and saved.stat().st_mode & 0o077 == 0

    elsewhere = site_data / "usb" / "today.json"
    page.checkpoint_path.setText(str(elsewhere))
    click(qtbot, window, "audit_checkpoint")
    qtbot.waitUntil(lambda: elsewhere.exists(), timeout=60_000)
    click(qtbot, window, "audit_verify")
    qtbot.waitUntil(lambda: page.last_check is not None, timeout=60_000)
    assert page.last_check is not None and page.last_check.ok and page.last_check.chain.checkpoints_held == 1


def test_an_administrator_backs_up_now(qtbot: Any, any_store: Store, tmp_path: Path) -> None:
    window = open_console(qtbot, any_store, "管理员")
    page = audit_page(window)
    folder = tmp_path / "backups"
    page.backup_folder.setText(str(folder))
    click(qtbot, window, "audit_backup")
    qtbot.waitUntil(lambda: page.result.isVisibleTo(page), timeout=120_000)
    made, = folder.iterdir()
    assert page.result.property("role") == "success", page.result.text()
    assert made.suffix in (".sqlite3", ".dump") and made.stat().st_size > 0 and str(made) in page.result.text()


def test_what_each_role_sees_and_the_desk_refuses(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "经理")
    page = audit_page(window)
    assert page.verify_button.isVisibleTo(window)
    assert not page.checkpoint_button.isVisibleTo(window) and not page.backup_button.isVisibleTo(window)
    manager = desk(store, "经理")
    with pytest.raises(PermissionDenied):
        audit_desk.export_checkpoint(manager)
    with pytest.raises(PermissionDenied):
        audit_desk.backup_now(manager)
    for name in ("渠道经理", "前台", "李强"):
        other = open_console(qtbot, store, name)
        assert "audit" not in other.pages
        with pytest.raises(PermissionDenied):
            audit_desk.check_site(desk(store, name))
        with pytest.raises(PermissionDenied):
            audit_desk.check_site_apart(desk(store, name))
        other.close()
