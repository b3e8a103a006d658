"""Login, wrong passwords, the idle lock and logging out; pages shown by role."""

from __future__ import annotations

from typing import Any

from console.pages import PAGES, page_class
from service.roles import can
from service.store import Store
from tests.console.conftest import PASSWORD, USERS
from tests.console.helpers import open_console, settle


def _login(window: Any, name: str, password: str) -> None:
    window.login.name.setText(name)
    window.login.password.setText(password)
    window.login.submit()
    settle(window)


def test_login_opens_the_pages_of_the_role(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store)
    assert window.root.currentWidget() is window.login
    _login(window, "经理", PASSWORD)
    assert window.root.currentWidget() is window.main
    assert window.user is not None and window.user.role == "manager"
    assert "经理" in window.user_label.text()


def test_each_role_sees_only_the_pages_it_may_use(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store)
    for name, (role, _consultant) in USERS.items():
        window.logout()
        _login(window, name, PASSWORD)
        shown = set(window.pages)
        expected = {key for key, _m in PAGES if (cls := page_class(key)) is not None and can(role, cls.permission)}
        assert shown == expected, name
    assert "rules" not in window.pages and "people" not in window.pages  # a consultant: no rules, no users


def test_a_wrong_password_is_refused_next_to_the_field(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store)
    _login(window, "经理", "wrong-password")
    assert window.root.currentWidget() is window.login
    assert window.login.form.error_text("login_password")
    assert window.login.password.text() == ""


def test_five_wrong_passwords_hold_the_user_off(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store)
    for _ in range(5):
        _login(window, "前台", "wrong-password")
    error = window.login.form.error_text("login_password")
    assert "秒" in error  # says how long to wait
    _login(window, "前台", PASSWORD)  # even the right password waits out the hold-off
    assert window.root.currentWidget() is window.login


def test_idle_locks_and_the_same_password_unlocks(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "经理", lock_minutes=0.001)  # 60 ms
    qtbot.waitUntil(lambda: window.root.currentWidget() is window.login, timeout=5000)
    assert window.login.name.isReadOnly() and window.login.name.text() == "经理"
    pages_before = dict(window.pages)
    window.lock_timer.setInterval(60_000)  # a slow machine must not lock again before the check
    _login(window, "经理", PASSWORD)
    assert window.root.currentWidget() is window.main
    assert window.pages == pages_before  # unlocking keeps the open pages (and what was typed in them)


def test_logout_forgets_the_user(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "李强")
    window.logout()
    assert window.user is None and not window.pages
    assert window.root.currentWidget() is window.login
