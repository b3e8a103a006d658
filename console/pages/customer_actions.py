"""What the user's role may do on a customer's page, through the Desk (which refuses it too): 跟进 with a
note, 阶段 change, 释放 to the pool, 指派 (manager), 认领 from the pool (consultant). A consultant acts as
themself on their own customers; a manager acts in the name of a consultant (the owner by default).
A refusal is shown under the action, in the store's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QMessageBox, QPlainTextEdit, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.pages import customer_words as words
from console.widgets import Form, button
from service.desk import Desk
from service.queries.customer_page import CustomerPage
from service.queries.customers import filter_options

PANEL_WIDTH = 330
NOTE_MAX = 500


class CustomerActions(QFrame):
    def __init__(self, ctx: ConsoleContext, on_written: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customer_actions")
        self.setProperty("role", "card")
        self.setFixedWidth(PANEL_WIDTH)
        self.ctx, self.on_written = ctx, on_written
        self.page: CustomerPage | None = None
        self.customer_id: int | None = None
        desk = ctx.desk
        self.may = {p: desk is not None and desk.can(p) for p in (
            "customers.follow_up", "customers.stage", "customers.release", "customers.assign", "pool.claim")}
        self.mine = desk.consultant if desk is not None else None
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 14, 10)
        column.setSpacing(6)
        self.form = Form("customer_actions_form")
        self.acting = QComboBox()
        self.form.add(self.tr("以顾问"), self.acting, "customer_as")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(self.tr("跟进内容，例如：电话回访，周末带家人再来"))
        self.note.setFixedHeight(72)
        self.form.add(self.tr("跟进"), self.note, "customer_note")
        self.stage = QComboBox()
        for code, label in words.stage_actions().items():
            self.stage.addItem(label, code)
        self.form.add(self.tr("阶段"), self.stage, "customer_stage")
        self.assign_to = QComboBox()
        self.form.add(self.tr("指派给"), self.assign_to, "customer_assign_to")
        column.addWidget(self.form)
        self.buttons = {
            "follow_up": button(self.tr("记录跟进"), "customer_follow_up", "primary", self.follow_up),
            "stage": button(self.tr("变更阶段"), "customer_change_stage", "secondary", self.change_stage),
            "assign": button(self.tr("指派"), "customer_assign", "secondary", self.assign),
            "claim": button(self.tr("认领"), "customer_claim", "primary", self.claim),
            "release": button(self.tr("释放到公海"), "customer_release", "danger", self.confirm_release)}
        for widget in self.buttons.values():
            column.addWidget(widget)
        self.none_hint = QLabel(self.tr("您的角色只能查看此客户"))
        self.none_hint.setObjectName("customer_view_only")
        self.none_hint.setProperty("role", "hint")
        self.none_hint.setWordWrap(True)
        column.addWidget(self.none_hint)
        column.addStretch(1)
        self._consultants: list[str] = []
        if desk is not None and self.mine is None and (self.may["customers.assign"] or self.may["customers.stage"]):
            ctx.run(filter_options, desk, on_done=self._options)
        self._show_allowed()

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    def _options(self, options: Any) -> None:
        self._consultants = list(options.consultants)
        self._fill()

    def _fill(self) -> None:
        owner = self.page.owner if self.page is not None else None
        for combo in (self.acting, self.assign_to):
            combo.clear()
            for name in self._consultants:
                combo.addItem(name, name)
        if owner in self._consultants:
            self.acting.setCurrentIndex(self._consultants.index(owner))

    # ------------------------------------------------------------ which actions show
    def clear(self, customer_id: int) -> None:
        self.customer_id, self.page = customer_id, None
        self.note.clear()
        self.form.clear_errors()
        self._show_allowed()

    def show_page(self, page: CustomerPage) -> None:
        if page.id != self.customer_id:
            self.note.clear()
        self.customer_id, self.page = page.id, page
        self._fill()
        self._show_allowed()

    def _show_allowed(self) -> None:
        page = self.page
        owner = page.owner if page is not None else "none"
        open_to_me = page is not None and not page.forgotten and (self.mine is None or owner == self.mine)
        shown = {
            "follow_up": open_to_me and self.may["customers.follow_up"],
            "stage": open_to_me and self.may["customers.stage"],
            "release": open_to_me and self.may["customers.release"] and owner not in ("pool", "none")
            and page is not None and page.deal_at is None,  # a closed deal cannot be released
            "assign": page is not None and not page.forgotten and self.may["customers.assign"],
            "claim": page is not None and not page.forgotten and self.may["pool.claim"] and owner == "pool"}
        for name, visible in shown.items():
            self.buttons[name].setVisible(visible)
        rows = {"customer_as": self.mine is None and (shown["follow_up"] or shown["stage"]),
                "customer_note": shown["follow_up"], "customer_stage": shown["stage"],
                "customer_assign_to": shown["assign"]}
        for name, visible in rows.items():
            field = self.form.findChild(QWidget, name)
            assert field is not None
            box = field.parentWidget()  # the field's box: the field and its error line
            assert box is not None
            self.form.form.setRowVisible(box, visible)
        self.none_hint.setVisible(page is not None and not any(shown.values()))

    # ------------------------------------------------------------ actions
    def _as(self) -> str | None:
        """The consultant a manager acts as (None: a consultant, who always acts as themself)."""
        return None if self.mine is not None else self.acting.currentData()

    def _run(self, field: str, fn: Callable[..., Any], *args: Any, done: str,
             after: Callable[[Any], str | None] | None = None) -> None:
        """Runs a Desk write; `after` may turn its result into a refusal to show (a refused claim)."""
        self.form.clear_errors()
        for widget in self.buttons.values():
            widget.setEnabled(False)

        def written(result: Any) -> None:
            self._enable()
            refusal = after(result) if after is not None else None
            if refusal:
                self.form.error(field, refusal)
                self.ctx.message.emit(refusal, "error")
            else:
                self.ctx.message.emit(done, "success")
            self.on_written()

        def refused(error: BaseException) -> None:
            self._enable()
            self.form.error(field, str(error))
            self.ctx.message.emit(str(error), "error")

        self.ctx.run(fn, *args, on_done=written, on_error=refused)

    def _enable(self) -> None:
        for widget in self.buttons.values():
            widget.setEnabled(True)

    def follow_up(self) -> None:
        note = self.note.toPlainText().strip()
        if not note:
            self.form.error("customer_note", self.tr("请填写跟进内容"))
            return
        if len(note) > NOTE_MAX:
            self.form.error("customer_note", self.tr("跟进内容不能超过 %1 个字").replace("%1", str(NOTE_MAX)))
            return

        def cleared(_result: Any) -> None:  # the note stays in its field until it is written
            if self.note.toPlainText().strip() == note:
                self.note.clear()

        self._run("customer_note", self.desk.follow_up, self.customer_id, note, self._as(),
                  done=self.tr("已记录跟进"), after=cleared)

    def change_stage(self) -> None:
        stage = self.stage.currentData()
        self._run("customer_stage", self.desk.change_stage, self.customer_id, stage, self._as(),
                  done=self.tr("阶段已变更为%1").replace("%1", self.stage.currentText()))

    def assign(self) -> None:
        consultant = self.assign_to.currentData()
        if not consultant:
            self.form.error("customer_assign_to", self.tr("请选择置业顾问"))
            return
        self._run("customer_assign_to", self.desk.assign, self.customer_id, consultant,
                  done=self.tr("已指派给%1").replace("%1", consultant))

    def claim(self) -> None:
        def refusal(result: Any) -> str | None:
            code = result.outcome.claim
            return None if code == "accepted" else words.claim_refusals().get(code, code)

        self._run("customer_note", self.desk.claim, self.customer_id, done=self.tr("已认领"), after=refusal)

    def confirm_release(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("释放到公海"),
                          self.tr("确定把该客户释放到公海吗？释放后其他顾问可以认领。"),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("release_confirm")
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("释放"))
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("取消"))
        release = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda clicked: self.release() if clicked is release else None)
        box.finished.connect(box.deleteLater)
        box.open()

    def release(self) -> None:
        owner = self.page.owner if self.page is not None else None
        consultant = None if self.mine is not None else owner  # only the owner can release
        self._run("customer_note", self.desk.release, self.customer_id, consultant, done=self.tr("已释放到公海"))
