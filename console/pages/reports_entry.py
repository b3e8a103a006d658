"""The 报备 page's entry form: channel, agent (searchable), the customer's phone, full or 前三后四 as the
rules in force allow, and an optional surname. Each field is checked as the importer checks a sheet's
row (operations/report_sheet.py), the reason shown next to it; what was typed stays after a refusal."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.pages.report_words import report_outcome
from console.widgets import Form, button
from db.personal import InvalidPhone
from operations.report_sheet import check_agent, check_name, check_phone
from service.roles import PermissionDenied
from service.store import InvalidName, UnknownName, WriteResult


class ReportEntry(QWidget):
    def __init__(self, ctx: ConsoleContext, on_recorded: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("report_entry")
        self.ctx = ctx
        self.on_recorded = on_recorded
        self.channels: dict[str, list[str]] = {}
        self.number_mode = "full"
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 16, 16, 16)
        column.setSpacing(12)
        self.form = Form("report_form")
        self.form.setMaximumWidth(640)
        self.channel, self.agent = QComboBox(), QComboBox()
        self.phone, self.surname = QLineEdit(), QLineEdit()
        self.form.add(self.tr("渠道"), self.channel, "report_channel")
        self.form.add(self.tr("经纪人"), self.agent, "report_agent")
        self.form.add(self.tr("客户电话"), self.phone, "report_phone")
        self.form.add(self.tr("客户姓氏（可选）"), self.surname, "report_surname")
        self.agent.setEditable(True)  # type to search: a channel may have dozens of agents
        self.agent.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.agent.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.surname.setPlaceholderText(self.tr("如 张女士；不填也可"))
        self.channel.currentTextChanged.connect(self._fill_agents)
        self.phone.returnPressed.connect(self.submit)
        self.surname.returnPressed.connect(self.submit)
        self.rule_hint = QLabel()
        self.rule_hint.setObjectName("report_rule_hint")
        self.rule_hint.setProperty("role", "hint")
        self.rule_hint.setWordWrap(True)
        self.submit_button = button(self.tr("提交报备"), "report_submit", "primary", self.submit)
        self.result = QLabel()
        self.result.setObjectName("report_result")
        self.result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.submit_button)
        row.addStretch(1)
        column.addWidget(self.form)
        column.addWidget(self.rule_hint)
        column.addLayout(row)
        column.addWidget(self.result)
        column.addStretch(1)

    def set_registry(self, channels: dict[str, list[str]], number_mode: str) -> None:
        """The registered channels and agents, and the number rule in force (refreshed by the page). The
        choices are rebuilt only when the registry changed: what is being typed stays."""
        self.number_mode = number_mode
        self._show_rule(number_mode)
        if channels == self.channels:
            return
        self.channels = channels
        current = self.channel.currentText()
        self.channel.blockSignals(True)
        self.channel.clear()
        self.channel.addItems(list(channels))
        if current in channels:
            self.channel.setCurrentText(current)
        self.channel.blockSignals(False)
        self._fill_agents(self.channel.currentText())

    def _show_rule(self, number_mode: str) -> None:
        masked_ok = number_mode == "masked_3_4"
        self.phone.setPlaceholderText(self.tr("13812345678 或 138****5678") if masked_ok else self.tr("13812345678"))
        self.rule_hint.setText(self.tr("本项目接受完整手机号或前三后四隐号（138****5678）。") if masked_ok
                               else self.tr("本项目要求完整手机号（隐号报备不予受理）。"))

    def _fill_agents(self, channel: str) -> None:
        typed = self.agent.currentText()
        self.agent.clear()
        self.agent.addItems(self.channels.get(channel, []))
        if typed in self.channels.get(channel, []):
            self.agent.setCurrentText(typed)
        else:
            self.agent.setCurrentIndex(-1)
            self.agent.setEditText("")

    def submit(self) -> None:
        self.form.clear_errors()
        channel, agent = self.channel.currentText().strip(), self.agent.currentText().strip()
        phone, surname = self.phone.text().strip(), self.surname.text().strip()
        ok = True
        if not channel:
            self.form.error("report_channel", self.tr("请选择渠道"))
            ok = False
        if not agent:
            self.form.error("report_agent", self.tr("请选择经纪人"))
            ok = False
        elif channel:
            agents = {name: ch for ch, names in self.channels.items() for name in names}
            try:
                check_agent(channel, agent, agents, set(self.channels))
            except ValueError as error:
                self.form.error("report_agent", str(error))
                ok = False
        if not phone:
            self.form.error("report_phone", self.tr("请输入客户电话"))
            ok = False
        else:
            try:
                check_phone(phone, self.number_mode)
            except ValueError as error:
                self.form.error("report_phone", str(error))
                ok = False
        try:
            name = check_name(surname)
        except ValueError as error:
            self.form.error("report_surname", str(error))
            ok = False
        if not ok:
            return
        desk = self.ctx.desk
        assert desk is not None
        self.submit_button.setEnabled(False)
        self.ctx.run(desk.record_report, channel, agent, phone, name, on_done=self._done, on_error=self._refused)

    def _done(self, result: WriteResult) -> None:
        self.submit_button.setEnabled(True)
        status = result.outcome.report_status or "pending"
        outcome = report_outcome(status, result.outcome.report_reason)
        text = self.tr("已报备 %1：%2").replace("%1", result.phone_masked or "").replace("%2", outcome)
        self.result.setText(text)
        self.result.setProperty("role", "success" if status == "pending" else "warning")
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
        self.ctx.message.emit(text, "success" if status == "pending" else "hint")
        self.phone.clear()  # the channel and agent stay: an agent often reports several customers
        self.surname.clear()
        self.on_recorded()

    def _refused(self, error: BaseException) -> None:
        self.submit_button.setEnabled(True)
        if isinstance(error, InvalidPhone):
            self.form.error("report_phone", str(error))
        elif isinstance(error, (UnknownName, InvalidName)):
            self.form.error("report_agent", str(error))
        elif isinstance(error, PermissionDenied):
            self.ctx.message.emit(str(error), "error")
        elif "number_mode" in str(error):
            self.form.error("report_phone", str(error))  # the rules changed to full numbers meanwhile
        else:
            self.ctx.message.emit(str(error), "error")
