"""判客 page: the open and decided lists, a case's evidence side by side with its rule, deciding (a reason
against the recommendation, refused beside the field and by the Desk), two managers at once, a
consultant's view and appeal, and who does not see the page at all."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtWidgets import QLabel

from console.pages.cases import CasesPage
from db.database import make_engine, read_session
from db.models import JournalEntry
from service import appeal_guard, users
from service.desk import Desk
from service.queries import cases as queries
from service.roles import PermissionDenied
from service.store import ManualClock, Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, find, open_console, settle
from tests.db.stores import T0

PHONE = "13812345678"


def dispute(store: Store, phone: str = PHONE, owner: str = "李强", rival: str = "王丽") -> int:
    """`owner` receives the customer; two hours later `rival` registers them again: an ownership case."""
    store.clock.at = T0 + timedelta(hours=1)  # type: ignore[attr-defined]
    store.register_visit(phone, consultant=owner, name="张先生")
    store.clock.at = T0 + timedelta(hours=3)  # type: ignore[attr-defined]
    result = store.register_visit(phone, consultant=rival)
    return result.outcome.new_cases[0].id


def page_of(window: Any) -> CasesPage:
    window.open_page("cases")
    settle(window)
    page = window.pages["cases"]
    assert isinstance(page, CasesPage)
    return page


def texts(widget: Any) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def journal_size(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0)


def test_a_case_shows_both_sides_evidence_with_times_journal_numbers_and_the_rule(qtbot: Any, store: Store,
                                                                                   tmp_path: Path) -> None:
    case_id = dispute(store)
    window = open_console(qtbot, store, "经理")
    page = page_of(window)
    assert [r.id for r in page.model.rows] == [case_id]
    assert page.show_open.text() == "待裁决 (1)" and page.show_decided.text() == "已裁决 (0)"
    page.table.selectRow(0)
    click(qtbot, window, "open_case")
    assert page.stack.currentWidget() is page.detail
    claimant, recommended = texts(page.detail.claimant_card), texts(page.detail.recommended_card)
    first, second = sorted(store.site().cases[case_id].evidence)
    assert "申请方：王丽" in claimant and f"流水号 #{second}" in claimant and "登记时指定 王丽" in claimant
    assert "建议方：李强" in recommended and f"流水号 #{first}" in recommended and "接待顾问 李强" in recommended
    assert "03-01 11:00" in recommended and "03-01 13:00" in claimant  # local times (Asia/Shanghai)
    assert "138****5678 张先生" in page.detail.title.text() and PHONE not in texts(page.detail)
    assert page.detail.recommendation.text() == "建议裁决：李强"
    assert "protection.consultant_days" in page.detail.rule.text() and "30 天" in page.detail.rule.text()
    assert page.detail.decision.isVisible()
    window.grab().save(str(tmp_path / "case.png"))


def test_overriding_needs_a_reason_beside_the_field_then_decides(qtbot: Any, any_store: Store) -> None:
    case_id = dispute(any_store)
    window = open_console(qtbot, any_store, "经理")
    page = page_of(window)
    page.open_case(case_id)
    settle(window)
    detail = page.detail
    detail.verdict.setCurrentIndex(detail.verdict.findData("王丽"))
    assert "必须写明理由" in detail.reason_hint.text()
    before = journal_size(any_store)
    detail.reason.setPlainText("对")
    click(qtbot, window, "decide")
    assert "推翻建议裁决必须写明理由" in detail.form.error_text("decision_reason")
    assert journal_size(any_store) == before
    assert detail.reason.toPlainText() == "对"  # what was typed stays
    detail.reason.setPlainText("核实监控，王丽先接待")
    click(qtbot, window, "decide")
    settle(window)
    assert journal_size(any_store) == before + 1
    assert "已裁决：王丽（经理" in detail.state.text() and "核实监控，王丽先接待" in detail.state.text()
    assert not detail.decision.isVisible()
    assert any_store.site().customer_view(any_store.customer_id(PHONE) or 0, any_store.now()).owner == "王丽"
    page.show_status(queries.DECIDED)
    settle(window)
    assert [(r.id, r.verdict, r.decided_by) for r in page.model.rows] == [(case_id, "王丽", "经理")]
    assert page.show_open.text() == "待裁决 (0)" and page.show_decided.text() == "已裁决 (1)"


def test_the_desk_refuses_an_override_without_a_reason_too(store: Store) -> None:
    case_id = dispute(store)
    manager = Desk(store, users.authenticate(store, "经理", PASSWORD))
    before = journal_size(store)
    with pytest.raises(Exception, match="推翻建议裁决必须写明理由"):
        manager.decide_case(case_id, "王丽", "  ")
    assert journal_size(store) == before
    manager.decide_case(case_id, "李强", "")  # as recommended: no reason needed
    assert journal_size(store) == before + 1


def test_two_managers_deciding_at_once_the_second_is_told_who_decided(qtbot: Any, any_store: Store,
                                                                       db_url: str) -> None:
    case_id = dispute(any_store)
    users.add_user(any_store, "经理二", "manager", PASSWORD)
    other = Store(make_engine(db_url), any_store.keyring, clock=ManualClock(any_store.now()), station="console-2")
    first, second = open_console(qtbot, any_store, "经理"), open_console(qtbot, other, "经理二")
    pages = [page_of(first), page_of(second)]
    for window, page in zip((first, second), pages, strict=True):
        page.open_case(case_id)
        settle(window)
        assert page.detail.decision.isVisible()
    click(qtbot, first, "decide")  # as recommended
    pages[1].detail.verdict.setCurrentIndex(pages[1].detail.verdict.findData("王丽"))
    pages[1].detail.reason.setPlainText("王丽有带看记录")
    click(qtbot, second, "decide")
    settle(second)
    notice = pages[1].detail.notice
    assert notice.isVisible() and "已由 经理 裁决为 李强" in notice.text()
    assert "已裁决：李强（经理" in pages[1].detail.state.text() and not pages[1].detail.decision.isVisible()
    assert any_store.site().cases[case_id].verdict == "李强"
    other.dispose()


def test_a_consultant_sees_their_cases_appeals_and_cannot_decide(qtbot: Any, any_store: Store) -> None:
    any_store.add_consultant("张伟")
    users.add_user(any_store, "张伟", "consultant", PASSWORD, consultant="张伟")
    theirs = dispute(any_store, "13900001111", "李强", "张伟")  # 王丽 is no side of it
    window = open_console(qtbot, any_store, "王丽")
    page = page_of(window)
    assert page.model.rows == [] and page.empty.text() == "没有待裁决的案件"
    wang = Desk(any_store, users.authenticate(any_store, "王丽", PASSWORD))
    with pytest.raises(PermissionDenied):
        queries.case_detail(wang, theirs)
    with pytest.raises(PermissionDenied):
        wang.decide_case(theirs, "李强", "")

    any_store.register_visit(PHONE, consultant="李强", name="李女士")
    click(qtbot, window, "appeal")
    form = page.appeal_form
    click(qtbot, window, "submit_appeal")
    assert form.error_text("appeal_phone") == "请输入客户的手机号" and "申诉理由" in form.error_text("appeal_reason")
    page.appeal_phone.setText("13900009999")
    page.appeal_reason.setPlainText("客户是我先接待的")
    click(qtbot, window, "submit_appeal")
    not_appealable = form.error_text("appeal_phone")
    assert not_appealable == appeal_guard.NOT_APPEALABLE
    page.appeal_phone.setText("1381234")
    click(qtbot, window, "submit_appeal")
    assert form.error_text("appeal_phone")  # not a mainland mobile: the reason beside the number
    assert page.appeal_reason.toPlainText() == "客户是我先接待的"  # kept while the number is fixed
    page.appeal_phone.setText("138 1234 5678")
    click(qtbot, window, "submit_appeal")
    settle(window)
    assert page.stack.currentIndex() == 0 and page.appeal_phone.text() == ""
    rows = page.model.rows
    assert [(r.kind, r.claimant, r.recommended) for r in rows] == [("appeal", "王丽", "李强")]
    page.open_case(rows[0].id)
    settle(window)
    assert "客户是我先接待的" in texts(page.detail.claimant_card)
    assert not page.detail.decision.isVisibleTo(window)  # a consultant does not decide

    li = open_console(qtbot, any_store, "李强")  # the owner sees the appeal about their customer too
    assert {r.kind for r in page_of(li).model.rows} == {"ownership_conflict", "appeal"}
    click(qtbot, li, "appeal")  # their own customer's number: the words an unknown number got, no more
    page_of(li).appeal_phone.setText(PHONE)
    page_of(li).appeal_reason.setPlainText("客户是我先接待的")
    click(qtbot, li, "submit_appeal")
    settle(li)
    assert page_of(li).appeal_form.error_text("appeal_phone") == not_appealable


def test_an_appeal_about_ones_own_customer_is_refused_beside_the_number(qtbot: Any, any_store: Store) -> None:
    """In the words an unknown number gets (no oracle, service/appeal_guard.py); only the miss is journalled."""
    any_store.register_visit(PHONE, consultant="王丽")
    window = open_console(qtbot, any_store, "王丽")
    page = page_of(window)
    click(qtbot, window, "appeal")
    page.appeal_phone.setText(PHONE)
    page.appeal_reason.setPlainText("确认是我的客户")
    before = journal_size(any_store)
    click(qtbot, window, "submit_appeal")
    assert page.appeal_form.error_text("appeal_phone") == appeal_guard.NOT_APPEALABLE
    assert journal_size(any_store) == before + 1
    with read_session(any_store.engine) as session:
        assert session.scalar(sa.select(JournalEntry.kind).order_by(JournalEntry.seq.desc()).limit(1)) == \
            appeal_guard.MISS


@pytest.mark.parametrize("user", ["前台", "渠道经理"])
def test_roles_without_cases_do_not_see_the_page_and_the_desk_refuses(qtbot: Any, store: Store, user: str) -> None:
    case_id = dispute(store)
    window = open_console(qtbot, store, user)
    assert "cases" not in window.pages
    refused = Desk(store, users.authenticate(store, user, PASSWORD))
    for attempt in (lambda: queries.list_cases(refused, queries.OPEN, 0, 10),
                    lambda: refused.decide_case(case_id, "李强", ""),
                    lambda: queries.case_detail(refused, case_id)):
        with pytest.raises(PermissionDenied):
            attempt()


def test_the_manager_has_no_appeal_button(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store, "经理")
    page = page_of(window)
    assert page.findChild(type(page.show_open), "appeal") is None
    assert find(page, "cases_table") is not None
