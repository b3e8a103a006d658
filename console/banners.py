"""The window's banners for a write that did not land, each saying what it is and the way out:

- ClockBanner (red): this station's clock disagrees with the journal, writes are paused; it names the
  difference and how many writes wait. An administrator logged in gets 接受本机时钟 (what
  `anchang clock accept` does); anyone else is told to call one, who can confirm here with their own
  password (管理员确认…), so the waiting writes of the user at this PC land without a logout.
- RefusalBanner: a refusal no page said where the user stands (the role may not, a rule, this station was
  retired), in words, until it is closed or the next one replaces it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.widgets import Form, button


def _frame(name: str) -> tuple[QFrame, QHBoxLayout, QLabel]:
    frame = QFrame()
    frame.setObjectName(name)
    row = QHBoxLayout(frame)
    row.setContentsMargins(16, 6, 16, 6)
    text = QLabel()
    text.setObjectName(f"{name}_text")
    text.setWordWrap(True)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    row.addWidget(text, 1)
    return frame, row, text


class ClockBanner(QWidget):
    def __init__(self, accept: Callable[[], None], retry: Callable[[], None], confirm: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame, row, self.text = _frame("clock_banner")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.frame)
        self.accept_button = button(self.tr("接受本机时钟"), "accept_clock", "danger", accept)
        self.confirm_button = button(self.tr("管理员确认…"), "admin_accept_clock", "secondary", confirm)
        self.retry_button = button(self.tr("重试"), "retry_writes", "secondary", retry)
        for widget in (self.accept_button, self.confirm_button, self.retry_button):
            row.addWidget(widget)
        self.gap = ""
        self.waiting = 0
        self.admin = False
        self.hide()

    def paused(self, admin: bool, waiting: int) -> None:
        self.admin, self.waiting = admin, waiting
        self._say()
        self.show()

    def set_gap(self, gap: str) -> None:
        self.gap = gap
        self._say()

    def set_waiting(self, waiting: int) -> None:
        self.waiting = waiting
        self._say()

    def resumed(self) -> None:
        self.gap, self.waiting = "", 0
        self.hide()

    def _say(self) -> None:
        text = self.tr("本机时钟与站点记录不一致，写入已暂停")
        if self.gap:
            text += self.tr("：%1").replace("%1", self.gap)
        text += self.tr("。")
        if self.waiting:
            text += self.tr("%n 项操作等待写入。", "", self.waiting)
        text += self.tr("请核对本机时间；若本机时间无误，可接受本机时钟。") if self.admin else \
            self.tr("请联系管理员核对本机时间。")
        self.text.setText(text)
        self.accept_button.setVisible(self.admin)
        self.confirm_button.setVisible(not self.admin)


class RefusalBanner(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame, row, self.text = _frame("refusal_banner")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.frame)
        self.kind = ""
        row.addWidget(button(self.tr("知道了"), "refusal_close", "secondary", self.hide))
        self.hide()

    def say(self, kind: str, words: str) -> None:
        self.kind = kind
        self.frame.setProperty("kind", kind)
        self.frame.style().unpolish(self.frame)
        self.frame.style().polish(self.frame)
        self.text.setText(words)
        self.show()


class AdminClockDialog(QDialog):
    """An administrator at someone else's console confirms this station's clock with their own name and
    password (checked like a login); the user logged in stays logged in and their writes land."""

    def __init__(self, confirm: Callable[[str, str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("admin_clock_dialog")
        self.setWindowTitle(self.tr("管理员确认本机时钟"))
        self.confirm = confirm
        column = QVBoxLayout(self)
        note = QLabel(self.tr("请管理员核对本机时间无误后，输入管理员账号和密码，接受本机时钟。"))
        note.setWordWrap(True)
        column.addWidget(note)
        self.form = Form("admin_clock_form")
        self.name = self.form.add(self.tr("管理员"), QLineEdit(), "admin_clock_name")
        self.password = self.form.add(self.tr("密码"), QLineEdit(), "admin_clock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        column.addWidget(self.form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button(self.tr("取消"), "admin_clock_cancel", "secondary", self.reject))
        self.submit_button = button(self.tr("接受本机时钟"), "admin_clock_submit", "danger", self.submit)
        row.addWidget(self.submit_button)
        column.addLayout(row)

    def submit(self) -> None:
        self.form.clear_errors()
        name, secret = self.name.text().strip(), self.password.text()
        if not name or not secret:
            self.form.error("admin_clock_password", self.tr("请输入管理员账号和密码"))
            return
        self.submit_button.setEnabled(False)
        self.confirm(name, secret)

    def refused(self, text: str) -> None:
        self.submit_button.setEnabled(True)
        self.password.clear()
        self.form.error("admin_clock_password", text)
