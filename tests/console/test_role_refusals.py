"""The refusals for the wrong role that the page tests left out (issue 8: each page's main actions as
each role, refusals included): logged in as that role the page hides the action, and the store refuses
it through the Desk all the same, writing nothing. The roles each page test already covers are not
repeated here.

| page | roles added here |
|---|---|
| 今日 | 渠道经理: no queue, no 接待, no busy toggles; confirm, 接待开始 and busy refused |
| 客户 | 前台, 渠道经理, 管理员: a customer's page without actions or 查看完整号码; every action refused |
| 判客 | 管理员: reads cases, no decision form, no appeal button; deciding and appealing refused |
| 公海 | 经理, 管理员: the pool without the claim button; 渠道经理's claim refused |
| 报备 | 前台: the entry refused |
| 预警 | 前台: every step refused; a consultant's 拉黑 (with the warning's customer) refused |
| 黑名单 | 渠道经理, 管理员: the list without the editor; listing refused |
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtWidgets import QFrame, QPushButton

from console.pages.pool import PoolPage
from db.database import read_session
from db.models import JournalEntry
from service import appeals, blacklist_admin, users
from service.desk import Desk
from service.queries import blacklist as blacklist_queries
from service.roles import PermissionDenied
from service.serving import start_reception
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import find, open_console, settle
from tests.console.test_cases import dispute
from tests.console.test_cases import page_of as cases_page
from tests.console.test_customers import WANG, customers_page, open_customer, people
from tests.console.test_pool import LAPSES, stock
from tests.console.test_warnings import raise_warnings


@pytest.fixture
def store(any_store: Store) -> Store:
    """Every refusal here on SQLite and on PostgreSQL."""
    return any_store


def journal_size(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0)


def desk(store: Store, user: str) -> Desk:
    return Desk(store, users.authenticate(store, user, PASSWORD))


def refused_all(store: Store, attempts: list[Any]) -> None:
    """Every attempt is refused as a permission, and the journal is as it was."""
    before = journal_size(store)
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert journal_size(store) == before


def test_today_the_channel_manager_only_watches(qtbot: Any, store: Store) -> None:
    visit = store.register_visit("13812345678", consultant="王丽", verified=False)
    window = open_console(qtbot, store, "渠道经理")
    page = window.open_page("today")
    settle(window)
    assert page.findChild(QFrame, "queue_card") is None and page.findChild(QPushButton, "busy_王丽") is None
    assert not find(page, "serve_bar").isVisibleTo(page)
    channel_manager = desk(store, "渠道经理")
    customer = store.customer_id("13812345678") or 0
    refused_all(store, [lambda: channel_manager.confirm_checkin(customer),
                        lambda: channel_manager.dismiss_checkin(visit.seq),
                        lambda: channel_manager.correct_checkin(visit.seq, "13912345678"),
                        lambda: start_reception(channel_manager, visit.seq),
                        lambda: channel_manager.set_busy("王丽", True)])


@pytest.mark.parametrize("user", ["前台", "渠道经理", "管理员"])
def test_customers_roles_that_only_look_have_no_actions_and_are_refused(qtbot: Any, store: Store,
                                                                        user: str) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, user)
    open_customer(window, page, ids[WANG])
    actions = page.detail.action_panel
    assert not any(b.isVisibleTo(actions) for b in actions.buttons.values())
    assert not page.detail.reveal_button.isVisibleTo(page.detail)
    looker, customer = desk(store, user), ids[WANG]
    refused_all(store, [lambda: looker.follow_up(customer, "回访", consultant="王丽"),
                        lambda: looker.change_stage(customer, "pledge", consultant="王丽"),
                        lambda: looker.release(customer, consultant="王丽"),
                        lambda: looker.assign(customer, "李强"),
                        lambda: looker.reveal(customer, "客户来电要求回拨")])


def test_cases_the_admin_reads_but_neither_decides_nor_appeals(qtbot: Any, store: Store) -> None:
    case_id = dispute(store)
    window = open_console(qtbot, store, "管理员")
    page = cases_page(window)
    assert [row.id for row in page.model.rows] == [case_id]
    assert page.findChild(QPushButton, "appeal") is None
    page.open_case(case_id)
    settle(window)
    assert not page.detail.decision.isVisibleTo(window)
    admin = desk(store, "管理员")
    customer = store.customer_id("13812345678") or 0
    refused_all(store, [lambda: admin.decide_case(case_id, "李强", ""),
                        lambda: appeals.file_appeal(admin, customer, "客户是我先接待的")])


@pytest.mark.parametrize("user", ["经理", "管理员"])
def test_the_pool_is_shown_without_a_claim_to_those_who_may_not_claim(qtbot: Any, store: Store,
                                                                       user: str) -> None:
    stock(store)
    window = open_console(qtbot, store, user)
    window.open_page("pool")
    settle(window)
    page = window.pages["pool"]
    assert isinstance(page, PoolPage) and page.model.rows
    assert not page.claim_button.isVisibleTo(window)


def test_the_channel_manager_cannot_claim_from_the_pool(store: Store) -> None:
    stock(store)
    customer = store.customer_id(LAPSES) or 0
    refused_all(store, [lambda: desk(store, "渠道经理").claim(customer)])


def test_reception_cannot_enter_a_report(store: Store) -> None:
    refused_all(store, [lambda: desk(store, "前台").record_report("贝壳", "周杰", "13800000001")])


def test_warnings_reception_takes_no_step_and_a_consultant_cannot_blacklist(store: Store) -> None:
    ids = raise_warnings(store)
    reception, li = desk(store, "前台"), desk(store, "李强")
    customer = store.site().warnings[ids["repeat"]].customer
    refused_all(store, [*(lambda s=status: reception.update_warning(ids["repeat"], s, "看一看")
                          for status in ("following", "intervened", "resolved", "dismissed")),
                        lambda: blacklist_admin.blacklist_for_warning(reception, ids["repeat"], "拉黑",
                                                                      ("customer_id", customer)),
                        lambda: blacklist_admin.blacklist_for_warning(li, ids["repeat"], "职业看房人",
                                                                      ("customer_id", customer))])
    assert store.site().warnings[ids["repeat"]].status == "open"


@pytest.mark.parametrize("user", ["渠道经理", "管理员"])
def test_the_blacklist_is_read_only_for_those_who_may_only_look(qtbot: Any, store: Store, user: str) -> None:
    blacklist_admin.set_listed(desk(store, "经理"), agent="周杰", reason="多次恶意截客")
    window = open_console(qtbot, store, user)
    page = window.open_page("blacklist")
    settle(window)
    assert [row.shown for row in page.current.rows] == ["周杰"]
    assert page.findChild(QPushButton, "blacklist_add") is None and not page.editor
    looker = desk(store, user)
    refused_all(store, [lambda: blacklist_admin.set_listed(looker, agent="郑伟", reason="多次恶意截客"),
                        lambda: blacklist_admin.set_listed(looker, agent="周杰", reason="已核实无误", listed=False),
                        lambda: blacklist_admin.list_phone(looker, "13812345678", "恶意骚扰电话")])
    assert [entry.shown for entry in blacklist_queries.listed(store)] == ["周杰"]
