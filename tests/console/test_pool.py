"""公海 page: who is in the pool, since when and why (lapsed, released); a consultant's claim with the
daily limit and the cooldown shown before the tap and the engine's refusal reason after; who sees the
page and who may claim (the Desk refuses the rest)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from console.pages.pool import PoolPage
from db.clock import ManualClock
from db.database import read_session
from db.models import JournalEntry
from service import users
from service.desk import Desk
from service.queries import pool as queries
from service.roles import PermissionDenied
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, open_console, settle
from tests.db.stores import T0

LAPSES = "13800000001"  # 李强's, no follow-up: in the pool after protection.follow_up_days (7)
RELEASED = "13800000002"  # 李强 gives it up on day 2
KEPT = "13800000003"  # 王丽's, followed up: stays hers


def at(days: float) -> Any:
    return T0 + timedelta(days=days)


def stock(store: Store) -> None:
    clock: Any = store.clock
    clock.at = at(0)
    store.register_visit(LAPSES, consultant="李强", name="张先生")
    store.register_visit(RELEASED, consultant="李强", name="刘女士")
    store.register_visit(KEPT, consultant="王丽")
    clock.at = at(2)
    store.release(RELEASED, "李强")
    clock.at = at(6)
    store.follow_up(KEPT, "王丽")
    clock.at = at(9)


def page_of(window: Any) -> PoolPage:
    window.open_page("pool")
    settle(window)
    page = window.pages["pool"]
    assert isinstance(page, PoolPage)
    return page


def select(page: PoolPage, phone_end: str) -> None:
    row = next(i for i, r in enumerate(page.model.rows) if r.phone.endswith(phone_end))
    page.table.selectRow(row)


def cell(page: PoolPage, row: int, title: str) -> str:
    column = next(i for i, c in enumerate(page.model.columns) if c.title == title)
    return str(page.model.data(page.model.index(row, column)))


def journal_size(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0)


def test_the_pool_shows_how_long_and_why(qtbot: Any, store: Store, tmp_path: Path) -> None:
    stock(store)
    window = open_console(qtbot, store, "经理")
    page = page_of(window)
    shown = {r.phone: r for r in page.model.rows}
    assert set(shown) == {"138****0001", "138****0002"}  # 王丽's followed-up customer is not in the pool
    lapsed, released = shown["138****0001"], shown["138****0002"]
    assert (lapsed.why, lapsed.since, lapsed.previous_owner) == (queries.LAPSED, at(7), "李强")
    assert (released.why, released.since, released.previous_owner) == (queries.RELEASED, at(2), "李强")
    rows = [r.phone for r in page.model.rows]
    assert cell(page, rows.index("138****0001"), "入池原因") == "保护期满"
    assert cell(page, rows.index("138****0001"), "在公海") == "2 天 0 小时"
    assert cell(page, rows.index("138****0002"), "入池原因") == "顾问释放"
    assert cell(page, rows.index("138****0002"), "在公海") == "7 天 0 小时"
    assert cell(page, rows.index("138****0001"), "客户") == "138****0001 张先生"
    assert "公海共 2 位客户" in page.allowance_label.text() and "每位顾问每天最多认领 3 个" in page.allowance_label.text()
    assert not page.claim_button.isVisibleTo(window)  # a manager does not claim
    window.grab().save(str(tmp_path / "pool.png"))


def test_a_consultant_claims_with_the_allowance_shown_before_and_the_result_after(qtbot: Any,
                                                                                   any_store: Store) -> None:
    stock(any_store)
    window = open_console(qtbot, any_store, "王丽")
    page = page_of(window)
    assert "今日已认领 0 / 3 个，还可认领 3 个" in page.allowance_label.text()
    assert "7 天内不能重新认领" in page.allowance_label.text() and "认领后保护 15 天" in page.allowance_label.text()
    select(page, "0001")
    assert page.claim_hint.text() == "认领 138****0001：保护 15 天；今日还可认领 3 个"
    click(qtbot, window, "claim")
    settle(window)
    assert page.claim_result.text() == "认领成功：138****0001 现归您"
    assert [r.phone for r in page.model.rows] == ["138****0002"]
    assert "今日已认领 1 / 3 个，还可认领 2 个" in page.allowance_label.text()
    assert Desk(any_store, users.authenticate(any_store, "王丽", PASSWORD)).owner_of(
        any_store.customer_id(LAPSES) or 0) == "王丽"


def test_a_manager_assigns_a_customer_from_the_pool(qtbot: Any, any_store: Store) -> None:
    """Issue 15, item 11e: the manager's 公海 offered no action; the customer page's 指派, from the pool."""
    stock(any_store)
    window = open_console(qtbot, any_store, "经理")
    page = page_of(window)
    assert page.assign_button.isVisibleTo(window) and not page.claim_button.isVisibleTo(window)
    assert [page.assign_to.itemText(i) for i in range(page.assign_to.count())] == ["李强", "王丽"]
    assert not page.assign_button.isEnabled()  # nobody chosen yet
    select(page, "0001")
    assert not page.assign_button.isEnabled()  # a customer, but no consultant
    page.assign_to.setCurrentIndex(page.assign_to.findData("王丽"))
    assert page.claim_hint.text() == "把 138****0001 指派给所选顾问：归属保护期重新计算"
    click(qtbot, window, "pool_assign")
    settle(window)
    assert page.claim_result.text() == "已指派：138****0001 现归 王丽" and page.claim_result.property("role") == "success"
    assert [r.phone for r in page.model.rows] == ["138****0002"]
    manager = Desk(any_store, users.authenticate(any_store, "经理", PASSWORD))
    assert manager.owner_of(any_store.customer_id(LAPSES) or 0) == "王丽"
    with read_session(any_store.engine) as session:
        last = session.scalars(sa.select(JournalEntry).order_by(JournalEntry.seq.desc()).limit(1)).one()
    assert (last.kind, last.actor) == ("assign", "经理")


@pytest.mark.parametrize("user", ["管理员", "王丽"])
def test_only_a_manager_is_offered_the_assignment(qtbot: Any, store: Store, user: str) -> None:
    stock(store)
    window = open_console(qtbot, store, user)
    page = page_of(window)
    assert not page.assign_button.isVisibleTo(window) and not page.assign_to.isVisibleTo(window)
    assert page.claim_button.isVisibleTo(window) is (user == "王丽")  # a consultant claims instead


def test_an_assignment_refused_is_said_beside_the_pool(qtbot: Any, store: Store) -> None:
    stock(store)
    window = open_console(qtbot, store, "经理")
    page = page_of(window)
    select(page, "0001")
    page.assign_to.setCurrentIndex(page.assign_to.findData("王丽"))
    store.clock = ManualClock(at(0), checked=True)  # this PC's clock days behind the journal
    before = journal_size(store)
    click(qtbot, window, "pool_assign")
    settle(window)
    assert page.claim_result.text().startswith("本机时钟与站点记录不一致") and window.clock_banner.isVisible()
    assert journal_size(store) == before  # nothing assigned


def test_the_cooldown_is_shown_before_the_tap_and_the_refusal_after(qtbot: Any, any_store: Store) -> None:
    stock(any_store)
    window = open_console(qtbot, any_store, "李强")
    page = page_of(window)
    select(page, "0002")  # released by 李强 on day 2, now day 9: the cooldown is over
    assert page.claim_hint.text().startswith("认领 138****0002")
    select(page, "0001")  # lapsed on day 7: 李强 waits until day 14
    assert page.claim_hint.text() == "冷静期：您失去或释放了该客户，03-15 10:00 之前不能重新认领"
    assert cell(page, [r.phone for r in page.model.rows].index("138****0001"), "备注") == "冷静期至 03-15 10:00"
    before = journal_size(any_store)
    click(qtbot, window, "claim")
    settle(window)
    assert page.claim_result.text() == "认领未成功：冷静期内不能重新认领（规则 pool.reclaim_cooldown_days）"
    assert page.claim_result.property("role") == "error"
    assert journal_size(any_store) == before + 1  # the refused claim is journalled with its reason
    assert "138****0001" in [r.phone for r in page.model.rows]


def test_the_daily_limit_is_shown_and_enforced(qtbot: Any, any_store: Store) -> None:
    stock(any_store)
    any_store.change_rules({"pool.daily_claim_limit": 1})
    window = open_console(qtbot, any_store, "王丽")
    page = page_of(window)
    select(page, "0002")
    click(qtbot, window, "claim")
    settle(window)
    assert "还可认领 0 个" in page.allowance_label.text() and page.allowance_label.property("role") == "warning"
    select(page, "0001")
    assert page.claim_hint.text() == "今日认领已达上限（1 个），明天可再认领"
    click(qtbot, window, "claim")
    settle(window)
    assert page.claim_result.text() == "认领未成功：今日认领已达上限（规则 pool.daily_claim_limit）"


def test_a_blacklisted_customer_is_marked_before_the_tap(qtbot: Any, store: Store) -> None:
    stock(store)
    store.blacklist(phone=RELEASED)
    window = open_console(qtbot, store, "王丽")
    page = page_of(window)
    select(page, "0002")
    assert page.claim_hint.text() == "该客户在黑名单中，认领会被拒绝"
    click(qtbot, window, "claim")
    settle(window)
    assert page.claim_result.text() == "认领未成功：客户在黑名单中（规则 blacklist）"


@pytest.mark.parametrize("user", ["前台", "渠道经理"])
def test_roles_without_the_pool_do_not_see_it(qtbot: Any, store: Store, user: str) -> None:
    stock(store)
    window = open_console(qtbot, store, user)
    assert "pool" not in window.pages
    with pytest.raises(PermissionDenied):
        queries.pool_rows(Desk(store, users.authenticate(store, user, PASSWORD)), 0, 10)


def test_only_a_consultant_claims_and_only_from_the_pool(store: Store) -> None:
    stock(store)
    before = journal_size(store)
    for name in ("经理", "管理员", "前台"):
        with pytest.raises(PermissionDenied):
            Desk(store, users.authenticate(store, name, PASSWORD)).claim(store.customer_id(LAPSES) or 0)
    with pytest.raises(PermissionDenied):  # 王丽's own protected customer is not in the pool for 李强
        Desk(store, users.authenticate(store, "李强", PASSWORD)).claim(store.customer_id(KEPT) or 0)
    assert journal_size(store) == before
