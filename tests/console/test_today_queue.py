"""今日's 待确认登记 panel (issue 15): every check-in waiting for reception is listed — a phone's second
check-in of the same arrival right under its first, with the channel each named, an earlier day's with
its date — the caption's count is the rows it holds, the table grows with them (no row below a fixed
edge), and confirming or dismissing acts on the arrival as the engine does (judge/visits.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame

from service import reception
from service.store import Store
from tests.console.helpers import click, find, open_console, settle
from tests.console.test_today import advance, kiosk_checkin, queue_of, today

PHONES = [f"1380000{i:04d}" for i in range(1, 8)]
TWICE = "13912340000"


def rows(page: Any) -> list[list[str]]:
    model = queue_of(page).model
    return [[model.data(model.index(row, col)) for col in range(model.columnCount())]
            for row in range(model.rowCount())]


def waiting_day(store: Store) -> None:
    """One check-in left from yesterday, seven today, and a phone checked in twice (链家 then nothing)."""
    kiosk_checkin(store, "13700000001", name="钱先生")
    advance(store, 60 * 24)
    store.register_visit(TWICE, name="张女士", verified=False, channel="链家", agent="郑伟", actor="kiosk")
    for phone in PHONES:
        advance(store, 1)
        kiosk_checkin(store, phone)
    advance(store, 1)
    kiosk_checkin(store, TWICE)  # again, while the first waits: the same arrival


def test_every_waiting_check_in_is_listed_counted_and_in_view(qtbot: Any, store: Store) -> None:
    waiting_day(store)
    window = open_console(qtbot, store, "前台")
    page = today(window)
    panel = queue_of(page)
    shown = rows(page)
    assert len(shown) == 10 and panel.caption.text() == "待确认登记（10）"
    assert "待确认 10" in page.summary.text()  # the day's line counts the same rows
    assert shown[0][0].count(":") == 1 and "-" in shown[0][0]  # yesterday's: with its date
    first, again = shown[1], shown[2]  # the arrival's two check-ins together
    assert first[2] == again[2] == "139****0000" and first[4] == again[4] == "王丽"
    assert first[3] == "链家 · 郑伟" and again[3] == "自然来访" and "再次签到" in again[0]
    view = panel.view
    assert view.verticalHeader().length() <= view.viewport().height()  # every row inside the table
    last = view.visualRect(panel.model.index(len(shown) - 1, 0))
    assert last.isValid() and last.bottom() <= view.viewport().height()


def test_confirming_the_later_check_in_confirms_its_arrival(qtbot: Any, store: Store) -> None:
    waiting_day(store)
    window = open_console(qtbot, store, "前台")
    page = today(window)
    queue_of(page).view.selectRow(2)  # the second check-in
    click(qtbot, window, "queue_confirm")
    assert TWICE[:3] + "****" + TWICE[-4:] not in [p.phone_masked for p in reception.pending_checkins(store)]
    settle(window)
    assert len(rows(page)) == 8 and queue_of(page).caption.text() == "待确认登记（8）"
    view = store.customer_view(TWICE)
    assert view is not None and (view.owner, view.channel) == ("王丽", "natural")  # the first's consultant


def test_dismissing_the_first_check_in_says_it_takes_the_arrival(qtbot: Any, store: Store) -> None:
    waiting_day(store)
    window = open_console(qtbot, store, "前台")
    page = today(window)
    queue_of(page).view.selectRow(1)
    click(qtbot, window, "queue_dismiss")
    assert "2 次签到" in find(page, "dismiss_confirm", QFrame).findChild(type(queue_of(page).dismiss_text)).text()
    click(qtbot, window, "dismiss_ok")
    assert len(rows(page)) == 8 and all(r[2] != "139****0000" for r in rows(page))
