"""A console session does not outlive its user: a user disabled meanwhile is refused at their next write
and logged out, the login screen saying why; a demoted manager is refused a manager's act at once."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt

import console.window
from console.pages import PAGES
from db.database import run_write
from db.models import UserAccount
from service import reception, users
from service.store import Store
from tests.console.helpers import click, open_console, settle


@pytest.fixture(autouse=True)
def _only_the_duty_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console.window, "PAGES", tuple(p for p in PAGES if p[0] == "duty"))


def untick_wang_li_and_save(qtbot: Any, window: Any) -> None:
    page = window.open_page("duty")
    settle(window)
    page.roster.item(page.roster_names(checked_only=False).index("王丽")).setCheckState(Qt.CheckState.Unchecked)
    click(qtbot, window, "duty_save")
    settle(window)


def test_a_user_disabled_meanwhile_is_logged_out_at_the_next_write(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "经理")
    users.disable_user(store, "经理", actor="管理员")
    untick_wang_li_and_save(qtbot, window)
    assert [slot.name for slot in reception.rotation_board(store)] == ["李强", "王丽"]
    assert window.user is None and window.root.currentWidget() is window.login
    assert not window.login.notice.isHidden()
    assert window.login.notice.text() == "您的账号（经理）已停用，已退出登录。如有疑问请联系管理员。"


def test_a_demoted_manager_is_refused_a_managers_act_at_the_next_write(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "经理")
    run_write(store.engine, lambda session: session.execute(  # no command changes a role yet: as SQL would
        sa.update(UserAccount).where(UserAccount.name == "经理").values(role="receptionist")), site_lock=False)
    untick_wang_li_and_save(qtbot, window)
    assert [slot.name for slot in reception.rotation_board(store)] == ["李强", "王丽"]
    assert window.user is not None and window.user.role == "receptionist"
    assert "没有此操作的权限" in window.refusal_banner.text.text()
