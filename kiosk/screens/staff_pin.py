"""Staff mode is opened by a long press on the start screen's corner and a receptionist's PIN
(service.users.authenticate, which holds off repeated wrong guesses)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton

from kiosk.screens.phone import BACK, CLEAR, KEYS
from kiosk.widgets import Columns, Keypad, Screen, button, clear_layout, label
from service import users

STAFF_ROLES = ("receptionist", "manager", "admin")


class StaffPinScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("staff_pin")
        self.kiosk = kiosk
        self.user = ""
        self.pin = ""
        self.layout_.addWidget(label(self.tr("前台登录"), "pin_title", size=36, bold=True))
        body = Columns("pin_body")  # landscape: who and the PIN beside the keypad
        self.users_grid = QGridLayout()
        body.first.addStretch(1)
        body.first.addLayout(self.users_grid)
        self.display = label("", "pin_display", size=40, bold=True)
        body.first.addWidget(self.display)
        self.message = label("", "pin_message", size=22)
        body.first.addWidget(self.message)
        body.first.addStretch(1)
        self.keypad = Keypad(KEYS, "pin_digits", key_height=76, grow=1.5)
        self.keypad.key(CLEAR).setText(self.tr("清空"))
        self.keypad.key(BACK).setText(self.tr("删除"))
        self.keypad.pressed.connect(self._press)
        body.second.addWidget(self.keypad)
        self.layout_.addWidget(body, 1)
        row = QHBoxLayout()
        row.addWidget(button(self.tr("取消"), "pin_cancel", "secondary", height=88, on_click=kiosk.reset))
        self.enter_button = button(self.tr("进入"), "pin_enter", "primary", height=88, on_click=self._login)
        row.addWidget(self.enter_button)
        self.layout_.addLayout(row)

    def enter(self) -> None:
        self.pin = ""
        self.message.setText("")
        self._show()
        store = self.kiosk.store
        self.kiosk.runner.run(lambda: [u.name for u in users.list_users(store)
                                       if u.active and u.role in STAFF_ROLES],
                              on_done=self._users, on_error=lambda _e: self.message.setText(
                                  self.tr("暂时无法登录：数据库不可用")))

    def _users(self, names: list[str]) -> None:
        clear_layout(self.users_grid)
        if self.user not in names:
            self.user = names[0] if len(names) == 1 else ""
        for index, name in enumerate(names):
            widget = button(name, f"user_{name}", "toggle", height=64, on_click=lambda n=name: self.choose(n))
            widget.setCheckable(True)
            widget.setChecked(name == self.user)
            self.users_grid.addWidget(widget, index // 4, index % 4)
        if not names:
            self.message.setText(self.tr("还没有前台账号：请管理员用 anchang user add 添加"))

    def choose(self, name: str) -> None:
        self.user = name
        for widget in self.findChildren(QPushButton):
            if widget.objectName().startswith("user_"):
                widget.setChecked(widget.objectName() == f"user_{name}")

    def _press(self, key: str) -> None:
        if key == CLEAR:
            self.pin = ""
        elif key == BACK:
            self.pin = self.pin[:-1]
        elif len(self.pin) < 12:
            self.pin += key
        self._show()

    def _show(self) -> None:
        self.display.setText("●" * len(self.pin) or "—")

    def _login(self) -> None:
        if not self.user:
            self.message.setText(self.tr("请先选择您的名字"))
            return
        self.enter_button.setEnabled(False)
        self.kiosk.runner.run(users.authenticate, self.kiosk.store, self.user, self.pin,
                              on_done=self._ok, on_error=self._refused)
        self.pin = ""
        self._show()

    def _ok(self, user: Any) -> None:
        self.enter_button.setEnabled(True)
        if user.role not in STAFF_ROLES:
            self.message.setText(self.tr("此账号不能进入前台模式"))
            return
        self.kiosk.staff_user = user
        self.kiosk.show_screen("staff")

    def _refused(self, error: BaseException) -> None:
        self.enter_button.setEnabled(True)
        wait = getattr(error, "retry_after", None)
        if isinstance(error, users.AuthError) and wait:
            self.message.setText(self.tr("错误次数过多，请 %1 秒后再试").replace("%1", f"{wait:.0f}"))
        elif isinstance(error, users.AuthError):
            self.message.setText(self.tr("密码错误"))
        else:
            self.message.setText(self.tr("暂时无法登录：数据库不可用"))
