"""The rule set's defaults (resources/rules/default.toml): the main ones editable here, the others shown
as they will be (the 规则 page changes any of them later, as a new version with a reason). Values are
bounded as the engine bounds them (judge/rules.py) and checked again by service.rules_admin before going on."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from console.first_run.parts import say, status
from console.pages import rule_texts
from console.widgets import BUTTON_HEIGHT
from judge.rules import DEFAULT_VALUES, FALLBACK_RANGE, INT_RANGES
from service.rules_admin import RulesRefused, check_values

MAIN_RULES = ("protection.consultant_days", "protection.follow_up_days", "channel.mode", "channel.number_mode",
              "channel.visit_deadline_hours", "channel.pre_intercept_minutes", "channel.protection_days",
              "pool.daily_claim_limit")


def field_name(key: str) -> str:
    return "first_run_rule_" + key.replace(".", "_")


class RulesPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("first_run_rules")
        self.setTitle(self.tr("判客规则"))
        self.setSubTitle(self.tr("以下为默认规则。可在此修改主要几项；其余建站后可在“规则”页修改（留有记录）。"))
        column = QVBoxLayout(self)
        main = QGridLayout()  # two columns of label and field: the page fits a 720-pixel-high wizard
        main.setHorizontalSpacing(12)
        self.fields: dict[str, QWidget] = {}
        for i, key in enumerate(MAIN_RULES):
            widget = self._field(key)
            widget.setToolTip(rule_texts.meaning(key))
            main.addWidget(QLabel(rule_texts.label(key)), i // 2, (i % 2) * 2)
            main.addWidget(widget, i // 2, (i % 2) * 2 + 1)
            self.fields[key] = widget
        main.setColumnStretch(1, 1)
        main.setColumnStretch(3, 1)
        column.addLayout(main)
        self.problem = status("first_run_rules_problem")
        column.addWidget(self.problem)
        others = QGridLayout()
        others.setHorizontalSpacing(16)
        rest = [key for key in DEFAULT_VALUES if key not in MAIN_RULES]
        for i, key in enumerate(rest):
            name = QLabel(rule_texts.label(key))
            value = QLabel(rule_texts.shown(key, DEFAULT_VALUES[key]))
            value.setObjectName(field_name(key))
            name.setToolTip(rule_texts.meaning(key))
            others.addWidget(name, i // 2, (i % 2) * 2)
            others.addWidget(value, i // 2, (i % 2) * 2 + 1)
        heading = QLabel(self.tr("其他规则（默认值）"))
        heading.setObjectName("subtitle")
        column.addWidget(heading)
        column.addLayout(others)
        column.addStretch(1)

    def _field(self, key: str) -> QWidget:
        default = DEFAULT_VALUES[key]
        options = rule_texts.choices(key)
        widget: QWidget
        if options:
            combo = QComboBox()
            for shown, value in options:
                combo.addItem(shown, value)
            combo.setCurrentIndex([value for _shown, value in options].index(default))
            widget = combo
        else:
            spin = QSpinBox()
            low, high = INT_RANGES.get(key, FALLBACK_RANGE)
            spin.setRange(low, high)
            spin.setValue(int(default))
            widget = spin
        widget.setObjectName(field_name(key))
        widget.setMinimumHeight(BUTTON_HEIGHT)
        return widget

    def values(self) -> dict[str, Any]:
        """Every main rule as set on the page (equal to the default or not)."""
        out: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                out[key] = widget.currentData()
            elif isinstance(widget, QSpinBox):
                out[key] = widget.value()
        return out

    def changes(self) -> dict[str, Any]:
        return {key: value for key, value in self.values().items() if value != DEFAULT_VALUES[key]}

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        try:
            check_values(self.values())
        except RulesRefused as refused:
            say(self.problem, f"{rule_texts.label(refused.field)}：{refused}", "error")
            return False
        say(self.problem, "")
        return True
