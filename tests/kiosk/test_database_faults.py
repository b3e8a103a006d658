"""The database misbehaving under a running kiosk (issue 15, item 3): held by another program, paused,
refusing for the clock. Whatever it does, the visitor sees the done screen within the budget, the check-in
is in the database or the outbox (never nowhere), the next visitor sees nothing of the previous one, and
everything queued is written once the database is back."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from db.clock import ManualClock
from db.models import VisitRecord
from kiosk.outbox import Outbox
from kiosk.services import Timings
from service.store import Store
from tests.kiosk.conftest import FAST, make_store, services_for
from tests.kiosk.helpers import open_window, phone_path, tap, text, until, wait_screen

BUDGET = Timings(**{**FAST.__dict__, "submit_budget_ms": 1_000, "outbox_retry_ms": 300})
DONE_WITHIN_S = 5.0


def visits(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(VisitRecord)).scalar_one())


def submit_timed(qtbot: Any, window: Any) -> float:
    tapped = time.monotonic()
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    return time.monotonic() - tapped


def test_a_held_sqlite_lock_sends_each_visitor_to_the_outbox_and_keeps_flows_apart(
        qtbot: Any, tmp_path: Path) -> None:
    path = tmp_path / "anchang.sqlite3"
    store = make_store(f"sqlite:///{path}", tmp_path / "keys")
    store.write_budget_s = 0.5  # as the kiosk's Store.open sets it (3 s there)
    outbox = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    window = open_window(qtbot, services_for(store, outbox=outbox, timings=BUDGET))
    until(qtbot, lambda: window.catalog.loaded)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the database
    try:
        tap(qtbot, window, "choice_phone")
        phone_path(qtbot, window, "13800002001")
        source = window.screen("source")
        tap(qtbot, window, "source_1")
        tap(qtbot, window, "channel_贝壳")
        tap(qtbot, window, "agent_周杰")
        assert submit_timed(qtbot, window) < DONE_WITHIN_S
        assert text(window, "done_message") == "登记已保存，请到前台"
        tap(qtbot, window, "done_home")
        tap(qtbot, window, "choice_phone")
        phone_path(qtbot, window, "13800002002")
        # the second visitor's source screen: shown at once, nothing of the first visitor's choices
        assert source.loaded and source.submit.isEnabled()
        assert source.source is not None and source.source.registers_as == "natural"
        assert source.channel is None and source.agent is None
        assert submit_timed(qtbot, window) < DONE_WITHIN_S
        assert [c["phone"] for c in outbox.pending()] == ["13800002001", "13800002002"]
        assert outbox.pending()[0]["channel"] == "贝壳" and outbox.pending()[1]["channel"] == "natural"
        tap(qtbot, window, "done_home")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    until(qtbot, lambda: outbox.pending() == [] and visits(store) == 2)
    assert window.current == "start"  # no late answer put anyone's done screen back up
    store.dispose()


def kiosk_on_postgresql(qtbot: Any, url: str, tmp_path: Path, phone: str) -> tuple[Store, Outbox, Any]:
    """A kiosk as anchang-kiosk opens it (a write budget; 1 s here), its visitor on the source screen."""
    make_store(url, tmp_path / "keys").dispose()
    store = Store.open(url, tmp_path / "keys", station="kiosk-test", write_budget_s=1.0)
    outbox = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    window = open_window(qtbot, services_for(store, outbox=outbox, timings=BUDGET))
    until(qtbot, lambda: window.catalog.loaded)
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, phone)
    return store, outbox, window


def test_a_paused_postgresql_server_costs_the_visitor_no_more_than_the_budget(
        qtbot: Any, private_pg: tuple[str, Any], tmp_path: Path) -> None:
    """SIGSTOP: the server neither answers nor refuses. The check-in goes to the outbox within the
    budget; after SIGCONT it is written once."""
    url, pg_ctl = private_pg
    store, outbox, window = kiosk_on_postgresql(qtbot, url, tmp_path, "13800002101")
    pg_ctl("pause")
    try:
        assert submit_timed(qtbot, window) < DONE_WITHIN_S
        assert text(window, "done_message") == "登记已保存，请到前台"
        assert [c["phone"] for c in outbox.pending()] == ["13800002101"]
        tap(qtbot, window, "done_home")
        tap(qtbot, window, "choice_phone")  # the next visitor's screens answer while the server sleeps
        phone_path(qtbot, window, "13800002102")
        assert submit_timed(qtbot, window) < DONE_WITHIN_S
    finally:
        pg_ctl("resume")
    until(qtbot, lambda: outbox.pending() == [], timeout=60_000)
    until(qtbot, lambda: visits(store) == 2, timeout=30_000)
    window.close()
    store.dispose()


def test_a_clock_refusal_keeps_the_check_in_and_tells_reception_why(qtbot: Any, tmp_path: Path) -> None:
    """Writes refused for this station's clock: not an outage. The visitor is sent to reception, the
    check-in waits in the outbox, staff mode names the clock and the way out, and the log has it."""
    store = make_store(f"sqlite:///{tmp_path / 'anchang.sqlite3'}", tmp_path / "keys")
    store.clock = ManualClock(datetime.now(UTC) - timedelta(hours=3), checked=True)  # 3 h slow
    outbox = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    window = open_window(qtbot, services_for(store, outbox=outbox, timings=BUDGET))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13800002201")
    submit_timed(qtbot, window)
    assert text(window, "done_message") == "登记已保存，请到前台"
    assert [c["phone"] for c in outbox.pending()] == ["13800002201"]
    assert any("时钟" in alert and "anchang clock accept" in alert for alert in window.services.alerts)
    window.show_screen("staff")
    status = window.screen("staff").status
    until(qtbot, lambda: status.isVisible() and "本机暂存 1 条登记" in status.text())
    assert "写入被拒绝" in status.text() and "时钟" in status.text()
    assert visits(store) == 0
    store.dispose()


def test_dropped_postgresql_connections_cost_nothing(qtbot: Any, private_pg: tuple[str, Any],
                                                     tmp_path: Path) -> None:
    """Every connection the kiosk holds is cut (a server-side kill, as a restarted router or a DBA does):
    the next check-in reconnects and lands, or waits in the outbox; never lost, never twice."""
    url, _pg_ctl = private_pg
    store, outbox, window = kiosk_on_postgresql(qtbot, url, tmp_path, "13800002301")
    killer = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with killer.connect() as conn:
        cut = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE pid <> pg_backend_pid() AND datname = current_database()")).scalar_one()
    killer.dispose()
    assert cut >= 1
    assert submit_timed(qtbot, window) < DONE_WITHIN_S
    until(qtbot, lambda: outbox.pending() == [] and visits(store) == 1, timeout=30_000)
    window.close()
    store.dispose()
