"""One warning on the 预警 page: what raised it (customer masked, rule, the journal entries it rests on),
every step taken so far with its actor and note, and the next steps the workflow and the user's role
allow (service.desk.WARNING_STEPS): 记录跟进 for the consultant and the manager; 经理介入, 已解决, 排除 and 拉黑
for the manager. 拉黑 can put the customer, the agent or the channel on the blacklist as it closes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.context import ConsoleContext
from console.pages.report_words import warning_kinds, warning_statuses
from console.widgets import Form, button
from judge.facts import NATURAL
from judge.reasons import WARNING_CLOSED, WarningClosed
from service import blacklist_admin
from service.desk import MIN_NOTE, WARNING_STEPS, Desk
from service.queries.warnings import WarningRow, WarningStep, warning, warning_steps
from service.roles import PermissionDenied
from service.store import Store, WriteResult

Target = tuple[str, Any] | None  # a blacklist target: ("customer_id", 12), ("agent", "周杰"), ("channel", "贝壳")


def load_warning(store: Store, warning_id: int, consultant: str | None) -> tuple[WarningRow | None, list[WarningStep]]:
    found = warning(store, warning_id, consultant)
    return found, warning_steps(store, warning_id) if found is not None else []


def take_step(desk: Desk, warning_id: int, status: str, note: str, target: Target) -> WriteResult:
    """A step of the workflow; closing as blacklisted lists the chosen target in the same write."""
    if status == "blacklisted":
        return blacklist_admin.blacklist_for_warning(desk, warning_id, note, target)
    return desk.update_warning(warning_id, status, note)


def blacklist_targets(row: WarningRow | None) -> dict[str, tuple[str, Any]]:
    """Who a warning can put on the blacklist: its customer, and the agent and channel that brought them."""
    return {} if row is None else blacklist_admin.warning_targets(row.customer_id, row.agent, row.channel)


class WarningDetail(QWidget):
    STEP_BUTTONS = (("following", "warning_follow", "secondary"), ("intervened", "warning_intervene", "secondary"),
                    ("resolved", "warning_resolve", "primary"), ("dismissed", "warning_dismiss", "secondary"),
                    ("blacklisted", "warning_blacklist", "danger"))

    def __init__(self, ctx: ConsoleContext, on_changed: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warning_detail")
        self.ctx = ctx
        self.on_changed = on_changed
        self.current: WarningRow | None = None
        self._closed_by: tuple[str, str] | None = None  # who closed the warning shown, and how
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 0, 0, 0)
        self.heading = QLabel(self.tr("选择左侧的一条预警"))
        self.heading.setObjectName("warning_heading")
        self.heading.setProperty("role", "hint")
        column.addWidget(self.heading)
        facts = QWidget()
        self.facts = QFormLayout(facts)
        self.facts.setContentsMargins(0, 0, 0, 0)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("status", self.tr("状态")), ("customer", self.tr("客户")), ("owner", self.tr("归属顾问")),
                           ("channel", self.tr("渠道 / 经纪人")), ("at", self.tr("预警时间")), ("rule", self.tr("依据规则")),
                           ("evidence", self.tr("依据记录"))):
            value = QLabel()
            value.setObjectName(f"warning_{key}")
            value.setWordWrap(True)
            self.fields[key] = value
            self.facts.addRow(label, value)
        column.addWidget(facts)
        steps_title = QLabel(self.tr("处理记录"))
        steps_title.setObjectName("subtitle")
        column.addWidget(steps_title)
        self.steps = QListWidget()
        self.steps.setObjectName("warning_steps")
        self.steps.setWordWrap(True)
        column.addWidget(self.steps, 1)
        self.closed = QLabel()
        self.closed.setObjectName("warning_closed")
        self.closed.setProperty("role", "hint")
        column.addWidget(self.closed)
        self.action_area = QWidget()
        self.action_area.setObjectName("warning_actions")
        actions = QVBoxLayout(self.action_area)
        actions.setContentsMargins(0, 0, 0, 0)
        self.form = Form("warning_form")
        self.note = QPlainTextEdit()
        self.form.add(self.tr("处理说明"), self.note, "warning_note")
        self.note.setMaximumHeight(72)
        self.note.setPlaceholderText(self.tr("写明做了什么、结论是什么（必填）"))
        self.target = QComboBox()
        self.form.add(self.tr("拉黑对象"), self.target, "warning_target")
        actions.addWidget(self.form)
        self.step_buttons = {}
        names = {"following": self.tr("记录跟进"), "intervened": self.tr("经理介入"), "resolved": self.tr("已解决"),
                 "dismissed": self.tr("排除（误报）"), "blacklisted": self.tr("拉黑")}
        rows = (QHBoxLayout(), QHBoxLayout())  # working it (跟进, 介入), closing it (解决, 排除, 拉黑)
        for index, (status, name, role) in enumerate(self.STEP_BUTTONS):
            self.step_buttons[status] = button(names[status], name, role,
                                               lambda s=status: self.step(s))
            rows[0 if index < 2 else 1].addWidget(self.step_buttons[status])
        for row in rows:
            row.addStretch(1)
            actions.addLayout(row)
        column.addWidget(self.action_area)
        self.show_warning(None, [])

    # ------------------------------------------------------------ showing
    def load(self, warning_id: int) -> None:
        desk = self.ctx.desk
        consultant = desk.consultant if desk is not None else None
        self.ctx.run(load_warning, self.ctx.store, warning_id, consultant,
                     on_done=lambda found: self.show_warning(*found))

    def show_warning(self, row: WarningRow | None, steps: list[WarningStep]) -> None:
        if self.current is None or row is None or row.id != self.current.id:
            self.note.clear()  # a note typed for one warning is not carried to another
            self.form.clear_errors()
        self.current = row
        closing = steps[-1] if steps and row is not None and row.status in WARNING_CLOSED else None
        self._closed_by = (closing.actor, warning_statuses().get(closing.status, closing.status)) if closing else None
        self.steps.clear()
        kinds, statuses = warning_kinds(), warning_statuses()
        if row is None:
            self.heading.setText(self.tr("选择左侧的一条预警"))
            for value in self.fields.values():
                value.clear()
        else:
            self.heading.setText(self.tr("预警 #%1：%2").replace("%1", str(row.id))
                                 .replace("%2", kinds.get(row.kind, row.kind)))
            customer = f"{row.phone} {row.surname or ''}".strip() if row.customer_id is not None \
                else self.tr("（未登记的来访者）")
            values = {"status": statuses.get(row.status, row.status), "customer": customer, "owner": row.owner or "",
                      "channel": " / ".join(v for v in (row.channel, row.agent) if v and v != NATURAL)
                      or self.tr("自然来访"),
                      "at": self._local(row.at), "rule": row.rule,
                      "evidence": "、".join(f"#{seq}" for seq in row.evidence)}
            for key, text in values.items():
                self.fields[key].setText(text)
            for step in steps:
                self.steps.addItem(self.tr("%1　%2 · %3：%4").replace("%1", self._local(step.at))
                                   .replace("%2", step.actor).replace("%3", statuses.get(step.status, step.status))
                                   .replace("%4", step.note))
            if not steps:
                self.steps.addItem(self.tr("尚未处理"))
        self._fill_targets(row)
        self._show_buttons(row)

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self.ctx.zone).strftime("%Y-%m-%d %H:%M")

    def _fill_targets(self, row: WarningRow | None) -> None:
        self.target.clear()
        self.target.addItem(self.tr("请选择"), None)
        self.target.addItem(self.tr("不拉黑，仅标记预警"), "none")
        if row is None:
            return
        names = {"customer_id": self.tr("客户 %1").replace("%1", row.phone),
                 "agent": self.tr("经纪人 %1（%2）").replace("%1", row.agent or "").replace("%2", row.channel or ""),
                 "channel": self.tr("渠道 %1").replace("%1", row.channel or "")}
        for kind in blacklist_targets(row):
            self.target.addItem(names[kind], kind)

    def _show_buttons(self, row: WarningRow | None) -> None:
        """Only the steps this user may take from the warning's status now; none on a closed warning."""
        desk = self.ctx.desk
        allowed = WARNING_STEPS.get(row.status, ()) if row is not None else ()
        visible = {status: desk is not None and status in allowed
                   and desk.can("warnings.follow_up" if status == "following" else "warnings.decide")
                   for status in self.step_buttons}
        for status, widget in self.step_buttons.items():
            widget.setVisible(visible[status])
            widget.setEnabled(True)
        box = self.target.parentWidget()
        if box is not None:
            self.form.form.setRowVisible(box, visible["blacklisted"])
        self.action_area.setVisible(any(visible.values()))
        self.closed.setVisible(row is not None and not allowed)
        self.closed.setText(self.tr("此预警已被 %1 处理（%2）。").replace("%1", self._closed_by[0])
                            .replace("%2", self._closed_by[1]) if self._closed_by else self.tr("此预警已处理完毕。"))

    # ------------------------------------------------------------ steps
    def step(self, status: str) -> None:
        row, desk = self.current, self.ctx.desk
        if row is None or desk is None:
            return
        self.form.clear_errors()
        note = self.note.toPlainText().strip()
        target: Target = None
        if len(note) < MIN_NOTE:
            self.form.error("warning_note", self.tr("请写明处理说明（至少 %n 个字）", "", MIN_NOTE))
            return
        if status == "blacklisted":
            chosen = self.target.currentData()
            if chosen is None:
                self.form.error("warning_target", self.tr("请选择要拉黑的对象，或选“不拉黑，仅标记预警”"))
                return
            target = blacklist_targets(row).get(chosen)
        for widget in self.step_buttons.values():
            widget.setEnabled(False)
        self.ctx.run(take_step, desk, row.id, status, note, target, on_done=self._done, on_error=self._refused)

    def _done(self, _result: WriteResult) -> None:
        self.note.clear()
        self.ctx.message.emit(self.tr("预警已更新"), "success")
        if self.current is not None:
            self.load(self.current.id)
        self.on_changed()

    def _refused(self, error: BaseException) -> None:
        self._show_buttons(self.current)
        if isinstance(error, PermissionDenied):
            self.ctx.message.emit(str(error), "error")
        elif isinstance(error, WarningClosed) and self.current is not None:
            # another manager closed it meanwhile: said, and the warning reloaded to show who and how
            self.ctx.message.emit(str(error), "error")
            self.load(self.current.id)
            self.on_changed()
        else:
            self.form.error("warning_note", str(error))
