"""今日: the live feed of check-ins, reception's queue (confirm, correct, dismiss), busy/free, 接待开始 /
接待结束 with 停留时长, a consultant's arrival pop-up, what each role sees and may do; and two stations on
one PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QPushButton

from console.pages.today import TodayPage
from console.pages.today_parts import QueuePanel
from console.window import ConsoleWindow
from db.database import make_engine
from db.keys import Keyring
from service import reception, users
from service.desk import Desk
from service.live import LiveFeed
from service.roles import PermissionDenied
from service.serving import start_reception
from service.store import ManualClock, Store
from tests.console.conftest import PASSWORD, make_console_store
from tests.console.helpers import click, find, open_console, settle
from tests.db.stores import T0

WAIT_MS = 5_000
Opener = Callable[[Store, str], ConsoleWindow]


@pytest.fixture
def live_console(qtbot: Any) -> Iterator[Opener]:
    """Opens a console logged in as a user, given journal news by a LiveFeed as in production."""
    feeds: list[LiveFeed] = []

    def open_live(store: Store, user: str) -> ConsoleWindow:
        feed = LiveFeed(store)
        feeds.append(feed)
        return open_console(qtbot, store, user, live=feed)

    yield open_live
    for feed in feeds:
        feed.close()


def today(window: ConsoleWindow) -> TodayPage:
    page = window.open_page("today")
    assert isinstance(page, TodayPage)
    settle(window)
    return page


def queue_of(page: TodayPage) -> QueuePanel:
    assert page.queue is not None, "no queue on this page"
    return page.queue


def feed_rows(page: TodayPage) -> list[list[str]]:
    model = page.model
    return [[model.data(model.index(row, col)) for col in range(model.columnCount())]
            for row in range(model.rowCount())]


def kiosk_checkin(store: Store, phone: str, name: str | None = None, verified: bool = False) -> Any:
    """A check-in as the kiosk writes it: its own reference and time, unverified when by phone alone."""
    return store.register_visit(phone, name=name, verified=verified, actor="kiosk", ref=uuid.uuid4().hex,
                                arrived_at=store.now(), source="自然来访")


def advance(store: Store, minutes: int) -> None:
    assert isinstance(store.clock, ManualClock)
    store.clock.at += timedelta(minutes=minutes)


def busy(store: Store) -> set[str]:
    with store._lock:
        return set(store.site().busy)


def test_a_kiosk_check_in_appears_in_the_feed_live(qtbot: Any, any_store: Store, live_console: Opener) -> None:
    window = live_console(any_store, "前台")
    page = today(window)
    assert feed_rows(page) == []
    kiosk_checkin(any_store, "13812345678", name="张女士")
    qtbot.waitUntil(lambda: len(feed_rows(page)) == 1, timeout=WAIT_MS)
    [row] = feed_rows(page)
    assert row[1:4] == ["张女士", "138****5678", "首访"] and "待确认" in row
    assert "13812345678" not in str(row)
    qtbot.waitUntil(lambda: queue_of(page).model.rowCount() == 1, timeout=WAIT_MS)
    assert "待确认 1" in page.summary.text()


def test_reception_confirms_corrects_and_dismisses_from_the_queue(qtbot: Any, any_store: Store) -> None:
    for phone in ("13800000001", "13800000002", "13800000003"):
        kiosk_checkin(any_store, phone)
        advance(any_store, 1)
    window = open_console(qtbot, any_store, "前台")
    page = today(window)
    assert queue_of(page).model.rowCount() == 3
    assert not find(page, "queue_confirm", QPushButton).isEnabled()  # nothing chosen yet

    queue_of(page).view.selectRow(0)
    click(qtbot, window, "queue_confirm")
    assert [p.phone_masked for p in reception.pending_checkins(any_store)] == ["138****0002", "138****0003"]

    queue_of(page).view.selectRow(0)
    click(qtbot, window, "queue_correct")
    phone = find(page, "correct_phone", QLineEdit)
    phone.setText("1381234")  # too short: refused next to the field, nothing written
    click(qtbot, window, "correct_save")
    assert queue_of(page).correct_form.error_text("correct_phone")
    assert len(reception.pending_checkins(any_store)) == 2
    phone.setText("139 1234 5678")
    click(qtbot, window, "correct_save")
    assert not queue_of(page).correct_form.error_text("correct_phone")
    assert [p.phone_masked for p in reception.pending_checkins(any_store)] == ["138****0003"]
    assert any(r[2] == "139****5678" and "已核验" in r for r in feed_rows(page))  # registered, verified

    queue_of(page).view.selectRow(0)
    click(qtbot, window, "queue_dismiss")
    assert find(page, "dismiss_confirm", QFrame).isVisible()
    click(qtbot, window, "dismiss_ok")
    assert reception.pending_checkins(any_store) == []
    assert queue_of(page).model.rowCount() == 0
    assert not any(r[2] == "138****0003" for r in feed_rows(page))  # a mistake is not a visit


def test_reception_marks_a_consultant_busy_and_free(qtbot: Any, any_store: Store) -> None:
    window = open_console(qtbot, any_store, "前台")
    page = today(window)
    assert find(page, "rotation_state_李强").text() == "下一位"
    click(qtbot, window, "busy_李强")
    assert busy(any_store) == {"李强"}
    assert find(page, "busy_李强", QPushButton).text() == "设为空闲"
    assert find(page, "rotation_state_王丽").text() == "下一位"
    click(qtbot, window, "busy_李强")
    assert busy(any_store) == set()


def test_a_consultant_starts_and_ends_a_reception_with_its_stay(qtbot: Any, any_store: Store) -> None:
    visit = any_store.register_visit("13812345678", name="张伟", consultant="李强")
    any_store.register_visit("13912345678", consultant="王丽")
    window = open_console(qtbot, any_store, "李强")
    page = today(window)
    assert [r[2] for r in feed_rows(page)] == ["138****5678"]  # their own visits only
    assert not find(page, "reception_start", QPushButton).isEnabled()
    page.select_visit(visit.seq)
    click(qtbot, window, "reception_start")
    assert busy(any_store) == {"李强"}
    assert "接待中" in feed_rows(page)[0][-1]
    assert not find(page, "reception_start", QPushButton).isEnabled()  # not twice
    advance(any_store, 38)
    click(qtbot, window, "reception_end")
    assert busy(any_store) == set()
    assert feed_rows(page)[0][-1] == "38 分钟"
    assert not find(page, "reception_end", QPushButton).isEnabled()


def test_a_consultant_is_told_when_their_customer_arrives(qtbot: Any, any_store: Store,
                                                          live_console: Opener) -> None:
    any_store.register_visit("13812345678", name="张女士", consultant="李强")
    any_store.register_visit("13912345678", name="刘先生", consultant="王丽")
    advance(any_store, 60 * 24)
    window = live_console(any_store, "李强")
    today(window)
    kiosk_checkin(any_store, "13912345678")  # 王丽's customer: not for 李强
    kiosk_checkin(any_store, "13812345678", verified=True)
    toast = None

    def told() -> bool:
        nonlocal toast
        toast = window.findChild(QFrame, "arrival_toast")
        return toast is not None and toast.isVisible()

    qtbot.waitUntil(told, timeout=WAIT_MS)
    assert toast is not None
    text = find(toast, "arrival_lines", QLabel).text()
    assert "张女士" in text and "138****5678" in text
    assert "139****5678" not in text and "刘先生" not in text
    click(qtbot, window, "arrival_close")
    assert not toast.isVisible()


def test_each_role_sees_what_it_may_do_and_the_desk_refuses_the_rest(qtbot: Any, any_store: Store) -> None:
    visit = any_store.register_visit("13812345678", consultant="王丽", verified=False)
    window = open_console(qtbot, any_store, "李强")
    page = today(window)
    assert page.findChild(QFrame, "queue_card") is None
    assert page.findChild(QPushButton, "busy_王丽") is None
    assert feed_rows(page) == []  # 王丽's visit is not shown to 李强
    li = window.ctx.desk
    assert li is not None
    customer = any_store.customer_id("13812345678")
    assert customer is not None
    with pytest.raises(PermissionDenied):
        li.confirm_checkin(customer)
    with pytest.raises(PermissionDenied):
        li.set_busy("王丽", True)
    with pytest.raises(PermissionDenied):
        start_reception(li, visit.seq)

    for name, queue, serve, toggles in (("管理员", True, False, False), ("渠道经理", False, False, False),
                                        ("经理", True, True, True)):
        window.logout()
        window.enter(users.authenticate(any_store, name, PASSWORD))
        settle(window)
        page = today(window)
        assert (page.findChild(QFrame, "queue_card") is not None) is queue, name
        assert find(page, "serve_bar").isVisibleTo(page) is serve, name
        assert (page.findChild(QPushButton, "busy_李强") is not None) is toggles, name
    admin = Desk(any_store, users.User("管理员", "admin", None, True))
    with pytest.raises(PermissionDenied):
        start_reception(admin, visit.seq)
    with pytest.raises(PermissionDenied):
        admin.set_busy("李强", True)


def test_two_stations_on_one_postgresql(qtbot: Any, pg_url: str, tmp_path: Path, live_console: Opener) -> None:
    """A check-in written by another station's store (the kiosk's) appears on this console's Today page."""
    keys = tmp_path / "keys"
    console_store = make_console_store(pg_url, keys)
    kiosk = Store(make_engine(pg_url), Keyring.load(keys), clock=ManualClock(T0), station="kiosk-2")
    try:
        window = live_console(console_store, "前台")
        page = today(window)
        assert feed_rows(page) == []
        kiosk_checkin(kiosk, "13812345678", name="张女士")
        qtbot.waitUntil(lambda: [r[2] for r in feed_rows(page)] == ["138****5678"], timeout=WAIT_MS)
        qtbot.waitUntil(lambda: queue_of(page).model.rowCount() == 1, timeout=WAIT_MS)
    finally:
        kiosk.dispose()
        console_store.dispose()


