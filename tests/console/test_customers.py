"""客户 page: the list (masked, searched, filtered, paged as it scrolls), a consultant's own customers and
the pool only, the customer's page (timeline with journal numbers, owner and the rule behind the
protection), and the actions by role through the Desk, which refuses them too."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMessageBox

from console.pages.customer_detail import RevealDialog
from console.pages.customers import CustomersPage
from db.database import read_session, run_write
from db.models import Customer, JournalEntry
from db.notes import note_text
from service import users
from service.desk import REVEAL, Desk
from service.queries.customer_page import customer_page
from service.roles import PermissionDenied
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, find, open_console, settle

LI, WANG, NEW = "13800001234", "13900005678", "13700001234"  # 李强's, 王丽's, a channel's customer


def people(store: Store) -> dict[str, int]:
    """张小明 (李强's, followed up), 张女士 (王丽's), 李娜 (reported by 贝壳, came with 周杰)."""
    store.register_visit(LI, name="张小明", consultant="李强")
    store.register_visit(WANG, name="张女士", consultant="王丽")
    store.record_report("贝壳", "周杰", NEW, name="李娜")
    store.clock.at += timedelta(hours=2)
    store.register_visit(NEW, channel="贝壳", agent="周杰", consultant="李强")
    store.follow_up(LI, "李强", "想看三居室")
    return {phone: store.customer_id(phone) or 0 for phone in (LI, WANG, NEW)}


def customers_page(qtbot: Any, store: Store, user: str) -> tuple[Any, CustomersPage]:
    window = open_console(qtbot, store, user)
    page = window.open_page("customers")
    settle(window)
    assert isinstance(page, CustomersPage)
    return window, page


def cells(page: CustomersPage) -> list[list[str]]:
    model = page.model
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def search(window: Any, page: CustomersPage, text: str) -> set[int]:
    page.search.setText(text)
    page.apply_filter()
    settle(window)
    return {row.id for row in page.model.rows}


def open_customer(window: Any, page: CustomersPage, customer: int) -> None:
    row = next(i for i, r in enumerate(page.model.rows) if r.id == customer)
    page.table.doubleClicked.emit(page.model.index(row, 0))
    settle(window)
    assert page.stack.currentWidget() is page.detail


# ------------------------------------------------------------------ the list
def test_the_list_shows_surnames_and_masked_phones_only(qtbot: Any, store: Store) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, "经理")
    assert {row.id for row in page.model.rows} == set(ids.values())
    shown = " ".join(" ".join(row) for row in cells(page))
    assert "138****1234" in shown and "张**" in shown and "张女士" in shown
    assert not re.search(r"1[3-9]\d{9}", shown) and "小明" not in shown
    assert "3" in page.count.text()


def test_search_by_surname_initials_and_last_four_digits(qtbot: Any, store: Store) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, "经理")
    assert search(window, page, "张") == {ids[LI], ids[WANG]}
    assert search(window, page, "zxm") == {ids[LI]}
    assert search(window, page, "1234") == {ids[LI], ids[NEW]}
    assert search(window, page, "@@") == set()
    assert page.search_form.error_text("customers_search")  # says what can be typed
    assert search(window, page, "") == set(ids.values())
    assert page.search_form.error_text("customers_search") == ""


def test_filters_in_the_page(qtbot: Any, store: Store) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, "经理")
    page.channel.setCurrentIndex(page.channel.findData("贝壳"))
    settle(window)
    assert {row.id for row in page.model.rows} == {ids[NEW]}
    page.clear_filter()
    page.owner.setCurrentIndex(page.owner.findData("王丽"))
    settle(window)
    assert {row.id for row in page.model.rows} == {ids[WANG]}
    page.clear_filter()
    page.status.setCurrentIndex(page.status.findData("pool"))
    settle(window)
    assert page.model.rows == []
    page.clear_filter()
    page.dated.setChecked(True)
    page.date_from.setDate(page.date_from.date().addDays(-3650))
    page.date_to.setDate(page.date_from.date())  # a day long before anyone came
    settle(window)
    assert page.model.rows == []


def test_450_customers_load_200_at_a_time_as_the_list_scrolls(qtbot: Any, store: Store) -> None:
    at = store.clock.at

    def many(session: Any) -> None:  # the list reads the customers projection: rows are enough here
        session.execute(sa.insert(Customer), [
            {"created_at": at, "phone_masked": f"138****{i:04d}", "first_visit_at": at,
             "last_visit_at": at + timedelta(minutes=i), "visit_count": 1, "owner": "李强",
             "protected_until": at + timedelta(days=7)} for i in range(450)])

    run_write(store.engine, many)
    window, page = customers_page(qtbot, store, "经理")
    assert page.model.rowCount() == 200 and page.model.canFetchMore(QModelIndex())
    assert page.model.rows[0].phone_masked == "138****0449"  # the most recently visited first
    page.table.scrollToBottom()
    settle(window)
    assert page.model.rowCount() == 400
    page.table.scrollToBottom()
    settle(window)
    assert page.model.rowCount() == 450 and not page.model.canFetchMore(QModelIndex())
    assert len({row.id for row in page.model.rows}) == 450
    assert "450" in page.count.text()


def test_a_consultant_sees_only_own_customers_and_the_pool(qtbot: Any, store: Store) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, "王丽")
    assert {row.id for row in page.model.rows} == {ids[WANG]}
    assert not page.owner.isVisibleTo(page)
    page.show_customer(ids[LI])  # a link to someone else's customer: refused by the query, said plainly
    settle(window)
    assert "不是您的客户" in page.detail.heading.text()
    assert page.detail.page is None


# ------------------------------------------------------------------ the customer's page
def test_the_customer_page_shows_timeline_owner_rule_and_reports(qtbot: Any, store: Store) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, "经理")
    open_customer(window, page, ids[NEW])
    detail = page.detail
    assert detail.page is not None and detail.page.id == ids[NEW]
    with read_session(store.engine) as session:
        facts = dict(session.execute(sa.select(JournalEntry.seq, JournalEntry.kind).where(
            JournalEntry.kind.in_(("visit", "report")), JournalEntry.payload.like(f'%"customer":{ids[NEW]},%'))).all())
    timeline = detail.timeline[0]
    shown = {row.seq: row.kind for row in timeline.rows}
    assert facts and facts.items() <= shown.items()
    texts = [[timeline.data(timeline.index(r, c)) for c in range(5)] for r in range(timeline.rowCount())]
    assert all(row[0].startswith("#") for row in texts)
    assert any("贝壳" in row[4] and "周杰" in row[4] for row in texts)
    owner = detail.facts["owner"].text()
    assert "李强" in owner and "跟进期 7 天" in owner and "剩" in owner
    assert "贝壳" in detail.facts["channel"].text()
    assert detail.reports[0].rowCount() == 1
    assert "138" not in detail.heading.text() and "137****1234" in detail.heading.text()
    click(qtbot, window, "customer_back")
    assert page.stack.currentWidget() is page.list_panel


def test_the_timeline_shows_follow_up_notes(qtbot: Any, store: Store) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, "李强")
    open_customer(window, page, ids[LI])
    rows = page.detail.timeline[0].rows
    follow_up = next(row for row in rows if row.kind == "follow_up")
    assert follow_up.detail["note"] == "想看三居室" and follow_up.detail["consultant"] == "李强"


# ------------------------------------------------------------------ actions
def test_manager_follows_up_changes_stage_assigns_and_releases(qtbot: Any, any_store: Store) -> None:
    store = any_store
    ids = people(store)
    window, page = customers_page(qtbot, store, "经理")
    open_customer(window, page, ids[LI])
    actions = page.detail.action_panel
    assert actions.acting.currentData() == "李强"  # in the owner's name by default
    actions.note.setPlainText("电话回访，周末再来")
    click(qtbot, window, "customer_follow_up")
    assert actions.note.toPlainText() == ""
    rows = page.detail.timeline[0].rows
    assert rows[0].kind == "follow_up" and rows[0].detail["note"] == "电话回访，周末再来"
    assert rows[0].actor == "经理"
    actions.stage.setCurrentIndex(actions.stage.findData("pledge"))
    click(qtbot, window, "customer_change_stage")
    assert page.detail.page is not None and page.detail.page.stage == "pledge"
    actions.assign_to.setCurrentIndex(actions.assign_to.findData("王丽"))
    click(qtbot, window, "customer_assign")
    assert page.detail.page is not None and page.detail.page.owner == "王丽"
    click(qtbot, window, "customer_release")
    box = page.detail.findChild(QMessageBox, "release_confirm")
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    settle(window)
    assert page.detail.page is not None and page.detail.page.owner == "pool"
    assert "王丽" in page.detail.facts["owner"].text()  # who lost the customer, and when
    assert store.site().customer_view(ids[LI], store.clock.at).owner == "pool"


def test_a_follow_up_needs_its_note_and_a_refusal_is_shown_under_the_action(qtbot: Any, store: Store) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, "经理")
    open_customer(window, page, ids[LI])
    actions = page.detail.action_panel
    before = len(page.detail.timeline[0].rows)
    click(qtbot, window, "customer_follow_up")
    assert actions.form.error_text("customer_note") == "请填写跟进内容"
    actions.stage.setCurrentIndex(actions.stage.findData("cancel"))  # no pledge to cancel: the engine says no
    click(qtbot, window, "customer_change_stage")
    assert "认筹" in actions.form.error_text("customer_stage")
    assert len(page.detail.timeline[0].rows) == before


def test_a_consultant_acts_on_own_customers_only(qtbot: Any, any_store: Store) -> None:
    store = any_store
    ids = people(store)
    window, page = customers_page(qtbot, store, "李强")
    open_customer(window, page, ids[LI])
    actions = page.detail.action_panel
    assert not actions.acting.isVisibleTo(actions) and not actions.buttons["assign"].isVisibleTo(actions)
    assert not page.detail.reveal_button.isVisibleTo(page.detail)
    actions.note.setPlainText("约了周六看房")
    click(qtbot, window, "customer_follow_up")
    assert page.detail.timeline[0].rows[0].detail["note"] == "约了周六看房"
    li = Desk(store, users.authenticate(store, "李强", PASSWORD))
    for refused in (lambda: li.follow_up(ids[WANG], "抢单"), lambda: li.change_stage(ids[WANG], "pledge"),
                    lambda: li.release(ids[WANG]), lambda: li.assign(ids[WANG], "李强"),
                    lambda: li.reveal(ids[WANG], "客户来电要求回拨"), lambda: customer_page(li, ids[WANG])):
        with pytest.raises(PermissionDenied):
            refused()


def test_reception_sees_a_customer_without_actions(qtbot: Any, store: Store) -> None:
    ids = people(store)
    window, page = customers_page(qtbot, store, "前台")
    open_customer(window, page, ids[WANG])
    actions = page.detail.action_panel
    assert not any(b.isVisibleTo(actions) for b in actions.buttons.values())
    assert actions.none_hint.isVisibleTo(actions)


# ------------------------------------------------------------------ the full number
def test_a_manager_reveals_the_number_once_with_a_reason_and_it_is_journalled(qtbot: Any, any_store: Store) -> None:
    store = any_store
    ids = people(store)
    window, page = customers_page(qtbot, store, "经理")
    open_customer(window, page, ids[LI])
    click(qtbot, window, "customer_reveal")
    dialog = find(page.detail, "reveal_dialog", RevealDialog)
    dialog.reason.setText("回拨")
    dialog.confirm()
    settle(window)
    assert dialog.form.error_text("reveal_reason") and not dialog.number.isVisibleTo(dialog)
    dialog.reason.setText("客户来电要求回拨")
    dialog.confirm()
    settle(window)
    assert dialog.number.text().endswith("138 0000 1234")
    with read_session(store.engine) as session:
        entry = session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == REVEAL)).one()
        payload = json.loads(entry.payload)
        assert payload["customer"] == ids[LI] and entry.actor == "经理"
        assert note_text(session, store.keyring, payload["reason"]) == "客户来电要求回拨"
        assert "13800001234" not in entry.payload
    assert page.detail.timeline[0].rows[0].kind == REVEAL  # the reveal is on the customer's timeline
    dialog.close()
    settle(window)
    assert not page.detail.findChildren(RevealDialog)  # the number is not kept anywhere on the page
    consultant = Desk(store, users.authenticate(store, "李强", PASSWORD))
    with pytest.raises(PermissionDenied):
        consultant.reveal(ids[LI], "客户来电要求回拨")
