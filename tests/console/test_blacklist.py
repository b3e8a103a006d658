"""黑名单 page: a manager lists a customer found by digits, a new full number, an agent (and unlists
it), each with a reason; bad input is refused next to its field; a receptionist only looks; a
consultant does not see the page; the Desk refuses the write for the wrong role."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

import console.window
from console.pages import PAGES
from console.pages.blacklist import BlacklistPage
from db.database import read_session
from db.models import JournalEntry
from service import blacklist_admin, reception, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, open_console, settle

REASON = "多次恶意截客，经理核实"


def _journal_size(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0)
PAGE_8 = ("blacklist", "channels", "people", "duty")


@pytest.fixture(autouse=True)
def _only_page_8(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window builds only the 黑名单/渠道/人员/值班 pages: other pages' state is not under test here."""
    monkeypatch.setattr(console.window, "PAGES", tuple(p for p in PAGES if p[0] in PAGE_8))


def _page(qtbot: Any, store: Store, user: str) -> tuple[Any, BlacklistPage]:
    window = open_console(qtbot, store, user)
    page = window.open_page("blacklist")
    settle(window)
    assert isinstance(page, BlacklistPage)
    return window, page


def _search(qtbot: Any, window: Any, page: BlacklistPage, text: str) -> None:
    page.kind.setCurrentIndex(page.kind.findData("customer"))
    page.search.setText(text)
    click(qtbot, window, "blacklist_find")


def test_a_manager_lists_a_customer_found_by_the_last_four_digits(qtbot: Any, any_store: Store) -> None:
    any_store.register_visit("13812345678", name="张伟")
    any_store.register_visit("13900005678", name="李娜")  # the same last four digits: two to choose from
    window, page = _page(qtbot, any_store, "经理")
    _search(qtbot, window, page, "5678")
    assert page.picks.count() == 2
    shown = [page.picks.item(i).text() for i in range(2)]
    assert "138****5678 张*" in shown and "139****5678 李*" in shown
    assert all("12345678" not in text for text in shown)  # never the full number
    page.picks.setCurrentRow(shown.index("138****5678 张*"))
    page.reason.setText(REASON)
    click(qtbot, window, "blacklist_add")

    assert reception.is_blacklisted(any_store, phone="13812345678")
    assert not reception.is_blacklisted(any_store, phone="13900005678")
    row = next(r for r in page.current.rows if r.kind == "customer")
    assert (row.shown, row.by, row.reason) == ("138****5678 张*", "经理", REASON)
    assert row.since is not None
    change = page.history.rows[0]
    assert change.listed and change.actor == "经理" and change.reason == REASON
    with read_session(any_store.engine) as session:  # the reason is a note: only its ref is journalled
        payloads = list(session.scalars(sa.select(JournalEntry.payload).where(JournalEntry.kind == "blacklist_reason")))
    assert len(payloads) == 1 and "截客" not in payloads[0]
    assert page.reason.text() == "" and page.search.text() == ""  # the typed search is not kept


def test_a_customer_is_found_by_surname_initials_or_the_masked_form(qtbot: Any, store: Store) -> None:
    store.register_visit("13812345678", name="张伟")
    store.register_visit("13900001111", name="李娜")
    window, page = _page(qtbot, store, "经理")
    for text in ("张", "zw", "138xxxx5678", "138 1234 5678"):
        _search(qtbot, window, page, text)
        assert [page.picks.item(i).text() for i in range(page.picks.count())] == ["138****5678 张*"], text
        assert page.picks.currentRow() == 0  # a single match is chosen


def test_a_full_number_nobody_has_is_listed_as_a_new_customer(qtbot: Any, any_store: Store) -> None:
    window, page = _page(qtbot, any_store, "经理")
    _search(qtbot, window, page, "159 1234 0000")
    assert page.picks.count() == 1 and "159****0000" in page.picks.item(0).text()
    assert "新号码" in page.picks.item(0).text()
    page.reason.setText(REASON)
    click(qtbot, window, "blacklist_add")
    assert reception.is_blacklisted(any_store, phone="15912340000")
    assert [r.shown for r in page.current.rows] == ["159****0000"]


