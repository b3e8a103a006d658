"""The administrator's password, typed twice: at least 8 characters of two kinds (letters, digits,
other signs). The administrator logs in as 管理员 `admin` and adds the other users on the 人员 page."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QWizardPage

from console.first_run.parts import line, say, status
from operations.first_run import MIN_PASSWORD, password_problem


class AdminPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("first_run_admin")
        self.setTitle(self.tr("管理员密码"))
        self.setSubTitle(self.tr("管理员登录名为 admin。密码至少 %1 位，须含字母、数字、符号中的两种。")
                         .replace("%1", str(MIN_PASSWORD)))
        form = QFormLayout(self)
        self.password = line("first_run_password", secret=True)
        self.again = line("first_run_password_again", secret=True)
        form.addRow(self.tr("密码"), self.password)
        form.addRow(self.tr("再输入一次"), self.again)
        self.problem = status("first_run_password_problem")
        form.addRow(self.problem)
        for field in (self.password, self.again):
            field.textChanged.connect(self._changed)

    def _messages(self) -> dict[str, str]:
        return {"short": self.tr("密码太短：至少 %1 位").replace("%1", str(MIN_PASSWORD)),
                "simple": self.tr("密码太简单：须含字母、数字、符号中的两种，且不能是重复的字符"),
                "differ": self.tr("两次输入的密码不一致")}

    def _changed(self, _text: str) -> None:
        problem = password_problem(self.password.text(), self.again.text())
        typed = bool(self.password.text())
        if problem == "differ" and not self.again.text():
            say(self.problem, "")
        else:
            say(self.problem, self._messages()[problem] if problem and typed else "", "error")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return password_problem(self.password.text(), self.again.text()) is None

    def admin_password(self) -> str:
        return self.password.text()
