"""今日's 号码查看申请 panel: a consultant's request from their phone waits for a manager, who approves it
(or refuses) with a reason on the console; the consultant may then see the number once. Other roles are
not given the panel."""

from __future__ import annotations

from typing import Any

from service import number_requests, users
from service.desk import Desk
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, open_console, settle
from tests.console.test_today import today

PHONE = "13812345678"


def ask(store: Store, reason: str = "客户换号，需回电确认") -> int:
    store.register_visit(PHONE, consultant="李强")
    customer = store.customer_id(PHONE)
    assert customer is not None
    consultant = Desk(store, users.authenticate(store, "李强", PASSWORD))
    return number_requests.ask(consultant, customer, reason)


def test_a_manager_approves_a_request_with_a_reason(qtbot: Any, store: Store) -> None:
    request_id = ask(store)
    window = open_console(qtbot, store, "经理")
    panel = today(window).numbers
    assert panel is not None and panel.isVisibleTo(window)
    assert panel.caption.text() == "号码查看申请（1）"
    model = panel.model
    assert [model.data(model.index(0, col)) for col in range(1, model.columnCount())] == [
        "李强", "138****5678", "客户换号，需回电确认"]
    panel.view.selectRow(0)
    assert not panel.approve_button.isEnabled()  # no reason yet
    panel.reason.setText("同意回电")  # typed through an input method: QTest has no keys for Chinese
    click(qtbot, window, "number_request_approve")
    settle(window)
    manager = Desk(store, users.authenticate(store, "经理", PASSWORD))
    decided = number_requests.one(manager, request_id)
    assert (decided.status, decided.decided_by, decided.decision_reason) == ("approved", "经理", "同意回电")
    assert not panel.isVisibleTo(window)


def test_other_roles_are_not_given_the_panel(qtbot: Any, store: Store) -> None:
    ask(store)
    for name in ("前台", "李强"):
        assert today(open_console(qtbot, store, name)).numbers is None