def test_the_tour_renders_the_queue_a_reception_and_the_pop_up(qtbot: Any, store: Store, tmp_path: Path) -> None:
    store.register_visit("13812345600", name="张女士", consultant="李强")
    advance(store, 60 * 24)
    for i, consultant in enumerate(("李强", "王丽", "李强")):
        store.register_visit(f"1381234560{i}", name="张女士", consultant=consultant, channel="贝壳", agent="周杰")
        advance(store, 7)
    shots: list[str] = []

    def snap_of(window: ConsoleWindow) -> Callable[[str], None]:
        def snap(name: str) -> None:
            settle(window)
            assert window.grab().save(str(tmp_path / f"{len(shots):02d}_{name}.png"))  # 1366 x 860
            shots.append(name)
        return snap

    window = open_console(qtbot, store, "经理")
    page = today(window)
    page.tour(snap_of(window))
    assert shots == ["today", "today_kiosk_checkin", "today_queue_correct_refused", "today_reception_started"]
    assert [p.phone_masked for p in reception.pending_checkins(store)] == ["139****1234"]  # the kiosk's
    assert busy(store) == {"李强"}  # the newest visit's consultant receives it
    assert not any(b.isEnabled() for b in queue_of(page).row_buttons)  # the queue reloaded: nothing chosen

    window.logout()
    window.enter(users.authenticate(store, "李强", PASSWORD))
    page = today(window)
    page.tour(snap_of(window))
    assert shots[-2:] == ["today", "today_arrival_popup"]
    assert "138****5600" in find(window, "arrival_lines", QLabel).text()
