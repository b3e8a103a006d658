"""今日's 离线登记未写入 panel (issue 16, item 3): a kiosk check-in refused when its outbox flushed is listed
for reception with its masked phone, arrival and reason until someone marks it handled; a consultant, who
may not handle it, is not shown it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from db.database import read_session
from db.models import JournalEntry
from service import kiosk_refusals
from service.store import Store
from tests.console.helpers import click, open_console, settle
from tests.console.test_today import today


def refused(store: Store, ref: str, phone: str) -> None:
    kiosk_refusals.record(store, {"ref": ref, "phone": phone, "name": "赵先生", "verified": False,
                                  "arrived_at": store.now() - timedelta(minutes=5)},
                          "没有值班的置业顾问 / no consultant on duty: set the rotation first")


def test_reception_sees_a_refused_check_in_until_it_is_marked_handled(qtbot: Any, store: Store) -> None:
    refused(store, "r-1", "13600001111")
    window = open_console(qtbot, store, "前台")
    page = today(window)
    panel = page.refused
    assert panel is not None and panel.isVisibleTo(window)
    assert panel.caption.text() == "离线登记未写入（1）"
    model = panel.model
    assert [model.data(model.index(0, col)) for col in range(1, model.columnCount())] == [
        "赵先生", "136****1111", "没有值班的置业顾问", store.station]
    assert not panel.handled_button.isEnabled()
    panel.view.selectRow(0)
    click(qtbot, window, "refused_handled")
    settle(window)
    assert kiosk_refusals.open_refusals(store) == [] and not panel.isVisibleTo(window)
    with read_session(store.engine) as session:
        entry = session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == kiosk_refusals.HANDLED)).one()
    assert entry.actor == "前台" and json.loads(entry.payload)["ref"] == "r-1"


def test_a_refusal_written_while_the_page_is_open_appears_on_the_next_refresh(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "前台")
    page = today(window)
    assert page.refused is not None and not page.refused.isVisibleTo(window)
    refused(store, "r-2", "13600002222")
    page.refresh()
    settle(window)
    assert page.refused.isVisibleTo(window) and page.refused.model.rowCount() == 1


def test_a_consultant_is_not_given_the_panel(qtbot: Any, store: Store) -> None:
    refused(store, "r-3", "13600003333")
    page = today(open_console(qtbot, store, "李强"))
    assert page.refused is None
