"""What the wizard's pages share: fields of touch size, a status line, and the PostgreSQL connection
test (run on the wizard's worker pool, never on the GUI thread)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.widgets import BUTTON_HEIGHT, button
from operations.site_probe import DatabaseState, check_database


def line(name: str, placeholder: str = "", *, secret: bool = False) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setMinimumHeight(BUTTON_HEIGHT)
    field.setPlaceholderText(placeholder)
    if secret:
        field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def status(name: str) -> QLabel:
    """A line saying what happened (role error / success / hint, as the console's message bar)."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.hide()
    return label


def say(label: QLabel, text: str, kind: str = "hint") -> None:
    label.setText(text)
    label.setProperty("role", kind)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setVisible(bool(text))


class ConnectionTest(QWidget):
    """A PostgreSQL URL with its 连接测试. `tested` holds the URL that last connected (None after an edit
    or a failure); `changed` fires whenever that may have changed."""

    changed = Signal()

    def __init__(self, wizard: Any, name: str, *, want_site: bool) -> None:
        super().__init__()
        self.setObjectName(name)
        self.wizard, self.want_site = wizard, want_site
        self.tested: DatabaseState | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.url = line(f"{name}_url", self.tr("postgresql+psycopg://用户:密码@服务器地址/anchang"))
        self.url.textChanged.connect(self._edited)
        self.test = button(self.tr("连接测试"), f"{name}_test", "secondary", self.run_test)
        row.addWidget(self.url, 1)
        row.addWidget(self.test)
        column.addLayout(row)
        self.result = status(f"{name}_result")
        column.addWidget(self.result)

    def ok(self) -> bool:
        return self.tested is not None and self.tested.url == self.url.text().strip()

    def _edited(self, _text: str) -> None:
        if self.tested is not None:
            self.tested = None
            say(self.result, "")
            self.changed.emit()

    def run_test(self) -> None:
        url = self.url.text().strip()
        if not url:
            say(self.result, self.tr("请填写 PostgreSQL 地址"), "error")
            return
        self.test.setEnabled(False)
        say(self.result, self.tr("正在连接…"), "hint")
        self.wizard.runner.run(check_database, url, on_done=self._tested, on_error=self._failed)

    def _tested(self, state: DatabaseState) -> None:
        self.test.setEnabled(True)
        if state.url != self.url.text().strip():
            return  # edited while the test ran: that answer is for another URL
        if state.has_site and not self.want_site:
            say(self.result, self.tr("已连接，但该数据库已有站点：请返回第一步选择“加入已有站点”"), "error")
        elif not state.has_site and self.want_site:
            say(self.result, self.tr("已连接，但该数据库还没有站点：请先在第一台电脑上新建站点"), "error")
        else:
            self.tested = state
            say(self.result, self.tr("连接成功"), "success")
        self.changed.emit()

    def _failed(self, error: BaseException) -> None:
        self.test.setEnabled(True)
        self.tested = None
        say(self.result, self.tr("连接失败：%1").replace("%1", str(error)), "error")
        self.changed.emit()
