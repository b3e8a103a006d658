"""The phone path end to end: keypad, validation as typed, surname and title, every source, 提交."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from db import checkin_refs
from db.database import read_session
from db.models import VisitRecord
from kiosk.services import Timings
from service import reception
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, phone_path, tap, text, type_digits, until, wait_screen


def test_phone_check_in_is_unverified_and_waits_for_reception(qtbot: Any, any_store: Store) -> None:
    window = open_window(qtbot, services_for(any_store, timings=Timings(done_ms=200)))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13812345678")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "登记成功，置业顾问 李强 马上为您服务"
    assert text(window, "done_detail") == "138****5678"
    pending = reception.pending_checkins(any_store)
    assert [(p.phone_masked, p.surname) for p in pending] == [("138****5678", "张女士")]
    until(qtbot, lambda: window.current == "start")  # back after done_ms, with no touch


def test_the_number_is_checked_as_it_is_typed(qtbot: Any, store: Store) -> None:
    window = open_window(qtbot, services_for(store))
    tap(qtbot, window, "choice_phone")
    type_digits(qtbot, window, "1381234")
    assert text(window, "phone_hint") == "还差 4 位"
    assert not window.screen("phone").next.isEnabled()
    type_digits(qtbot, window, "5678")
    assert text(window, "phone_hint") == "号码正确"
    tap(qtbot, window, "digits_<")
    type_digits(qtbot, window, "0")
    assert window.screen("phone").next.isEnabled()
    tap(qtbot, window, "digits_C")
    type_digits(qtbot, window, "15412345678")  # 11 digits, but no mobile starts with 154
    assert text(window, "phone_hint") == "这不是有效的手机号，请检查"
    assert not window.screen("phone").next.isEnabled()


def test_an_empty_name_gets_a_clear_message(qtbot: Any, store: Store) -> None:
    window = open_window(qtbot, services_for(store))
    tap(qtbot, window, "choice_phone")
    type_digits(qtbot, window, "13812345678")
    tap(qtbot, window, "phone_next")
    wait_screen(qtbot, window, "visitor")
    tap(qtbot, window, "visitor_next")
    assert window.current == "visitor"
    assert text(window, "visitor_message") == "请选择您的姓氏和称呼"


@pytest.mark.parametrize("source_index", [0, 2, 3])  # 自然来访, 线上平台, 老业主推荐
def test_natural_sources_register_a_natural_visit_with_the_source(qtbot: Any, any_store: Store,
                                                                  source_index: int) -> None:
    window = open_window(qtbot, services_for(any_store))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13900001111")
    until(qtbot, lambda: window.runner.pending == 0)
    tap(qtbot, window, f"source_{source_index}")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    view = any_store.customer_view("13900001111")
    assert view is not None
    assert reception.pending_checkins(any_store)[0].phone_masked == "139****1111"


def test_channel_led_visit_needs_channel_and_agent_found_by_pinyin(qtbot: Any, any_store: Store) -> None:
    any_store.record_report("贝壳", "周杰", "13700002222")
    window = open_window(qtbot, services_for(any_store))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13700002222", surname="王", title="title_mr")
    until(qtbot, lambda: window.runner.pending == 0)
    tap(qtbot, window, "source_1")  # 渠道带访
    tap(qtbot, window, "submit")
    assert window.current == "source"
    assert text(window, "source_message") == "请选择渠道和经纪人"
    tap(qtbot, window, "channel_贝壳")
    tap(qtbot, window, "letters_Z")
    assert window.screen("source").shown_agents == ["周杰"]  # ZJ; 吴芳 (WF) filtered out
    tap(qtbot, window, "agent_周杰")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert any_store.latest_report("13700002222", "贝壳", "周杰") is not None


def test_referral_source_with_a_fixed_channel_asks_only_for_the_referrer(qtbot: Any, any_store: Store) -> None:
    any_store.add_channel("全民经纪人", ["赵六", "钱七"])
    window = open_window(qtbot, services_for(any_store))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13700003333")
    names = [s.name for s in window.screen("source").sources]
    assert names == ["自然来访", "渠道带访", "全民经纪人", "线上平台", "老业主推荐"]
    tap(qtbot, window, "source_2")
    assert not window.screen("source").channel_box.isVisibleTo(window)  # the channel is fixed
    tap(qtbot, window, "letters_Q")
    assert window.screen("source").shown_agents == ["钱七"]
    tap(qtbot, window, "agent_钱七")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message").startswith("登记成功")
    assert reception.pending_checkins(any_store)[0].phone_masked == "137****3333"


def test_the_stated_intent_is_kept_beside_the_visit(qtbot: Any, any_store: Store) -> None:
    window = open_window(qtbot, services_for(any_store))
    tap(qtbot, window, "choice_phone")
    wait_screen(qtbot, window, "phone")
    type_digits(qtbot, window, "13812345678")
    tap(qtbot, window, "phone_next")
    wait_screen(qtbot, window, "visitor")
    for name in ("surname_张", "title_ms", "intent_三房", "intent_90–120㎡"):
        tap(qtbot, window, name)
    tap(qtbot, window, "visitor_next")
    wait_screen(qtbot, window, "source")
    until(qtbot, lambda: window.screen("source").loaded)
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    with read_session(any_store.engine) as session:
        seqs = list(session.scalars(sa.select(VisitRecord.id)))
        assert checkin_refs.intents(session, seqs) == {seqs[0]: {"户型": "三房", "面积": "90–120㎡"}}


def test_an_intent_outside_the_known_groups_is_refused() -> None:
    with pytest.raises(ValueError):
        checkin_refs.check_intent({"姓名": "张三"})
    with pytest.raises(ValueError):
        checkin_refs.check_intent({"预算": "x" * 100})
