"""Staff mode goes through the Desk as the staff member signed in: refused as the console refuses the same
user (said in words), written with them as the actor, and signed out once their user is disabled."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from db.models import JournalEntry
from service import reception, users
from service.roles import can
from service.store import Store
from tests.kiosk.conftest import PIN, services_for
from tests.kiosk.helpers import find, open_window, tap, text, type_digits, until, wait_screen

STAFF = {"前台小王": "receptionist", "王经理": "manager", "管理员": "admin"}


@pytest.fixture
def staff_store(store: Store) -> Store:
    users.add_user(store, "王经理", "manager", PIN)
    users.add_user(store, "管理员", "admin", PIN)
    return store


def sign_in(qtbot: Any, window: Any, name: str) -> None:
    window.show_screen("staff_pin")
    pin_screen = window.screen("staff_pin")
    until(qtbot, lambda: pin_screen.findChild(type(pin_screen.enter_button), f"user_{name}") is not None)
    tap(qtbot, window, f"user_{name}")
    type_digits(qtbot, window, PIN, pad="pin_digits")
    tap(qtbot, window, "pin_enter")
    wait_screen(qtbot, window, "staff")
    until(qtbot, lambda: window.runner.pending == 0)


def journal(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [(row.kind, row.actor) for row in conn.execute(
            sa.select(JournalEntry.kind, JournalEntry.actor).order_by(JournalEntry.seq))]


def rotation(store: Store) -> list[tuple[str, bool]]:
    return [(slot.name, slot.busy) for slot in reception.rotation_board(store)]


def test_a_receptionist_cannot_save_the_roster_at_the_kiosk(qtbot: Any, staff_store: Store) -> None:
    window = open_window(qtbot, services_for(staff_store))
    sign_in(qtbot, window, "前台小王")
    tab = window.screen("staff").rotation
    window.screen("staff").tabs.setCurrentIndex(2)
    assert not find(window, "duty_save").isVisible()  # not offered, as the console offers it not
    before = journal(staff_store)
    tab._toggle_duty("王丽")
    tab._save_duty()  # and refused all the same, should a button offer it
    until(qtbot, lambda: "无权" in text(window, "rotation_message"))
    assert text(window, "rotation_message") == "前台小王（前台）无权进行此操作，请联系案场经理"
    assert journal(staff_store) == before
    assert [name for name, _busy in rotation(staff_store)] == ["李强", "王丽"]


def test_a_manager_saves_the_roster_at_the_kiosk_as_themself(qtbot: Any, staff_store: Store) -> None:
    window = open_window(qtbot, services_for(staff_store))
    sign_in(qtbot, window, "王经理")
    window.screen("staff").tabs.setCurrentIndex(2)
    until(qtbot, lambda: find(window, "duty_王丽").isVisible())
    tap(qtbot, window, "duty_王丽")
    tap(qtbot, window, "duty_save")
    until(qtbot, lambda: [name for name, _busy in rotation(staff_store)] == ["李强"])
    assert journal(staff_store)[-1] == ("duty", "王经理")


@pytest.mark.parametrize("name", list(STAFF))
def test_busy_marks_at_the_kiosk_follow_the_role_matrix(qtbot: Any, staff_store: Store, name: str) -> None:
    window = open_window(qtbot, services_for(staff_store))
    sign_in(qtbot, window, name)
    window.screen("staff").tabs.setCurrentIndex(2)
    until(qtbot, lambda: text(window, "rotation_message") == "下一位：李强")
    before = journal(staff_store)
    tap(qtbot, window, "busy_李强")
    if can(STAFF[name], "duty.busy"):
        until(qtbot, lambda: text(window, "rotation_message") == "下一位：王丽")
        assert journal(staff_store) == [*before, ("busy", name)]
        assert rotation(staff_store) == [("李强", True), ("王丽", False)]
    else:
        until(qtbot, lambda: "无权" in text(window, "rotation_message"))
        assert journal(staff_store) == before
        assert rotation(staff_store) == [("李强", False), ("王丽", False)]


def test_confirming_at_the_kiosk_names_the_receptionist(qtbot: Any, staff_store: Store) -> None:
    staff_store.register_visit("13900005555", name="刘先生", verified=False, actor="kiosk")
    window = open_window(qtbot, services_for(staff_store))
    sign_in(qtbot, window, "前台小王")
    queue = window.screen("staff").queue
    until(qtbot, lambda: len(queue.rows) == 1)
    tap(qtbot, window, f"confirm_{queue.rows[0].visit_seq}")
    until(qtbot, lambda: text(window, "queue_message") == "没有待确认的登记")
    assert journal(staff_store)[-1] == ("confirm", "前台小王")


def test_a_user_disabled_meanwhile_is_signed_out_at_the_next_act(qtbot: Any, staff_store: Store) -> None:
    window = open_window(qtbot, services_for(staff_store))
    sign_in(qtbot, window, "前台小王")
    window.screen("staff").tabs.setCurrentIndex(2)
    until(qtbot, lambda: text(window, "rotation_message") == "下一位：李强")
    users.disable_user(staff_store, "前台小王", actor="管理员")
    before = journal(staff_store)
    tap(qtbot, window, "busy_李强")
    wait_screen(qtbot, window, "staff_pin")
    assert window.staff_user is None
    assert text(window, "pin_message") == "您的账号已停用，已退出前台模式"
    assert journal(staff_store) == before


def test_sources_are_saved_through_the_desk(qtbot: Any, staff_store: Store, data_dir: Any) -> None:
    window = open_window(qtbot, services_for(staff_store))
    sign_in(qtbot, window, "前台小王")
    tab = window.screen("staff").settings
    until(qtbot, lambda: bool(tab.sources))
    tab.save()
    until(qtbot, lambda: "已保存" in tab.message.text())
    assert journal(staff_store)[-1] == ("setting", "前台小王")


def test_a_walk_in_is_begun_only_for_a_user_still_signed_in(qtbot: Any, staff_store: Store) -> None:
    window = open_window(qtbot, services_for(staff_store))
    sign_in(qtbot, window, "前台小王")
    window.screen("staff").tabs.setCurrentIndex(1)
    users.disable_user(staff_store, "前台小王", actor="管理员")
    tap(qtbot, window, "walkin_start")
    wait_screen(qtbot, window, "staff_pin")
    assert window.flow is None and text(window, "pin_message") == "您的账号已停用，已退出前台模式"
