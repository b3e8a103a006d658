"""Phone: an on-screen numeric keypad, the number checked with phonenumbers as it is typed."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout

from db.personal import InvalidPhone, normalize_phone, phone_entry_kind
from kiosk.widgets import Columns, Keypad, Screen, button, label

CLEAR, BACK = "C", "<"
KEYS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), (CLEAR, "0", BACK))
MOBILE_DIGITS = 11


def grouped(digits: str) -> str:
    """138 1234 5678, as people read numbers aloud."""
    return " ".join(part for part in (digits[:3], digits[3:7], digits[7:]) if part)


class PhoneScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("phone")
        self.kiosk = kiosk
        self.digits = ""
        body = Columns("phone_body")  # landscape: the number beside the keypad
        self.notice = label("", "phone_notice", size=24)
        body.first.addStretch(1)
        body.first.addWidget(self.notice)
        body.first.addWidget(label(self.tr("请输入您的手机号"), "phone_title", size=36, bold=True))
        self.display = label("", "phone_display", size=48, bold=True)
        self.display.setMinimumHeight(80)
        body.first.addWidget(self.display)
        self.hint = label("", "phone_hint", size=22)
        body.first.addWidget(self.hint)
        body.first.addStretch(1)
        self.keypad = Keypad(KEYS, "digits", key_height=84, grow=1.6)
        self.keypad.key(CLEAR).setText(self.tr("清空"))
        self.keypad.key(BACK).setText(self.tr("删除"))
        self.keypad.pressed.connect(self.press)
        body.second.addWidget(self.keypad)
        self.layout_.addWidget(body, 1)
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addWidget(button(self.tr("返回"), "phone_back", "secondary", height=88, on_click=kiosk.reset))
        self.next = button(self.tr("下一步"), "phone_next", "primary", height=88, on_click=self._next)
        row.addWidget(self.next)
        self.layout_.addLayout(row)

    def enter(self) -> None:
        flow = self.kiosk.flow
        if flow is None:
            flow = self.kiosk.begin("phone")
        self.digits = "".join(ch for ch in flow.phone if ch.isdigit())[-MOBILE_DIGITS:] if flow.phone else ""
        if flow.method not in ("qr",):
            self.notice.setText(self.tr("身份证已读取，请补充手机号") if flow.id_card else "")
        self._update()

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)

    def press(self, key: str) -> None:
        if key == CLEAR:
            self.digits = ""
        elif key == BACK:
            self.digits = self.digits[:-1]
        elif len(self.digits) < MOBILE_DIGITS:
            self.digits += key
        self._update()

    def valid_number(self) -> str | None:
        if len(self.digits) != MOBILE_DIGITS:
            return None
        try:
            return normalize_phone(self.digits)
        except InvalidPhone:
            return None

    def _update(self) -> None:
        self.display.setText(grouped(self.digits) or "—")
        kind = phone_entry_kind(self.digits)
        ok = kind == "mobile"
        self.next.setEnabled(ok)
        self.hint.setText(self._hint(kind))
        self.display.setProperty("state", "ok" if ok else ("" if kind in ("", "short") else "bad"))

    def _hint(self, kind: str) -> str:
        """Said as soon as the number's start shows what it is: a hotline or a landline is not a mobile,
        whatever its length (it was "还差 1 位" for a 400 number, "请检查" for a landline)."""
        if kind == "short":
            return self.tr("还差 %1 位").replace("%1", str(MOBILE_DIGITS - len(self.digits)))
        return {
            "": self.tr("11 位手机号"),
            "mobile": self.tr("号码正确"),
            "landline": self.tr("请输入您的手机号：座机号码无法登记"),
            "service": self.tr("请输入您的手机号：热线号码无法登记"),
            "not_mobile": self.tr("请输入您的手机号：热线/座机号码无法登记"),
            "foreign": self.tr("请输入中国大陆手机号：境外号码无法登记"),
        }.get(kind, self.tr("这不是有效的手机号，请检查"))

    def _next(self) -> None:
        flow = self.kiosk.flow
        if flow is None or self.valid_number() is None:
            self.hint.setText(self._hint(phone_entry_kind(self.digits) or "invalid"))
            return
        flow.phone = self.digits
        self.kiosk.screen("returning").after_phone(flow)  # a known number: 张女士 · 138****5678，是您吗？
