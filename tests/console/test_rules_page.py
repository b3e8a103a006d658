"""规则 page: the version in force and its history, the difference of two versions, the edit form (field
errors, a reason required, now or scheduled), and who sees and may do what."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QComboBox, QLineEdit

from console.pages.rules import RulesPage
from service import users
from service.desk import Desk
from service.queries.rules import rules_overview
from service.roles import PermissionDenied
from service.rules_admin import change_rules
from service.store import ManualClock, Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, find, open_console, settle
from tests.db.stores import T0

SHOTS = Path(os.environ.get("ANCHANG_TEST_SHOTS", "/tmp/anchang-shots"))


def rules_page(window: Any) -> RulesPage:
    page = window.open_page("rules")
    settle(window)
    assert isinstance(page, RulesPage)
    return page


def line(page: RulesPage, key: str) -> QLineEdit:
    field = page.editor.fields[key] if page.editor is not None else None
    assert isinstance(field, QLineEdit)
    return field


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, PASSWORD))


def start(store: Store) -> None:
    clock = store.clock
    assert isinstance(clock, ManualClock)
    clock.at = T0 + timedelta(hours=2)


def test_the_version_in_force_and_the_history_with_who_why_and_the_difference(qtbot: Any, store: Store) -> None:
    start(store)
    change_rules(desk(store, "经理"), {"pool.daily_claim_limit": 2}, "公海认领过多，收紧上限")
    change_rules(desk(store, "经理"), {"protection.consultant_days": 20}, "集团通知缩短保护期",
                 effective_at=T0 + timedelta(days=10))
    window = open_console(qtbot, store, "经理")
    page = rules_page(window)
    assert "版本 1" in page.summary.text() and "经理" in page.summary.text()
    assert page.scheduled.isVisibleTo(page) and "版本 2" in page.scheduled.text()
    values = {row: page.current.data(page.current.index(i, 1)) for i, row in enumerate(page.current.rows)}
    assert values["pool.daily_claim_limit"] == "2" and values["protection.consultant_days"] == "30"
    assert values["channel.mode"] == "报备保护" and values["protection.pledge_freezes"] == "是"

    history = [[page.history.data(page.history.index(r, c)) for c in range(page.history.columnCount())]
               for r in range(page.history.rowCount())]
    assert [row[:2] for row in history] == [["版本 2", "待生效"], ["版本 1", "现行"], ["默认规则", "已被取代"]]
    assert history[0][3] == "顾问保护期（天）：30 → 20" and history[0][7] == "集团通知缩短保护期"
    assert history[1][4] == "经理"
    # the newest change is compared by default; any two versions can be compared
    assert [(d.key, d.old, d.new) for d in page.diff_rows()] == [("protection.consultant_days", 30, 20)]
    page.select_diff(0, 2)
    settle(window)
    assert {d.key for d in page.diff_rows()} == {"protection.consultant_days", "pool.daily_claim_limit"}
    assert page.diff.data(page.diff.index(0, 0)) == "顾问保护期（天）"


def test_field_errors_beside_their_fields_and_nothing_saved(qtbot: Any, store: Store) -> None:
    start(store)
    window = open_console(qtbot, store, "经理")
    page = rules_page(window)
    assert page.editor is not None
    page.tabs.setCurrentIndex(2)
    line(page, "protection.consultant_days").setText("5000")
    line(page, "channel.visit_deadline_hours").setText("三天")
    line(page, "site.timezone").setText("Mars/Olympus")
    click(qtbot, window, "rules_save")
    form = page.editor.forms
    assert "1 到 3650" in form["protection.consultant_days"].error_text("rule_protection_consultant_days")
    assert "整数" in form["channel.visit_deadline_hours"].error_text("rule_channel_visit_deadline_hours")
    assert "时区" in form["site.timezone"].error_text("rule_site_timezone")
    assert "原因" in page.editor.when_form.error_text("rules_reason")
    assert line(page, "protection.consultant_days").text() == "5000"  # nothing typed is lost
    assert len(rules_overview(store).versions) == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "rules_edit_error.png"))

    page.editor.reset()
    page.editor.reason.setText("集团统一调整")
    click(qtbot, window, "rules_save")
    assert "没有修改" in page.editor.form_error.text()  # nothing changed: refused before the store


def test_a_manager_saves_a_version_now_then_one_scheduled(qtbot: Any, any_store: Store) -> None:
    start(any_store)
    window = open_console(qtbot, any_store, "经理")
    page = rules_page(window)
    editor = page.editor
    assert editor is not None
    page.tabs.setCurrentIndex(2)
    line(page, "protection.consultant_days").setText("45")
    editor.dirty = True
    mode = editor.fields["channel.mode"]
    assert isinstance(mode, QComboBox)
    mode.setCurrentIndex(mode.findData("competitive"))
    editor.reason.setText("集团统一调整保护期")
    click(qtbot, window, "rules_save")
    settle(window)
    rules = any_store.rules_at()
    assert (rules.consultant_days, rules.channel_mode) == (45, "competitive")
    assert "已保存" in window.message_bar.text() and editor.reason.text() == ""
    assert line(page, "protection.consultant_days").text() == "45"  # the form follows the new version

    # scheduled: a time in the site's zone, in force from then on; the time already past is refused
    editor.later_choice.setChecked(True)
    zone = any_store.rules_at().timezone
    local = (T0 + timedelta(days=3)).astimezone(zone)
    editor.effective.setDateTime(QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, 0)))
    line(page, "pool.daily_claim_limit").setText("1")
    editor.dirty = True
    editor.reason.setText("下周起收紧认领")
    editor.effective_at = lambda: (local.replace(minute=0), "")  # type: ignore[method-assign]  # the test clock
    click(qtbot, window, "rules_save")
    settle(window)
    overview = rules_overview(any_store)
    assert [v.status for v in overview.versions] == ["past", "in_force", "scheduled"]
    assert overview.versions[2].effective_at == local.replace(minute=0)
    assert any_store.rules_at().daily_claim_limit == 3 and any_store.rules_at(local).daily_claim_limit == 1


def test_a_store_refusal_shows_beside_its_field(qtbot: Any, store: Store) -> None:
    start(store)
    window = open_console(qtbot, store, "经理")
    page = rules_page(window)
    editor = page.editor
    assert editor is not None
    page.tabs.setCurrentIndex(2)
    line(page, "pool.daily_claim_limit").setText("5")
    editor.dirty = True
    editor.reason.setText("节假日放宽认领")
    editor.effective_at = lambda: (T0 - timedelta(days=1), "")  # type: ignore[method-assign]  # past
    click(qtbot, window, "rules_save")
    settle(window)
    assert "past" in editor.when_form.error_text("rules_effective_at")
    assert len(rules_overview(store).versions) == 1


@pytest.mark.parametrize("name", ["渠道经理", "管理员"])
def test_the_channel_manager_and_the_admin_read_the_rules_but_cannot_edit(
        qtbot: Any, store: Store, name: str) -> None:
    window = open_console(qtbot, store, name)
    page = rules_page(window)
    assert page.editor is None and page.tabs.count() == 2
    assert window.findChild(QLineEdit, "rule_protection_consultant_days") is None
    with pytest.raises(PermissionDenied):
        change_rules(desk(store, name), {"pool.daily_claim_limit": 5}, "节假日放宽认领")


def test_a_consultant_and_reception_do_not_see_the_page(qtbot: Any, store: Store) -> None:
    for name in ("李强", "前台"):
        window = open_console(qtbot, store, name)
        assert "rules" not in window.pages
        with pytest.raises(PermissionDenied):
            change_rules(desk(store, name), {"pool.daily_claim_limit": 5}, "节假日放宽认领")
        window.close()


def test_typing_survives_a_refresh_on_journal_news(qtbot: Any, store: Store) -> None:
    start(store)
    window = open_console(qtbot, store, "经理")
    page = rules_page(window)
    line(page, "protection.consultant_days").setText("40")
    assert page.editor is not None
    page.editor.dirty = True
    store.set_busy("李强", True)  # journal news from elsewhere
    page.refresh()
    settle(window)
    assert line(page, "protection.consultant_days").text() == "40"
    find(page, "rules_reset").click()
    assert line(page, "protection.consultant_days").text() == "30"
