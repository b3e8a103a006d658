"""值班 page: today's rotation with busy and next; a manager ticks and orders the roster and saves it;
an empty roster is refused next to the list; edits survive a live refresh; consultants and reception
only look, and the Desk refuses them."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt

import console.window
from console.pages import PAGES
from console.pages.duty import DutyPage
from db.database import read_session
from db.models import JournalEntry
from service import reception, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, open_console, settle

PAGE_8 = ("blacklist", "channels", "people", "duty")


@pytest.fixture(autouse=True)
def _only_page_8(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window builds only the 黑名单/渠道/人员/值班 pages: other pages' state is not under test here."""
    monkeypatch.setattr(console.window, "PAGES", tuple(p for p in PAGES if p[0] in PAGE_8))


def _page(qtbot: Any, store: Store, user: str) -> tuple[Any, DutyPage]:
    window = open_console(qtbot, store, user)
    page = window.open_page("duty")
    settle(window)
    assert isinstance(page, DutyPage)
    return window, page


def _board(page: DutyPage) -> list[tuple[str, bool, bool]]:
    return [(slot.name, slot.busy, slot.is_next) for _n, slot in page.board.rows]


def _tick(page: DutyPage, name: str, on: bool = True) -> None:
    item = page.roster.item(page.roster_names(checked_only=False).index(name))
    item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def test_the_board_shows_the_order_who_is_busy_and_who_is_next(qtbot: Any, store: Store) -> None:
    store.set_busy("李强", True)
    window, page = _page(qtbot, store, "前台")
    assert _board(page) == [("李强", True, False), ("王丽", False, True)]
    assert "接待中 1 人" in page.summary.text()
    assert not page.editor and page.findChild(object, "duty_save") is None


def test_a_manager_puts_a_new_consultant_first_on_duty(qtbot: Any, any_store: Store) -> None:
    any_store.add_consultant("张敏")
    window, page = _page(qtbot, any_store, "经理")
    assert page.roster_names(checked_only=False) == ["李强", "王丽", "张敏"]
    assert page.roster_names() == ["李强", "王丽"]
    _tick(page, "张敏")
    page.roster.setCurrentRow(2)
    click(qtbot, window, "duty_up")
    click(qtbot, window, "duty_up")
    _tick(page, "王丽", on=False)
    assert page.roster_names() == ["张敏", "李强"]
    click(qtbot, window, "duty_save")
    assert [slot.name for slot in reception.rotation_board(any_store)] == ["张敏", "李强"]
    assert _board(page) == [("张敏", False, True), ("李强", False, False)]
    with read_session(any_store.engine) as session:
        assert session.scalar(sa.select(JournalEntry.actor).where(JournalEntry.kind == "duty")
                              .order_by(JournalEntry.seq.desc()).limit(1)) == "经理"


def test_an_empty_roster_is_refused_next_to_the_list(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "经理")
    _tick(page, "李强", on=False)
    _tick(page, "王丽", on=False)
    click(qtbot, window, "duty_save")
    assert page.form.error_text("duty_roster")
    assert [slot.name for slot in reception.rotation_board(store)] == ["李强", "王丽"]


def test_the_managers_edits_survive_the_queue_moving_meanwhile(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "经理")
    page.roster.setCurrentRow(1)
    click(qtbot, window, "duty_up")  # 王丽 first
    store.register_visit("13812345678", name="张伟")  # a walk-in: 李强 takes it and goes to the end
    page.refresh()
    settle(window)
    assert _board(page) == [("王丽", False, True), ("李强", False, False)]
    assert page.roster_names() == ["王丽", "李强"]
    assert page.moved_note.isVisibleTo(page)
    click(qtbot, window, "duty_reset")
    assert not page.moved_note.isVisibleTo(page)


def test_consultants_see_only_the_duty_page_and_cannot_change_it(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "李强")
    assert set(window.pages) == {"duty"}
    assert page.findChild(object, "duty_save") is None
    for name in ("李强", "前台", "渠道经理", "管理员"):
        desk = Desk(store, users.authenticate(store, name, PASSWORD))
        with pytest.raises(PermissionDenied):
            desk.set_duty(["王丽"])
    assert [slot.name for slot in reception.rotation_board(store)] == ["李强", "王丽"]
