"""人员 page: consultants and users with roles; a manager adds a consultant, an admin adds users, sets
passwords and disables logins; bad input is refused next to its field; the Desk refuses other roles."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

import console.window
from console.pages import PAGES
from console.pages.people import PeoplePage
from db.database import read_session
from db.models import JournalEntry
from service import staff_admin, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from service.users import AuthError
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, open_console, settle

PAGE_8 = ("blacklist", "channels", "people", "duty")
NEW_SECRET = "new-secret-42"


@pytest.fixture(autouse=True)
def _only_page_8(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window builds only the 黑名单/渠道/人员/值班 pages: other pages' state is not under test here."""
    monkeypatch.setattr(console.window, "PAGES", tuple(p for p in PAGES if p[0] in PAGE_8))


def _page(qtbot: Any, store: Store, user: str) -> tuple[Any, PeoplePage]:
    window = open_console(qtbot, store, user)
    page = window.open_page("people")
    settle(window)
    assert isinstance(page, PeoplePage)
    return window, page


def _last_actor(store: Store, kind: str) -> str:
    with read_session(store.engine) as session:
        return str(session.scalar(sa.select(JournalEntry.actor).where(JournalEntry.kind == kind)
                                  .order_by(JournalEntry.seq.desc()).limit(1)))


def _fill_user(page: PeoplePage, name: str, role: str, secret: str, again: str | None = None) -> None:
    page.user_name.setText(name)
    page.user_role.setCurrentIndex(page.user_role.findData(role))
    page.user_secret.setText(secret)
    page.user_secret_again.setText(secret if again is None else again)


def test_consultants_show_duty_logins_and_customers(qtbot: Any, store: Store) -> None:
    store.register_visit("13812345678", name="张伟", consultant="王丽")
    store.set_busy("王丽", True)
    window, page = _page(qtbot, store, "经理")
    rows = {row.name: row for row in page.consultants.rows}
    assert [row.name for row in page.consultants.rows] == ["李强", "王丽"]
    assert (rows["王丽"].position, rows["王丽"].busy, rows["王丽"].logins, rows["王丽"].customers) == (2, True, ("王丽",), 1)
    assert {row.name: row.role for row in page.users.rows}["渠道经理"] == "channel_manager"


def test_a_manager_adds_a_consultant_and_an_admin_gives_them_a_login(qtbot: Any, any_store: Store) -> None:
    window, page = _page(qtbot, any_store, "经理")
    page.consultant_name.setText("张敏")
    click(qtbot, window, "add_consultant")
    assert "张敏" in [row.name for row in page.consultants.rows]
    assert _last_actor(any_store, "staff") == "经理"
    assert page.findChild(object, "add_user") is None  # users are the admin's

    window, page = _page(qtbot, any_store, "管理员")
    page.tabs.setCurrentIndex(1)
    page.user_name.setText("张敏")
    page.user_role.setCurrentIndex(page.user_role.findData("consultant"))
    assert page.user_consultant.currentData() == "张敏"  # a consultant logs in under their own name
    page.user_secret.setText(NEW_SECRET)
    page.user_secret_again.setText(NEW_SECRET)
    click(qtbot, window, "add_user")
    user = users.authenticate(any_store, "张敏", NEW_SECRET)
    assert (user.role, user.consultant) == ("consultant", "张敏")
    assert _last_actor(any_store, "user") == "管理员"
    assert page.user_name.text() == "" and page.user_secret.text() == ""


def test_bad_user_input_is_refused_next_to_the_field(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "管理员")
    page.tabs.setCurrentIndex(1)
    before = len(users.list_users(store))
    _fill_user(page, "新前台", "receptionist", "12")
    click(qtbot, window, "add_user")
    assert "至少" in page.user_form.error_text("user_secret")
    _fill_user(page, "前台", "receptionist", NEW_SECRET)
    click(qtbot, window, "add_user")
    assert "已被使用" in page.user_form.error_text("user_name")
    _fill_user(page, "新前台", "receptionist", NEW_SECRET, again="something-else")
    click(qtbot, window, "add_user")
    assert page.user_form.error_text("user_secret_again")
    _fill_user(page, "新前台", "receptionist", NEW_SECRET)
    page.user_role.setCurrentIndex(-1)
    click(qtbot, window, "add_user")
    assert page.user_form.error_text("user_role")
    _fill_user(page, "陈静", "consultant", NEW_SECRET)  # no consultant of that name: nothing to link
    click(qtbot, window, "add_user")
    assert page.user_form.error_text("user_consultant")
    assert page.user_name.text() == "陈静" and page.user_secret.text() == NEW_SECRET  # nothing typed is lost
    assert len(users.list_users(store)) == before

    admin = Desk(store, users.authenticate(store, "管理员", PASSWORD))
    with pytest.raises(staff_admin.FieldRefused) as refused:
        staff_admin.add_user(admin, "新前台", "cashier", NEW_SECRET)
    assert refused.value.field == "role" and "未知角色" in str(refused.value)


def test_an_admin_sets_a_password_and_disables_a_login(qtbot: Any, any_store: Store) -> None:
    window, page = _page(qtbot, any_store, "管理员")
    page.tabs.setCurrentIndex(1)
    page.users_view.selectRow([row.name for row in page.users.rows].index("前台"))
    assert "前台" in page.chosen_label.text()
    page.new_secret.setText("123")
    page.new_secret_again.setText("123")
    click(qtbot, window, "set_secret")
    assert page.secret_form.error_text("new_secret")
    page.new_secret.setText(NEW_SECRET)
    page.new_secret_again.setText(NEW_SECRET)
    click(qtbot, window, "set_secret")
    assert users.authenticate(any_store, "前台", NEW_SECRET).role == "receptionist"
    assert "前台" in page.chosen_label.text()  # still chosen after the reload

    click(qtbot, window, "disable_user")  # the first press only asks
    assert "确认" in page.disable_button.text()
    assert users.authenticate(any_store, "前台", NEW_SECRET)
    click(qtbot, window, "disable_user")
    with pytest.raises(AuthError):
        users.authenticate(any_store, "前台", NEW_SECRET)
    assert {row.name: row.active for row in page.users.rows}["前台"] is False
    assert not page.disable_button.isEnabled()

    admin = Desk(any_store, users.authenticate(any_store, "管理员", PASSWORD))
    with pytest.raises(staff_admin.FieldRefused):
        staff_admin.disable_user(admin, "管理员")  # not oneself


def test_who_sees_people_and_who_may_change_them(qtbot: Any, store: Store) -> None:
    manager = Desk(store, users.authenticate(store, "经理", PASSWORD))
    with pytest.raises(PermissionDenied):
        staff_admin.add_user(manager, "新前台", "receptionist", NEW_SECRET)
    with pytest.raises(PermissionDenied):
        staff_admin.set_user_secret(manager, "前台", NEW_SECRET)
    with pytest.raises(PermissionDenied):
        staff_admin.disable_user(manager, "前台")
    for name in ("渠道经理", "前台", "李强"):
        assert "people" not in open_console(qtbot, store, name).pages
        desk = Desk(store, users.authenticate(store, name, PASSWORD))
        with pytest.raises(PermissionDenied):
            staff_admin.add_consultant(desk, "张敏")
    assert [u.name for u in users.list_users(store) if u.name == "新前台"] == []
    with pytest.raises(staff_admin.FieldRefused):
        staff_admin.add_consultant(manager, "李强")  # taken