def test_bad_input_is_refused_next_to_the_field_and_writes_nothing(qtbot: Any, store: Store) -> None:
    store.register_visit("13812345678", name="张伟")
    window, page = _page(qtbot, store, "经理")
    before = _journal_size(store)
    _search(qtbot, window, page, "010 6512 3456")  # a fixed line: not a customer's number
    assert "无效" in page.form.error_text("blacklist_customer")
    _search(qtbot, window, page, "?!")
    assert "姓氏" in page.form.error_text("blacklist_customer")
    _search(qtbot, window, page, "0000")
    assert "没有找到" in page.form.error_text("blacklist_customer")
    page.reason.setText("原因")  # found nothing to list yet
    click(qtbot, window, "blacklist_add")
    assert "选择客户" in page.form.error_text("blacklist_customer")

    _search(qtbot, window, page, "5678")
    page.reason.setText("坏")  # too short
    click(qtbot, window, "blacklist_add")
    assert page.form.error_text("blacklist_reason")
    assert page.reason.text() == "坏" and page.picks.count() == 1  # nothing typed is lost
    assert _journal_size(store) == before


def test_an_agent_is_listed_and_unlisted_each_with_a_reason(qtbot: Any, any_store: Store) -> None:
    window, page = _page(qtbot, any_store, "经理")
    page.kind.setCurrentIndex(page.kind.findData("agent"))
    page.agent.setCurrentIndex(page.agent.findData("吴芳"))
    assert page.agent.currentText() == "吴芳（贝壳）"
    page.reason.setText(REASON)
    click(qtbot, window, "blacklist_add")
    assert "吴芳" in any_store.site().blacklisted_agents
    [row] = page.current.rows
    assert (row.kind, row.shown, row.channel, row.reason) == ("agent", "吴芳", "贝壳", REASON)

    page.kind.setCurrentIndex(page.kind.findData("agent"))
    page.agent.setCurrentIndex(page.agent.findData("吴芳"))
    page.reason.setText(REASON)
    click(qtbot, window, "blacklist_add")  # listed already: said, not written twice
    assert "已在黑名单" in page.form.error_text("blacklist_agent")

    page.current_view.selectRow(0)
    assert "吴芳" in page.unlist_target.text()
    page.unlist_reason.setText("渠道担保，整改完成")
    click(qtbot, window, "blacklist_remove")
    assert "吴芳" not in any_store.site().blacklisted_agents
    assert page.current.rows == []
    assert [(c.listed, c.reason) for c in page.history.rows] == [(False, "渠道担保，整改完成"), (True, REASON)]


def test_a_channel_is_listed(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "经理")
    page.kind.setCurrentIndex(page.kind.findData("channel"))
    page.channel.setCurrentIndex(page.channel.findData("链家"))
    page.reason.setText(REASON)
    click(qtbot, window, "blacklist_add")
    assert "链家" in store.site().blacklisted_channels
    assert [(r.kind, r.shown) for r in page.current.rows] == [("channel", "链家")]


def test_a_receptionist_sees_the_list_but_cannot_change_it(qtbot: Any, store: Store) -> None:
    manager = Desk(store, users.authenticate(store, "经理", PASSWORD))
    blacklist_admin.set_listed(manager, agent="周杰", reason=REASON)
    window, page = _page(qtbot, store, "前台")
    assert [r.shown for r in page.current.rows] == ["周杰"]
    assert page.findChild(object, "blacklist_add") is None and not page.editor
    desk = Desk(store, users.authenticate(store, "前台", PASSWORD))
    before = _journal_size(store)
    with pytest.raises(PermissionDenied):
        blacklist_admin.set_listed(desk, agent="郑伟", reason=REASON)
    with pytest.raises(PermissionDenied):
        blacklist_admin.list_phone(desk, "13812345678", REASON)
    assert _journal_size(store) == before


def test_a_consultant_does_not_see_the_blacklist(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "李强")
    assert "blacklist" not in window.pages
    desk = Desk(store, users.authenticate(store, "李强", PASSWORD))
    with pytest.raises(PermissionDenied):
        blacklist_admin.set_listed(desk, channel="贝壳", reason=REASON)
