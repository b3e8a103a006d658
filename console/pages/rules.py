"""规则: the rule version in force (every rule, its value, the default, what it means), the history of
versions (who changed what, when, from when, and why; a scheduled version shows as 待生效), the
difference between any two versions, and for a manager the edit form (console/pages/rules_edit.py).

A version scheduled for a later time takes effect by itself when that time comes (the engine judges
every fact from then on with it): nothing needs to be running then. The channel manager and the
administrator see the rules read-only; a consultant does not see this page.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.pages import rule_texts
from console.pages.audit import fitted_view
from console.pages.base import Page, Snap
from console.pages.rules_edit import RulesEditor
from console.widgets import Column, PagedTableModel
from console.words import actor_text
from judge.rules import DEFAULT_VALUES
from service.queries.rules import RuleDiff, RulesOverview, RuleVersion, rules_overview, version_diff

TIME_FORMAT = "%Y-%m-%d %H:%M"


class RulesPage(Page):
    key = "rules"
    permission = "rules.view"

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        self.overview: RulesOverview | None = None
        self.zone: Any = None
        self.diff_chosen = False  # the user picked the versions to compare: keep them across reloads
        self.summary = QLabel()
        self.summary.setObjectName("rules_summary")
        self.summary.setWordWrap(True)
        self.scheduled = QLabel()
        self.scheduled.setObjectName("rules_scheduled")
        self.scheduled.setProperty("role", "warning")
        self.scheduled.setWordWrap(True)
        self.scheduled.hide()
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.scheduled)

        self.current = PagedTableModel(ctx, [
            Column(self.tr("规则"), lambda key: rule_texts.label(key)),
            Column(self.tr("现行值"), lambda key: self._value(key)),
            Column(self.tr("默认值"), lambda key: rule_texts.shown(key, DEFAULT_VALUES[key])),
            Column(self.tr("说明"), lambda key: rule_texts.meaning(key))])
        self.history = PagedTableModel(ctx, [
            Column(self.tr("版本"), lambda v: self._version_name(v)),
            Column(self.tr("状态"), lambda v: self._status(v.status)),
            Column(self.tr("生效时间"), lambda v: self._local(v.effective_at) or self.tr("始终")),
            Column(self.tr("修改内容"), lambda v: self._changes_text(v)),
            Column(self.tr("修改人"), lambda v: actor_text(v.actor)),
            Column(self.tr("记录时间"), lambda v: self._local(v.recorded_at)),
            Column(self.tr("流水号"), lambda v: v.seq, align_right=True),
            Column(self.tr("原因"), lambda v: v.reason)])
        self.diff = PagedTableModel(ctx, [
            Column(self.tr("规则"), lambda d: rule_texts.label(d.key)),
            Column(self.tr("较早版本"), lambda d: rule_texts.shown(d.key, d.old)),
            Column(self.tr("较新版本"), lambda d: rule_texts.shown(d.key, d.new))])

        self.tabs = QTabWidget()
        self.tabs.setObjectName("rules_tabs")
        self.current_view = fitted_view(self.current, "rules_current")
        self.tabs.addTab(self.current_view, self.tr("现行规则"))
        self.tabs.addTab(self._build_history(), self.tr("历史版本"))
        self.editor: RulesEditor | None = None
        if ctx.desk is not None and ctx.desk.can("rules.edit"):
            self.editor = RulesEditor(ctx)
            self.editor.saved.connect(self._saved)
            scroll = QScrollArea()
            scroll.setObjectName("rules_edit_scroll")
            scroll.setWidgetResizable(True)
            scroll.setWidget(self.editor)
            self.tabs.addTab(scroll, self.tr("修改规则"))
        self.layout_.addWidget(self.tabs, 1)

    def title(self) -> str:
        return self.tr("判客规则")

    def _build_history(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(8, 8, 8, 8)
        self.history_view = fitted_view(self.history, "rules_history")
        self.history_view.selectionModel().selectionChanged.connect(self._history_selected)
        column.addWidget(self.history_view, 3)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("比较版本")))
        self.diff_from, self.diff_to = QComboBox(), QComboBox()
        self.diff_from.setObjectName("rules_diff_from")
        self.diff_to.setObjectName("rules_diff_to")
        for combo in (self.diff_from, self.diff_to):
            combo.setMinimumWidth(280)
            combo.activated.connect(self._chosen)
            combo.currentIndexChanged.connect(self._compare)
        row.addWidget(self.diff_from)
        row.addWidget(QLabel("→"))
        row.addWidget(self.diff_to)
        self.diff_note = QLabel()
        self.diff_note.setObjectName("rules_diff_note")
        self.diff_note.setProperty("role", "hint")
        row.addWidget(self.diff_note, 1)
        column.addLayout(row)
        column.addWidget(fitted_view(self.diff, "rules_diff"), 2)
        return box

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        store = self.ctx.store

        def load() -> tuple[Any, RulesOverview]:
            overview = rules_overview(store)
            return store.rules_at(overview.now).timezone, overview

        self.ctx.run(load, on_done=self._loaded)

    def _loaded(self, result: tuple[Any, RulesOverview]) -> None:
        self.zone, overview = result
        self.overview = overview
        current = overview.in_force
        if current.number == 0:
            self.summary.setText(self.tr("现行规则：默认规则（未做过修改）"))
        else:
            self.summary.setText(self.tr("现行规则：版本 %1，自 %2 起生效，由 %3 修改").replace(
                "%1", str(current.number)).replace("%2", self._local(current.effective_at)).replace(
                "%3", actor_text(current.actor)))
        pending = overview.scheduled
        self.scheduled.setVisible(bool(pending))
        self.scheduled.setText("；".join(
            self.tr("版本 %1 将于 %2 自动生效").replace("%1", str(v.number)).replace("%2", self._local(v.effective_at))
            for v in pending))
        keys = list(DEFAULT_VALUES)
        self.current.load(lambda offset, limit: keys[offset:offset + limit])
        newest_first = list(reversed(overview.versions))
        self.history.load(lambda offset, limit: newest_first[offset:offset + limit])
        self._fill_versions(overview)
        if self.editor is not None:
            self.editor.show_rules(dict(current.values), self.zone, overview.now)

    def _fill_versions(self, overview: RulesOverview) -> None:
        before, after = self.diff_from.currentData(), self.diff_to.currentData()
        last = len(overview.versions) - 1  # by default the newest change: what was changed last
        if not self.diff_chosen or before is None or after is None or max(before, after) > last:
            before, after = max(0, last - 1), last
        for combo in (self.diff_from, self.diff_to):
            combo.blockSignals(True)
            combo.clear()
            for version in overview.versions:
                combo.addItem(self._version_label(version), version.number)
            combo.blockSignals(False)
        self.select_diff(before, after, chosen=self.diff_chosen)

    # ------------------------------------------------------------ the difference of two versions
    def select_diff(self, older: int, newer: int, *, chosen: bool = True) -> None:
        self.diff_chosen = chosen
        for combo, number in ((self.diff_from, older), (self.diff_to, newer)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(number)))
            combo.blockSignals(False)
        self._compare()

    def _compare(self, *_args: Any) -> None:
        if self.overview is None or self.diff_from.currentIndex() < 0 or self.diff_to.currentIndex() < 0:
            return
        older = self.overview.versions[self.diff_from.currentData()]
        newer = self.overview.versions[self.diff_to.currentData()]
        rows = version_diff(older, newer)
        self.diff.load(lambda offset, limit: rows[offset:offset + limit])
        self.diff_note.setText(self.tr("两个版本相同") if not rows else
                               self.tr("%1 项不同").replace("%1", str(len(rows))))

    def _chosen(self, *_args: Any) -> None:
        self.diff_chosen = True

    def diff_rows(self) -> list[RuleDiff]:
        return list(self.diff.rows)

    def _history_selected(self, *_args: Any) -> None:
        rows = self.history_view.selectionModel().selectedRows()
        if rows and self.overview is not None:
            version: RuleVersion = self.history.row_at(rows[0].row())
            self.select_diff(max(0, version.number - 1), version.number)

    # ------------------------------------------------------------ texts
    def _value(self, key: str) -> str:
        if self.overview is None:
            return ""
        return rule_texts.shown(key, self.overview.in_force.values.get(key))

    def _local(self, at: Any) -> str:
        if at is None:
            return ""
        return (at.astimezone(self.zone) if self.zone is not None else at).strftime(TIME_FORMAT)

    def _status(self, status: str) -> str:
        return {"past": self.tr("已被取代"), "in_force": self.tr("现行"), "scheduled": self.tr("待生效")}[status]

    def _version_name(self, version: RuleVersion) -> str:
        return self.tr("默认规则") if version.number == 0 else self.tr("版本 %1").replace("%1", str(version.number))

    def _version_label(self, version: RuleVersion) -> str:
        name = self._version_name(version)
        return name if version.effective_at is None else f"{name} · {self._local(version.effective_at)}"

    def _changes_text(self, version: RuleVersion) -> str:
        if self.overview is None:
            return ""
        return "；".join(f"{rule_texts.label(d.key)}：{rule_texts.shown(d.key, d.old)} → "
                        f"{rule_texts.shown(d.key, d.new)}" for d in self.overview.changes(version))

    # ------------------------------------------------------------ saving
    def _saved(self, result: Any) -> None:
        self.ctx.message.emit(self.tr("已保存新规则版本（流水号 %1）").replace("%1", str(result.seq)), "success")
        self.refresh()

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        snap("rules")
        self.tabs.setCurrentIndex(1)
        if self.editor is not None and self.overview is not None and len(self.overview.versions) == 1:
            self._tour_versions()
        snap("rules_history")
        if self.editor is not None:
            self.tabs.setCurrentIndex(2)
            self.editor.reset()
            field = self.editor.fields["protection.consultant_days"]
            assert hasattr(field, "setText")
            field.setText("5000")
            self.editor.reason.setText(self.tr("集团统一调整保护期"))
            self.editor.submit()
            snap("rules_edit_error")
            self.editor.reset()
        self.tabs.setCurrentIndex(0)

    def _tour_versions(self) -> None:
        """The demo has no rule change: the tour records one now and one for two weeks ahead, as a
        manager would, so the history and the difference have something to show."""
        from datetime import timedelta

        from service import rules_admin

        desk, store = self.ctx.desk, self.ctx.store
        assert desk is not None
        now_reason = self.tr("公海认领过多，收紧每日上限")
        later_reason = self.tr("集团通知：两周后缩短保护期、加强防截客")

        def record() -> None:
            rules_admin.change_rules(desk, {"pool.daily_claim_limit": 2}, now_reason)
            rules_admin.change_rules(desk, {"protection.consultant_days": 20, "channel.pre_intercept_minutes": 60},
                                     later_reason, effective_at=store.now() + timedelta(days=14))

        self.ctx.run(record, on_done=lambda _none: self.refresh())
