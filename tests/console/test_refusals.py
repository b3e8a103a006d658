"""A refusal is not an outage (issue 15, item 2): every write the store refuses is said as what it is, in
the window, and none is dropped.

Seen: with this PC's clock behind the journal, 设为忙碌 showed a green "数据库已重新连接" and the click was
lost; `anchang clock accept` was on stderr only. Now: a red banner names the difference and keeps the
write; an administrator accepts the clock (at their own console, or here with their password) and the
kept write lands. A role, rule or retired-station refusal is said in words; a write that found the lock
held is kept and lands once it is free.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from console.banners import AdminClockDialog
from console.refusals import Kind, classify, said
from db.clock import CLOCK_ACCEPTED, ClockRefused, ManualClock
from db.database import DatabaseUnavailable, make_engine, read_session
from db.models import JournalEntry
from db.station_registry import StationRetired
from judge.reasons import EngineError
from service import reception, stations, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, find, open_console, settle
from tests.console.test_today import busy, kiosk_checkin, queue_of, today
from tests.db.stores import T0
from ui import i18n

PROBE_WAIT_MS = 2_500  # longer than the reconnect probe's interval: a false "reconnected" would show by then


def entries(store: Store, kind: str) -> list[JournalEntry]:
    with read_session(store.engine) as session:
        return list(session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == kind)))


def slow_clock(store: Store) -> None:
    """This PC's clock three hours behind the journal's last entry: every write is refused."""
    store.clock = ManualClock(T0 - timedelta(hours=3), checked=True)


def test_the_errors_are_told_apart() -> None:
    assert classify(ClockRefused("本站时钟慢了")) is Kind.CLOCK  # a DatabaseUnavailable, but not an outage
    assert classify(DatabaseUnavailable("数据库不可用 / the database is unavailable: database is locked")) \
        is Kind.LOCKED
    assert classify(DatabaseUnavailable("数据库不可用 / connection refused")) is Kind.LOST
    assert classify(PermissionDenied("无权限 / x")) is Kind.ROLE
    assert classify(StationRetired("kiosk-2")) is Kind.RETIRED
    assert classify(EngineError("请选择置业顾问 / choose a consultant")) is Kind.RULE
    assert classify(ValueError("x")) is Kind.INPUT and classify(ZeroDivisionError()) is Kind.FAULT


def test_refusals_are_said_in_english_when_the_interface_is(qapp: Any) -> None:
    """The sentences were looked up through a wrapper lupdate could not see, so English users read Chinese."""
    try:
        i18n.install_translator(qapp, "en")
        assert said(DatabaseUnavailable("数据库不可用 / connection refused")).startswith("The connection")
        assert said(StationRetired("kiosk-2")).startswith("This station")
        assert said(EngineError("请选择置业顾问 / choose a consultant")) == "Not done: choose a consultant"
    finally:
        i18n.install_translator(qapp, "zh")


def test_a_clock_refusal_on_busy_is_said_and_an_admin_here_accepts_and_the_write_lands(
        qtbot: Any, any_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    store = any_store
    window = open_console(qtbot, store, "经理")
    page = today(window)
    slow_clock(store)
    caplog.set_level(logging.WARNING)
    click(qtbot, window, "busy_王丽")
    banner = window.clock_banner
    assert banner.isVisible() and not window.banner.isVisible()
    text = banner.text.text()
    assert text.startswith("本机时钟与站点记录不一致，写入已暂停")
    assert "慢 3.0 小时" in text and "1 项操作等待写入" in text and "请联系管理员" in text
    assert not banner.accept_button.isVisibleTo(window)  # a manager may not accept the clock
    assert busy(store) == set()  # nothing written, and nothing lost: the write waits
    assert any("clock" in r.getMessage() for r in caplog.records)  # logged
    qtbot.wait(PROBE_WAIT_MS)
    settle(window)
    assert "重新连接" not in window.message_bar.text() and banner.isVisible()

    click(qtbot, window, "admin_accept_clock")  # the administrator comes to this PC
    dialog = window.admin_dialog
    assert isinstance(dialog, AdminClockDialog)
    dialog.name.setText("经理")  # not an administrator
    dialog.password.setText(PASSWORD)
    dialog.submit()
    settle(window)
    assert "不是管理员" in dialog.form.error_text("admin_clock_password") and busy(store) == set()
    dialog.name.setText("管理员")
    dialog.password.setText(PASSWORD)
    dialog.submit()
    settle(window)
    [accepted] = entries(store, CLOCK_ACCEPTED)
    assert accepted.actor == "管理员" and json.loads(accepted.payload)["hold_until"]
    assert busy(store) == {"王丽"}  # the kept write landed
    assert not banner.isVisible() and "1 项等待的操作已写入" in window.message_bar.text()
    assert window.user is not None and window.user.name == "经理"  # still the manager's console
    assert find(page, "busy_王丽", QPushButton).text() == "设为空闲"


def test_an_administrator_logged_in_accepts_with_the_button(qtbot: Any, any_store: Store) -> None:
    store = any_store
    kiosk_checkin(store, "13812345678")
    window = open_console(qtbot, store, "管理员")
    page = today(window)
    slow_clock(store)
    queue_of(page).view.selectRow(0)
    click(qtbot, window, "queue_confirm")
    banner = window.clock_banner
    assert banner.isVisible() and banner.accept_button.isVisibleTo(window)
    assert "可接受本机时钟" in banner.text.text() and len(reception.pending_checkins(store)) == 1
    click(qtbot, window, "accept_clock")
    assert [e.actor for e in entries(store, CLOCK_ACCEPTED)] == ["管理员"]
    assert reception.pending_checkins(store) == []  # the confirmation landed
    assert not banner.isVisible()


def test_a_role_refusal_says_so(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "李强")
    page = today(window)
    assert page.findChild(QPushButton, "busy_王丽") is None  # hidden from a consultant...
    page.set_busy("王丽", True)  # ...and were it reached anyway, the Desk refuses it, and the window says so
    settle(window)
    refusal = window.refusal_banner
    assert refusal.isVisible() and refusal.kind == "role"
    assert refusal.text.text().startswith("无权操作：李强（置业顾问）没有此操作的权限")
    assert busy(store) == set() and not window.banner.isVisible()
    click(qtbot, window, "refusal_close")
    assert not refusal.isVisible()


def test_a_rule_refusal_is_said_in_words(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "经理")
    desk = window.ctx.desk
    assert isinstance(desk, Desk)
    window.ctx.run(desk.decide_case, 999, "李强", "")
    settle(window)
    assert window.refusal_banner.isVisible() and window.refusal_banner.kind == "rule"
    assert window.refusal_banner.text.text().startswith("未能办理：")
    assert "/" not in window.refusal_banner.text.text()  # the Chinese half of the store's message


def test_a_retired_station_is_told_so(qtbot: Any, store: Store) -> None:
    store.register_station("console")
    other = Store(make_engine(store.engine.url.render_as_string(hide_password=False)), store.keyring,
                  clock=store.clock, station="console-2")
    other.register_station("console")
    window = open_console(qtbot, store, "经理")
    today(window)
    stations.retire(Desk(other, users.authenticate(other, "经理", PASSWORD)), store.station, "电脑更换")
    click(qtbot, window, "busy_王丽")
    assert window.refusal_banner.kind == "retired"
    assert "本工作站（工作台 test）已停用" in window.refusal_banner.text.text()
    assert not window.banner.isVisible() and not window.clock_banner.isVisible()
    other.dispose()


def test_a_write_that_found_the_lock_held_is_kept_and_lands_when_it_is_free(qtbot: Any, store: Store) -> None:
    """Another program holds the SQLite file: 设为忙碌 waits no longer than the console's write budget, the
    banner says the database is busy (not lost), and the write lands by itself once the lock is free."""
    url = store.engine.url.render_as_string(hide_password=False)
    budgeted = Store(make_engine(url, lock_budget_s=0.5), store.keyring, clock=store.clock, station=store.station)
    budgeted.write_budget_s = 0.5  # as console/app.py's Store.open sets them (5 s there)
    window = open_console(qtbot, budgeted, "经理")
    today(window)
    path = store.engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        qtbot.mouseClick(find(window, "busy_王丽", QPushButton), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
        assert "被其他程序占用" in window.banner.text()
        assert "1 项操作等待写入" in window.banner.text() and not window.clock_banner.isVisible()
        qtbot.wait(PROBE_WAIT_MS)  # retried behind the lock: still kept, still said
        assert window.banner.isVisible() and "重新连接" not in window.message_bar.text()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: busy(store) == {"王丽"}, timeout=10_000)
    settle(window)
    assert not window.banner.isVisible() and "重新连接" not in window.message_bar.text()
    assert "1 项等待的操作已写入" in window.message_bar.text()
    budgeted.dispose()


def test_logging_out_with_writes_kept_says_they_were_given_up(qtbot: Any, store: Store,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    window = open_console(qtbot, store, "经理")
    today(window)
    slow_clock(store)
    click(qtbot, window, "busy_王丽")
    assert len(window.ctx.held) == 1
    caplog.set_level(logging.WARNING)
    window.logout()
    assert window.ctx.held == [] and any("not retried" in r.getMessage() for r in caplog.records)
    notice = window.login.notice
    assert notice.isVisibleTo(window) and "1 项等待写入的操作未能写入，已放弃" in notice.text()
    window.login.name.setText("经理")
    window.login.password.setText(PASSWORD)
    window.login.submit()
    settle(window)
    assert not notice.isVisibleTo(window) and busy(store) == set()
