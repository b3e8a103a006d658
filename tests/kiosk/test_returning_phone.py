"""A returning visitor by phone: a number the site knows gets "张女士 · 138****5678，是您吗？" after 下一步
(是: how they came, the surname not asked again; 不是: the surname question, as a new visitor), the lookup
never makes the visitor wait, and names reach the public screen only masked (孙**)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from db.models import JournalEntry
from kiosk import lookup
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, tap, text, type_digits, until, wait_screen

PHONE = "13812345678"


def typed(qtbot: Any, store: Store, phone: str = PHONE) -> tuple[Any, list[str]]:
    """The phone path up to 下一步 with `phone` typed; the screens shown from then on are listed."""
    window = open_window(qtbot, services_for(store))
    tap(qtbot, window, "choice_phone")
    wait_screen(qtbot, window, "phone")
    type_digits(qtbot, window, phone)
    shown: list[str] = []
    window.screen_changed.connect(shown.append)
    tap(qtbot, window, "phone_next")
    return window, shown


def submitted(qtbot: Any, window: Any) -> None:
    until(qtbot, lambda: window.screen("source").loaded)
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")


def test_a_known_number_is_asked_about_and_the_surname_is_not_asked_again(qtbot: Any, any_store: Store) -> None:
    any_store.register_visit(PHONE, name="张女士", verified=False, actor="kiosk")
    window, shown = typed(qtbot, any_store)
    wait_screen(qtbot, window, "returning")
    assert text(window, "returning_question") == "张女士 · 138****5678，是您吗？"
    assert text(window, "returning_no") == "不是"
    tap(qtbot, window, "returning_yes")
    wait_screen(qtbot, window, "source")
    submitted(qtbot, window)
    assert "visitor" not in shown  # the surname was not asked again
    assert text(window, "done_detail") == "138****5678"
    with any_store.engine.connect() as conn:
        visits = conn.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(JournalEntry.kind == "visit"))
    assert visits == 2 and lookup.known_by_phone(any_store, PHONE).name == "张女士"  # type: ignore[union-attr]


def test_not_me_on_a_known_number_asks_the_surname_as_for_a_new_visitor(qtbot: Any, store: Store) -> None:
    store.register_visit(PHONE, name="张女士", actor="kiosk")
    window, shown = typed(qtbot, store)
    wait_screen(qtbot, window, "returning")
    tap(qtbot, window, "returning_no")  # e.g. her husband, on the family's number
    wait_screen(qtbot, window, "visitor")
    assert window.flow.id_name is None and window.flow.phone == PHONE
    tap(qtbot, window, "visitor_back")  # back and on again: not asked a second time
    wait_screen(qtbot, window, "phone")
    tap(qtbot, window, "phone_next")
    wait_screen(qtbot, window, "visitor")
    assert shown.count("returning") == 1


def test_an_unknown_number_goes_to_the_surname_question(qtbot: Any, store: Store) -> None:
    window, shown = typed(qtbot, store, "13900001111")
    wait_screen(qtbot, window, "visitor")
    assert shown == ["visitor"]


def test_a_slow_lookup_never_makes_the_visitor_wait(qtbot: Any, store: Store,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store.register_visit(PHONE, name="张女士", actor="kiosk")
    release = threading.Event()
    found = lookup.known_by_phone

    def stuck(s: Store, phone: str) -> Any:  # the database holds the read up (a lock, a slow server)
        release.wait(30)
        return found(s, phone)

    monkeypatch.setattr(lookup, "known_by_phone", stuck)
    window, shown = typed(qtbot, store)
    wait_screen(qtbot, window, "visitor", timeout=5_000)  # after ~300 ms, as before the lookup existed
    release.set()
    until(qtbot, lambda: window.runner.pending == 0)
    qtbot.wait(50)
    assert shown == ["visitor"]  # the late answer changed nothing


def test_the_name_comes_with_its_number_only(qtbot: Any, store: Store) -> None:
    """是 for one number, then back and another number typed: that number's name is asked for."""
    store.register_visit(PHONE, name="张女士", actor="kiosk")
    window, _shown = typed(qtbot, store)
    wait_screen(qtbot, window, "returning")
    tap(qtbot, window, "returning_yes")
    wait_screen(qtbot, window, "source")
    tap(qtbot, window, "source_back")
    wait_screen(qtbot, window, "phone")
    tap(qtbot, window, "digits_C")
    type_digits(qtbot, window, "13900001111")
    tap(qtbot, window, "phone_next")
    wait_screen(qtbot, window, "visitor")
    assert window.flow.id_name is None


def test_a_full_name_on_record_is_shown_masked_and_kept_for_the_write(qtbot: Any, store: Store) -> None:
    store.register_visit(PHONE, name="孙小美", id_card="11010519491231002X", actor="kiosk")  # by ID card
    window, _shown = typed(qtbot, store)
    wait_screen(qtbot, window, "returning")
    assert text(window, "returning_question") == "孙** · 138****5678，是您吗？"
    tap(qtbot, window, "returning_yes")
    wait_screen(qtbot, window, "source")
    assert window.flow.id_name == "孙小美"  # in memory for the write; the screen never shows it
    submitted(qtbot, window)
    assert "孙小美" not in text(window, "done_message") + text(window, "done_detail")
    customer = store.customer_id(PHONE)
    assert customer is not None
    known = lookup.known_visitor(store, customer)  # a face recognised: the same masked greeting
    assert known is not None and (known.name, known.display) == ("孙小美", "孙**")
