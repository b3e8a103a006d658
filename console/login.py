"""Login and lock screen: user name and password, checked by service.users.authenticate on a worker.

Locked (after idle): the user name is fixed and the same user's password unlocks; 切换用户 logs out.
Wrong passwords: after five in a row the user is held off (service.users), and the screen says for how long.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.widgets import Form, button
from service import users
from service.users import AuthError, User


class LoginScreen(QWidget):
    logged_in = Signal(object)  # service.users.User
    switch_user = Signal()

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("login")
        self.ctx = ctx
        self.locked_user: str | None = None
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card = QFrame()
        card.setProperty("role", "card")
        card.setFixedWidth(520)
        column = QVBoxLayout(card)
        column.setContentsMargins(32, 32, 32, 32)
        column.setSpacing(16)
        self.title = QLabel(self.tr("案场通 · 工作台"))
        self.title.setObjectName("title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle = QLabel(self.tr("请登录"))
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form = Form("login_form")
        self.name = self.form.add(self.tr("用户名"), QLineEdit(), "login_name")
        self.password = self.form.add(self.tr("密码"), QLineEdit(), "login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        self.name.returnPressed.connect(self.password.setFocus)
        self.submit_button = button(self.tr("登录"), "login_submit", "primary", self.submit)
        self.switch_button = button(self.tr("切换用户"), "login_switch", "link", self.switch_user.emit)
        self.switch_button.hide()
        self.notice = QLabel()  # what the last session left undone (writes kept for the clock or the lock)
        self.notice.setObjectName("login_notice")
        self.notice.setProperty("role", "error")
        self.notice.setWordWrap(True)
        self.notice.hide()
        for widget in (self.title, self.subtitle, self.notice, self.form, self.submit_button, self.switch_button):
            column.addWidget(widget)
        outer.addWidget(card)

    def lock(self, user_name: str) -> None:
        self.locked_user = user_name
        self.name.setText(user_name)
        self.name.setReadOnly(True)
        self.subtitle.setText(self.tr("已锁定，请输入密码解锁"))
        self.switch_button.show()
        self._reset()

    def unlock_state(self) -> None:
        self.locked_user = None
        self.name.setReadOnly(False)
        self.name.clear()
        self.subtitle.setText(self.tr("请登录"))
        self.switch_button.hide()
        self._reset()

    def _reset(self) -> None:
        self.password.clear()
        self.form.clear_errors()
        self.submit_button.setEnabled(True)

    def submit(self) -> None:
        name, secret = self.name.text().strip(), self.password.text()
        self.form.clear_errors()
        if not name:
            self.form.error("login_name", self.tr("请输入用户名"))
            return
        if not secret:
            self.form.error("login_password", self.tr("请输入密码"))
            return
        self.submit_button.setEnabled(False)
        self.ctx.run(users.authenticate, self.ctx.store, name, secret, on_done=self._done, on_error=self._refused)

    def _done(self, user: User) -> None:
        self._reset()
        self.notice.hide()
        self.logged_in.emit(user)

    def _refused(self, error: BaseException) -> None:
        self.submit_button.setEnabled(True)
        self.password.clear()
        if isinstance(error, AuthError) and error.retry_after:
            self.form.error("login_password", self.tr("错误次数过多，请 %n 秒后再试", "", int(error.retry_after)))
        elif isinstance(error, AuthError):
            self.form.error("login_password", self.tr("用户名或密码错误，或用户已停用"))
        else:
            self.form.error("login_password", str(error))
