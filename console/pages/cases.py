"""判客: the open cases (the manager's queue, oldest first) and the decided ones; a case with both sides'
evidence and the decision (console/pages/case_detail.py); a consultant's appeal (申诉) form.

A consultant sees the cases they are a side of and those about their own customers, and may appeal;
only a manager decides. Two managers deciding one case at once: the engine takes the first and refuses
the second, whose page then shows who decided it and how.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.pages.base import Page, Snap
from console.pages.case_detail import CaseDetailView, text_label
from console.pages.dashboard_print import ReportOutput
from console.widgets import Column, Form, PagedTableModel, button, table_view
from db.personal import InvalidPhone
from judge.reasons import EngineError
from reports import desk_reports
from service import appeals
from service.desk import MIN_REASON, Desk
from service.queries import cases as queries
from service.roles import PermissionDenied
from service.store import WriteResult

DECISION_COLUMNS = (6, 7)  # 裁决, 裁决人: shown in the decided list only


class CasesPage(Page):
    key = "cases"
    permission = "cases.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        desk = ctx.desk
        self.may_decide = desk is not None and desk.can("cases.decide")
        self.may_appeal = desk is not None and desk.can("cases.appeal")
        self.status = queries.OPEN
        self.zone: Any = None
        self.case_id: int | None = None
        self.heading(self.title())

        bar = QHBoxLayout()
        self.show_open = button(self.tr("待裁决"), "show_open", "secondary", lambda: self.show_status(queries.OPEN))
        self.show_decided = button(self.tr("已裁决"), "show_decided", "secondary",
                                   lambda: self.show_status(queries.DECIDED))
        group = QButtonGroup(self)
        for toggle in (self.show_open, self.show_decided):
            toggle.setCheckable(True)
            group.addButton(toggle)
            bar.addWidget(toggle)
        bar.addStretch(1)
        if self.may_appeal:
            bar.addWidget(button(self.tr("我要申诉"), "appeal", "primary", self.open_appeal))
        self.layout_.addLayout(bar)

        self.stack = QStackedWidget()
        self.layout_.addWidget(self.stack, 1)
        self.model = PagedTableModel(ctx, [
            Column(self.tr("案件"), lambda r: f"#{r.id}", align_right=True),
            Column(self.tr("立案时间"), lambda r: self._local(r.opened_at)),
            Column(self.tr("类型"), lambda r: self.detail.kind_label(r.kind)),
            Column(self.tr("客户"), lambda r: f"{r.phone} {r.surname or ''}".strip()),
            Column(self.tr("申请方"), lambda r: self.detail.verdict_label(r.claimant)),
            Column(self.tr("建议裁决"), lambda r: self.detail.verdict_label(r.recommended)),
            Column(self.tr("裁决"), lambda r: self.detail.verdict_label(r.verdict) if r.verdict else ""),
            Column(self.tr("裁决人"), lambda r: r.decided_by or "")])
        self.table = table_view(self.model, "cases_table")
        self.table.doubleClicked.connect(lambda index: self.open_case(self.model.row_at(index.row()).id))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        listing = QWidget()
        column = QVBoxLayout(listing)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.empty = text_label(role="hint", name="cases_empty")
        row.addWidget(self.empty, 1)
        self.open_button = button(self.tr("查看案件"), "open_case", "primary", self._open_selected)
        self.open_button.setEnabled(False)
        row.addWidget(self.open_button)
        column.addLayout(row)
        self.model.loaded.connect(self._loaded)
        self.model.loaded.connect(self._fit_columns)
        self.stack.addWidget(listing)

        self.detail = CaseDetailView()
        self.detail.back_requested.connect(self.back_to_list)
        self.detail.decide_requested.connect(self.decide)
        if desk is not None and desk.can("cases.print"):  # 判客裁决书, as PDF or on paper
            self.sheet = ReportOutput(ctx, self)
            self.detail.case_actions.addWidget(button(self.tr("导出裁决书PDF"), "case_sheet_pdf", "secondary",
                                                 self.export_sheet))
            self.detail.case_actions.addWidget(button(self.tr("打印裁决书"), "case_sheet_print", "secondary",
                                                 self.print_sheet))
        self.stack.addWidget(self.detail)
        self.appeal_card = self._build_appeal()
        self.stack.addWidget(self.appeal_card)
        self._mark(queries.OPEN)

    def title(self) -> str:
        return self.tr("判客")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None  # the window builds pages after a login
        return self.ctx.desk

    def _build_appeal(self) -> QFrame:
        card = QFrame()
        card.setObjectName("appeal_card")
        card.setProperty("role", "card")
        card.setMaximumWidth(720)
        column = QVBoxLayout(card)
        column.setContentsMargins(16, 12, 16, 12)
        column.addWidget(text_label(self.tr("申诉：您认为该客户归您，请经理裁决。号码只用于查找客户，不会显示。"), "hint"))
        self.appeal_form = Form("appeal_form")
        self.appeal_phone = QLineEdit()
        self.appeal_form.add(self.tr("客户手机号"), self.appeal_phone, "appeal_phone")
        self.appeal_phone.setPlaceholderText(self.tr("客户的完整手机号"))
        self.appeal_reason = QPlainTextEdit()
        self.appeal_form.add(self.tr("申诉理由"), self.appeal_reason, "appeal_reason")
        self.appeal_reason.setFixedHeight(120)
        self.appeal_reason.setPlaceholderText(self.tr("例如：客户首访前一天由我电话邀约，有通话记录"))
        column.addWidget(self.appeal_form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button(self.tr("取消"), "cancel_appeal", "secondary", self.back_to_list))
        self.submit_button = button(self.tr("提交申诉"), "submit_appeal", "primary", self.submit_appeal)
        row.addWidget(self.submit_button)
        column.addLayout(row)
        column.addStretch(1)
        return card

    # ------------------------------------------------------------ the lists
    def refresh(self) -> None:
        desk = self.desk

        def load() -> tuple[Any, dict[str, int]]:
            return desk.store.rules_at().timezone, queries.case_counts(desk)

        self.ctx.run(load, on_done=self._counted)
        if self.stack.currentWidget() is self.detail and self.case_id is not None:
            self.open_case(self.case_id)

    def _counted(self, result: tuple[Any, dict[str, int]]) -> None:
        self.zone, counts = result
        self.show_open.setText(self.tr("待裁决 (%1)").replace("%1", str(counts[queries.OPEN])))
        self.show_decided.setText(self.tr("已裁决 (%1)").replace("%1", str(counts[queries.DECIDED])))
        desk, status = self.desk, self.status
        self.model.load(lambda offset, limit: queries.list_cases(desk, status, offset, limit))

    def show_status(self, status: str) -> None:
        self._mark(status)
        self.back_to_list()

    def _mark(self, status: str) -> None:
        """The toggle of the list shown looks pressed; the decision columns only in the decided list."""
        self.status = status
        for toggle, shown in ((self.show_open, queries.OPEN), (self.show_decided, queries.DECIDED)):
            toggle.setChecked(status == shown)
            toggle.setProperty("role", "primary" if status == shown else "secondary")
            toggle.style().unpolish(toggle)
            toggle.style().polish(toggle)
        for column in DECISION_COLUMNS:
            self.table.setColumnHidden(column, status == queries.OPEN)

    def back_to_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.case_id = None
        self.refresh()

    def _loaded(self) -> None:
        if self.model.rows:
            self.empty.setText("")
        elif self.status == queries.OPEN:
            self.empty.setText(self.tr("没有待裁决的案件"))
        else:
            self.empty.setText(self.tr("还没有已裁决的案件"))

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.open_case(self.model.row_at(rows[0].row()).id)

    def _local(self, at: Any) -> str:
        return (at.astimezone(self.zone) if self.zone is not None else at).strftime("%m-%d %H:%M")

    # ------------------------------------------------------------ one case
    def open_case(self, case_id: int) -> None:
        self.case_id = case_id
        desk = self.desk

        def load() -> tuple[Any, queries.CaseDetail]:
            return desk.store.rules_at().timezone, queries.case_detail(desk, case_id)

        self.ctx.run(load, on_done=self._show_case)

    def _show_case(self, result: tuple[Any, queries.CaseDetail]) -> None:
        zone, detail = result
        if self.case_id != detail.case.id:
            return  # another case was opened meanwhile
        self.detail.show_detail(detail, zone, self.may_decide)
        self.stack.setCurrentWidget(self.detail)

    def export_sheet(self, path: Any = None) -> None:
        """The open case's 判客裁决书 as PDF (`path`: skip the save dialog)."""
        case_id = self.case_id
        if case_id is not None:
            self.sheet.export(lambda desk: desk_reports.case_sheet(desk, case_id), "pdf", f"判客裁决书_{case_id}",
                              path)

    def print_sheet(self, printer: Any = None) -> None:
        case_id = self.case_id
        if case_id is not None:
            self.sheet.print(lambda desk: desk_reports.case_sheet(desk, case_id), printer)

    def decide(self, case_id: int, verdict: str, reason: str) -> None:
        def done(_result: WriteResult) -> None:
            self.detail.decided()
            self.detail.show_notice(self.tr("已裁决"), "success")
            self.ctx.message.emit(self.tr("案件 #%1 已裁决").replace("%1", str(case_id)), "success")
            self.open_case(case_id)

        def refused(error: BaseException) -> None:
            self.detail.decided()
            if isinstance(error, EngineError) and "理由" in str(error) and not isinstance(error, PermissionDenied):
                self.detail.form.error("decision_reason", str(error))
            else:  # decided by another manager meanwhile, or not allowed: said above the case, which reloads
                self.detail.show_notice(str(error))
                self.open_case(case_id)

        self.ctx.run(self.desk.decide_case, case_id, verdict, reason, on_done=done, on_error=refused)

    # ------------------------------------------------------------ appeal
    def open_appeal(self) -> None:
        self.appeal_form.clear_errors()
        self.stack.setCurrentWidget(self.appeal_card)
        self.appeal_phone.setFocus()

    def submit_appeal(self) -> None:
        form = self.appeal_form
        form.clear_errors()
        phone, reason = self.appeal_phone.text().strip(), self.appeal_reason.toPlainText().strip()
        if not phone:
            form.error("appeal_phone", self.tr("请输入客户的手机号"))
        if len(reason) < MIN_REASON:
            form.error("appeal_reason", self.tr("请写明申诉理由（至少 %1 个字）").replace("%1", str(MIN_REASON)))
        if form.error_text("appeal_phone") or form.error_text("appeal_reason"):
            return
        self.submit_button.setEnabled(False)
        self.ctx.run(appeals.file_appeal_by_phone, self.desk, phone, reason,
                     on_done=self._appealed, on_error=self._appeal_refused)

    def _appealed(self, result: WriteResult) -> None:
        self.submit_button.setEnabled(True)
        self.appeal_phone.clear()
        self.appeal_reason.clear()
        case = result.outcome.new_cases[0].id if result.outcome.new_cases else None
        self.ctx.message.emit(self.tr("申诉已提交，案件 #%1 等待经理裁决").replace("%1", str(case)), "success")
        self.show_status(queries.OPEN)

    def _appeal_refused(self, error: BaseException) -> None:
        self.submit_button.setEnabled(True)
        if isinstance(error, PermissionDenied) or not isinstance(error, (EngineError, InvalidPhone)):
            self.ctx.message.emit(str(error), "error")
        elif "理由" in str(error):
            self.appeal_form.error("appeal_reason", str(error))
        else:  # the number: not a mobile, no customer to appeal (one answer, service/appeal_guard.py), lookups paused
            self.appeal_form.error("appeal_phone", str(error))

    def _fit_columns(self) -> None:
        """Columns as wide as what the rows just loaded show (the header sized itself while empty)."""
        header = self.table.horizontalHeader()
        header.resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)  # stretch again over the new widths
        header.setStretchLastSection(True)

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        self.show_status(queries.OPEN)
        snap("cases_open")
        if self.model.rows:
            self.open_case(self.model.rows[0].id)
            snap("case_evidence")
            if self.may_decide and self.detail.verdict.count() > 1:  # the error beside the reason: nothing written
                self.detail.verdict.setCurrentIndex(self.detail.verdict.count() - 1)
                self.detail.decide()
                snap("case_override_needs_reason")
                self.detail.form.clear_errors()
        self.show_status(queries.DECIDED)
        snap("cases_decided")
        if self.may_appeal:
            self.show_status(queries.OPEN)
            self.open_appeal()
            self.appeal_phone.setText("138 1234")
            self.appeal_reason.setPlainText("客户首访前一天由我电话邀约，有通话记录")
            self.submit_appeal()
            snap("case_appeal_form")
            self.appeal_phone.clear()
            self.appeal_reason.clear()
        self.show_status(queries.OPEN)
