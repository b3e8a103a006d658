"""Who did it, in words (issue 15, item 11c): the customer timeline's 经办 column and a case's evidence
said `kiosk`, `reception` and station names like `console-test`; they say 前台自助机, 前台, 工作台 test,
and a person's name stays as it is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from console.words import actor_text, station_text
from service.store import Store
from tests.console.helpers import click, open_console, settle
from tests.console.test_cases import page_of, texts
from tests.console.test_customers import customers_page, open_customer
from tests.db.stores import T0

PHONE = "13812345678"


def test_actor_and_station_codes_are_said_in_words() -> None:
    assert [actor_text(a) for a in ("kiosk", "reception", "system", "王丽")] == ["前台自助机", "前台", "系统", "王丽"]
    assert [station_text(s) for s in ("kiosk", "kiosk-大堂", "console-test", "二楼电脑")] == [
        "前台自助机", "前台自助机 大堂", "工作台 test", "二楼电脑"]


def test_the_timeline_says_who_in_words(qtbot: Any, store: Store) -> None:
    store.register_visit(PHONE, consultant="李强", name="张先生", actor="kiosk")
    store.clock.at += timedelta(hours=1)  # type: ignore[attr-defined]
    customer = store.customer_id(PHONE) or 0
    store.register_visit(PHONE, consultant="李强")  # the store's default actor: reception
    store.follow_up(PHONE, "李强", "想看三居室", actor="李强")
    window, page = customers_page(qtbot, store, "经理")
    open_customer(window, page, customer)
    timeline = page.detail.timeline[0]
    column = next(i for i, c in enumerate(timeline.columns) if c.title == "经办")
    who = [timeline.data(timeline.index(row, column)) for row in range(timeline.rowCount())]
    assert "前台自助机" in who and "前台" in who and "李强" in who
    assert not {"kiosk", "reception"} & set(who)


def test_the_case_evidence_says_who_and_where_in_words(qtbot: Any, store: Store) -> None:
    store.clock.at = T0 + timedelta(hours=1)  # type: ignore[attr-defined]
    store.register_visit(PHONE, consultant="李强", name="张先生", actor="kiosk")
    store.clock.at = T0 + timedelta(hours=3)  # type: ignore[attr-defined]
    store.register_visit(PHONE, consultant="王丽")
    window = open_console(qtbot, store, "经理")
    page = page_of(window)
    page.table.selectRow(0)
    click(qtbot, window, "open_case")
    settle(window)
    shown = texts(page.detail.claimant_card) + texts(page.detail.recommended_card)
    assert "记录人 前台自助机（工作台 test）" in shown and "记录人 前台（工作台 test）" in shown
    assert "kiosk" not in shown and "reception" not in shown and "console-test" not in shown
