"""The 规则 page's edit form: every rule, in force now, in two columns; when the new version takes effect
(now, or a later time in the site's time zone); and the reason, which is required.

Each value is checked before the store is asked (a whole number in its range, a known time zone); a
refusal shows beside its field, and the store checks again (service.rules_admin) and names the field of
anything it refuses. What is typed stays while the page refreshes on journal news: the fields are
filled from the version in force only when nothing has been edited, after a save, or on 还原.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from console.context import ConsoleContext
from console.pages import rule_texts
from console.widgets import Form, button
from judge.rules import DEFAULT_VALUES, FALLBACK_RANGE, INT_RANGES, MAX_SCHEDULE_DAYS
from service import rules_admin
from service.desk import MIN_REASON

LEFT_SECTIONS = ("site", "protection", "channel")  # the rest (pool, rotation, warnings) on the right


def field_name(key: str) -> str:
    return "rule_" + key.replace(".", "_")


class RulesEditor(QWidget):
    saved = Signal(object)  # the WriteResult

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rules_editor")
        self.ctx = ctx
        self.zone: ZoneInfo | None = None
        self.in_force: dict[str, Any] = {}
        self.dirty = False
        self.fields: dict[str, QWidget] = {}
        self.forms: dict[str, Form] = {}
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 12, 12, 12)
        self.form_error = QLabel()
        self.form_error.setObjectName("rules_edit_error")
        self.form_error.setProperty("role", "error")
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        column.addWidget(self.form_error)
        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        left, right = Form("rules_form_left"), Form("rules_form_right")
        for key in DEFAULT_VALUES:
            form = left if key.split(".")[0] in LEFT_SECTIONS else right
            self._add_rule(form, key)
        self._add_when_and_why(right)
        grid.addWidget(left, 0, 0)
        grid.addWidget(right, 0, 1)
        column.addLayout(grid)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button(self.tr("还原为现行规则"), "rules_reset", "secondary", self.reset))
        row.addWidget(button(self.tr("保存为新版本"), "rules_save", "primary", self.submit))
        column.addLayout(row)
        column.addStretch(1)

    # ------------------------------------------------------------ building
    def _add_rule(self, form: Form, key: str) -> None:
        options = rule_texts.choices(key)
        widget: QWidget
        if options:
            combo = QComboBox()
            for text, value in options:
                combo.addItem(text, value)
            combo.activated.connect(self._edited)
            widget = combo
        else:
            line = QLineEdit()
            line.textEdited.connect(self._edited)
            low, high = INT_RANGES.get(key, FALLBACK_RANGE)
            if key != "site.timezone":
                line.setPlaceholderText(f"{low}–{high}")
            widget = line
        widget.setToolTip(f"{rule_texts.meaning(key)}\n{key}")
        form.add(rule_texts.label(key), widget, field_name(key))
        self.fields[key], self.forms[key] = widget, form

    def _add_when_and_why(self, form: Form) -> None:
        self.when_form = form
        choice = QWidget()
        row = QHBoxLayout(choice)
        row.setContentsMargins(0, 0, 0, 0)
        self.now_choice = QRadioButton(self.tr("立即生效"))
        self.now_choice.setObjectName("rules_effective_now")
        self.later_choice = QRadioButton(self.tr("指定时间"))
        self.later_choice.setObjectName("rules_effective_later")
        group = QButtonGroup(self)
        group.addButton(self.now_choice)
        group.addButton(self.later_choice)
        self.now_choice.setChecked(True)
        self.effective = QDateTimeEdit()
        self.effective.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.effective.setCalendarPopup(True)
        self.effective.setEnabled(False)
        self.later_choice.toggled.connect(self.effective.setEnabled)
        row.addWidget(self.now_choice)
        row.addWidget(self.later_choice)
        row.addWidget(self.effective, 1)
        form.add(self.tr("生效时间"), choice, "rules_effective_at")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("例如：集团统一调整保护期"))
        form.add(self.tr("修改原因"), self.reason, "rules_reason")

    # ------------------------------------------------------------ filling
    def show_rules(self, values: dict[str, Any], zone: ZoneInfo, now: datetime) -> None:
        """The version in force; the fields follow it unless something was edited."""
        self.in_force, self.zone = dict(values), zone
        if not self.dirty:
            self._fill(now)

    def reset(self) -> None:
        self.dirty = False
        self._clear_errors()
        if self.zone is not None:
            self._fill(datetime.now(self.zone))

    def _fill(self, now: datetime) -> None:
        for key, widget in self.fields.items():
            value = self.in_force.get(key, DEFAULT_VALUES[key])
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif isinstance(widget, QLineEdit):
                widget.setText(str(value))
        local = (now.astimezone(self.zone) if self.zone else now) + timedelta(days=1)
        self.effective.setDateTime(QDateTime(QDate(local.year, local.month, local.day), QTime(0, 0)))
        self.now_choice.setChecked(True)

    def _edited(self, *_args: Any) -> None:
        self.dirty = True

    # ------------------------------------------------------------ checking and saving
    def _clear_errors(self) -> None:
        for form in set(self.forms.values()):
            form.clear_errors()
        self.form_error.hide()

    def error(self, field: str, text: str) -> None:
        """Shows a refusal beside its field: a rule key, "reason", "effective_at", or "" for the form."""
        if field in self.forms:
            self.forms[field].error(field_name(field), text)
        elif field in ("reason", "effective_at"):
            self.when_form.error(f"rules_{field}", text)
        else:
            self.form_error.setText(text)
            self.form_error.show()

    def read_values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The value of each field, and the reason of each field that holds none."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                values[key] = widget.currentData()
                continue
            assert isinstance(widget, QLineEdit)
            text = widget.text().strip()
            if key == "site.timezone":
                try:
                    ZoneInfo(text)
                    values[key] = text
                except (ZoneInfoNotFoundError, ValueError):
                    errors[key] = self.tr("未知时区，例如 Asia/Shanghai")
                continue
            low, high = INT_RANGES.get(key, FALLBACK_RANGE)
            try:
                number = int(text)
            except ValueError:
                errors[key] = self.tr("请输入整数（%1–%2）").replace("%1", str(low)).replace("%2", str(high))
                continue
            if not low <= number <= high:
                errors[key] = self.tr("应在 %1 到 %2 之间").replace("%1", str(low)).replace("%2", str(high))
            values[key] = number
        return values, errors

    def effective_at(self) -> tuple[datetime | None, str]:
        if not self.later_choice.isChecked() or self.zone is None:
            return None, ""
        chosen = self.effective.dateTime()
        day, clock = chosen.date(), chosen.time()
        when = datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(), tzinfo=self.zone)
        now = datetime.now(self.zone)
        if when <= now:
            return None, self.tr("生效时间须晚于现在；现在生效请选“立即生效”")
        if when - now > timedelta(days=MAX_SCHEDULE_DAYS):
            return None, self.tr("最多提前 %1 天").replace("%1", str(MAX_SCHEDULE_DAYS))
        return when, ""

    def submit(self) -> None:
        self._clear_errors()
        values, errors = self.read_values()
        when, when_error = self.effective_at()
        if when_error:
            errors["effective_at"] = when_error
        reason = self.reason.text().strip()
        if len(reason) < MIN_REASON:
            errors["reason"] = self.tr("请写明修改原因（至少 %1 个字）").replace("%1", str(MIN_REASON))
        changes = {key: value for key, value in values.items() if self.in_force.get(key) != value}
        if not changes and not errors:
            errors[""] = self.tr("没有修改任何规则：请先改动要调整的规则")
        for field, text in errors.items():
            self.error(field, text)
        if errors:
            return
        desk = self.ctx.desk
        assert desk is not None
        self.ctx.run(rules_admin.change_rules, desk, changes, reason, when, on_done=self._saved,
                     on_error=self._refused)

    def _saved(self, result: Any) -> None:
        self.reason.clear()
        self.dirty = False
        self.saved.emit(result)

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, rules_admin.RulesRefused):
            self.error(error.field, str(error))
        else:
            self.ctx.message.emit(str(error), "error")

