"""Blacklist, staff mode (PIN wrong and right), 前台确认 (confirm, dismiss, correct), walk-in entry,
the rotation board, and closing the kiosk only from staff mode."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from db.models import JournalEntry
from service import reception
from service.store import Store
from tests.kiosk.conftest import PIN, services_for
from tests.kiosk.helpers import open_window, phone_path, tap, text, type_digits, until, wait_screen


def journal_size(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one())


def login(qtbot: Any, window: Any, pin: str = PIN) -> None:
    window.show_screen("staff_pin")
    until(qtbot, lambda: window.screen("staff_pin").findChild(type(window.screen("staff_pin").enter_button),
                                                                  "user_前台小王") is not None)
    tap(qtbot, window, "user_前台小王")
    type_digits(qtbot, window, pin, pad="pin_digits")
    tap(qtbot, window, "pin_enter")


def test_blacklisted_phone_gets_a_neutral_message_and_reception_an_alert(qtbot: Any, any_store: Store) -> None:
    any_store.blacklist(phone="13700009999")
    services = services_for(any_store)
    window = open_window(qtbot, services)
    before = journal_size(any_store)
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13700009999")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "请到前台咨询"
    assert text(window, "done_detail") == ""
    assert journal_size(any_store) == before
    assert services.alerts and "137****9999" in services.alerts[0]


def test_blacklisted_agent_is_refused_the_same_way(qtbot: Any, store: Store) -> None:
    store.blacklist(agent="周杰")
    window = open_window(qtbot, services_for(store))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13700008888")
    until(qtbot, lambda: window.runner.pending == 0)
    tap(qtbot, window, "source_1")
    tap(qtbot, window, "channel_贝壳")
    tap(qtbot, window, "agent_周杰")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "请到前台咨询"
    assert store.customer_id("13700008888") is None


def test_wrong_pin_is_refused_and_the_right_one_opens_staff_mode(qtbot: Any, store: Store) -> None:
    window = open_window(qtbot, services_for(store))
    login(qtbot, window, "000000")
    until(qtbot, lambda: text(window, "pin_message") == "密码错误")
    assert window.current == "staff_pin" and window.staff_user is None
    type_digits(qtbot, window, PIN, pad="pin_digits")
    tap(qtbot, window, "pin_enter")
    wait_screen(qtbot, window, "staff")
    assert window.staff_user.name == "前台小王"
    tap(qtbot, window, "staff_leave")  # no PIN to leave
    wait_screen(qtbot, window, "start")
    assert window.staff_user is None


def test_long_press_on_the_corner_asks_for_the_pin(qtbot: Any, store: Store) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QWidget

    window = open_window(qtbot, services_for(store))
    corner = window.screen("start").findChild(QWidget, "staff_corner")
    assert corner.width() >= 48 and corner.height() >= 48
    qtbot.mousePress(corner, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    wait_screen(qtbot, window, "staff_pin")


def test_the_kiosk_closes_only_from_staff_mode(qtbot: Any, store: Store) -> None:
    window = open_window(qtbot, services_for(store))
    window.allow_close = False
    window.close()
    assert window.isVisible()
    login(qtbot, window)
    wait_screen(qtbot, window, "staff")
    tap(qtbot, window, "staff_close")
    until(qtbot, lambda: not window.isVisible())


def test_reception_confirms_a_phone_check_in_with_one_tap(qtbot: Any, any_store: Store) -> None:
    any_store.register_visit("13900005555", name="刘先生", verified=False, actor="kiosk")
    window = open_window(qtbot, services_for(any_store))
    login(qtbot, window)
    wait_screen(qtbot, window, "staff")
    queue = window.screen("staff").queue
    until(qtbot, lambda: len(queue.rows) == 1)
    assert "139****5555  刘先生" in text(window, f"pending_{queue.rows[0].visit_seq}")
    tap(qtbot, window, f"confirm_{queue.rows[0].visit_seq}")
    until(qtbot, lambda: text(window, "queue_message") == "没有待确认的登记")
    assert any_store.customer_view("13900005555").owner == "李强"


def test_reception_dismisses_a_mistake_and_corrects_a_number(qtbot: Any, store: Store) -> None:
    store.register_visit("13900006666", name="陈女士", verified=False, actor="kiosk")
    store.register_visit("13900007777", name="周先生", verified=False, actor="kiosk")
    window = open_window(qtbot, services_for(store))
    login(qtbot, window)
    wait_screen(qtbot, window, "staff")
    queue = window.screen("staff").queue
    until(qtbot, lambda: len(queue.rows) == 2)
    first, second = (row.visit_seq for row in queue.rows)
    tap(qtbot, window, f"dismiss_{first}")
    until(qtbot, lambda: [r.visit_seq for r in queue.rows] == [second])
    tap(qtbot, window, f"correct_{second}")
    type_digits(qtbot, window, "13900007778", pad="correct_digits")
    tap(qtbot, window, "correct_ok")
    until(qtbot, lambda: queue.rows == [] and text(window, "queue_message") == "没有待确认的登记")
    assert store.customer_view("13900007778").owner != "none"
    assert reception.pending_checkins(store) == []


def test_walk_in_on_the_receptionists_behalf_is_verified(qtbot: Any, any_store: Store) -> None:
    window = open_window(qtbot, services_for(any_store))
    login(qtbot, window)
    wait_screen(qtbot, window, "staff")
    window.screen("staff").tabs.setCurrentIndex(1)
    tap(qtbot, window, "walkin_start")
    phone_path(qtbot, window, "13600008888", surname="王", title="title_mr")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert any_store.customer_view("13600008888").owner == "李强"
    tap(qtbot, window, "done_home")
    wait_screen(qtbot, window, "staff")


def test_rotation_board_toggles_busy_and_shows_who_is_next(qtbot: Any, store: Store) -> None:
    window = open_window(qtbot, services_for(store))
    login(qtbot, window)
    wait_screen(qtbot, window, "staff")
    rotation = window.screen("staff").rotation
    until(qtbot, lambda: text(window, "rotation_message") == "下一位：李强")
    window.screen("staff").tabs.setCurrentIndex(2)
    tap(qtbot, window, "busy_李强")
    until(qtbot, lambda: text(window, "rotation_message") == "下一位：王丽")
    assert [(slot.name, slot.busy) for slot in reception.rotation_board(store)] == [("李强", True), ("王丽", False)]
    assert rotation.duty == ["李强", "王丽"]


def test_a_protected_customer_checking_in_is_announced_for_the_owner(qtbot: Any, any_store: Store) -> None:
    from service.live import LiveFeed

    any_store.register_visit("13500001010", name="孙女士", actor="kiosk")  # verified: 李强 owns her
    services = services_for(any_store, live=lambda store: LiveFeed(store, poll_interval=0.05))
    window = open_window(qtbot, services)
    with qtbot.waitSignal(window.arrival, timeout=20_000) as arrived:
        tap(qtbot, window, "choice_phone")
        phone_path(qtbot, window, "13500001010", surname="孙")
        tap(qtbot, window, "submit")
    assert arrived.args[0].owner == "李强" and arrived.args[0].phone_masked == "135****1010"
    assert services.alerts == ["到访提醒：孙女士 135****1010 已到，归属置业顾问 李强"]
    window.close()


def test_settings_are_saved_to_the_station_and_the_sources_to_the_project(
        qtbot: Any, store: Store, data_dir: Any) -> None:
    from db.config import settings

    window = open_window(qtbot, services_for(store))
    login(qtbot, window)
    wait_screen(qtbot, window, "staff")
    staff = window.screen("staff")
    staff.tabs.setCurrentIndex(4)
    tab = staff.settings
    tab.refresh()
    until(qtbot, lambda: window.runner.pending == 0 and bool(tab.sources))
    tap(qtbot, window, "settings_camera_none")
    tap(qtbot, window, "settings_language_en")
    names = [source.name for source in tab.sources]
    keep = names[0]
    for index, name in enumerate(names):
        if name != keep and name in tab.enabled:
            tap(qtbot, window, f"settings_source_{index}")
    tap(qtbot, window, "settings_save")
    until(qtbot, lambda: window.runner.pending == 0 and "已保存" in text(window, "settings_message"))
    saved = settings()["kiosk"]
    assert saved["camera"] == "none" and saved["language"] == "en"
    assert [source.name for source in reception.sources(store)] == [keep]
    tap(qtbot, window, "settings_source_0")  # none left: refused, nothing saved
    tap(qtbot, window, "settings_save")
    assert text(window, "settings_message") == "至少保留一种登记来源"
    assert [source.name for source in reception.sources(store)] == [keep]
