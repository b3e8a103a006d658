"""Last page: runs what the wizard collected (operations/first_run.py: a new site as `anchang init` makes one,
or joining a site) on the worker pool, showing each step as it is done. On a failure the reason stays on
the page and 上一步 leads back to change what was wrong; after success the wizard can only finish."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWizard, QWizardPage

from console.first_run.parts import say, status


class Progress(QObject):
    """Lines said on a worker thread, delivered on the GUI thread (a queued signal)."""

    line = Signal(str)


class FinishPage(QWizardPage):
    def __init__(self, wizard: Any) -> None:
        super().__init__()
        self.setObjectName("first_run_finish")
        self.setTitle(self.tr("正在设置"))
        self.wizard_ = wizard
        self.done = False
        self.running = False
        column = QVBoxLayout(self)
        self.log = QPlainTextEdit()
        self.log.setObjectName("first_run_log")
        self.log.setReadOnly(True)
        column.addWidget(self.log, 1)
        self.result = status("first_run_result")
        column.addWidget(self.result)
        self.progress = Progress(self)
        self.progress.line.connect(self.log.appendPlainText)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.log.clear()
        say(self.result, "")
        self.done, self.running = False, True
        self.completeChanged.emit()
        work, plan = self.wizard_.work()
        self.wizard_.runner.run(work, plan, self.progress.line.emit, on_done=self._done, on_error=self._failed)

    def _done(self, url: str) -> None:
        self.running, self.done = False, True
        self.wizard_.database_url = url
        self.setTitle(self.tr("设置完成"))
        text = (self.tr("已加入站点。点击“完成”打开登录界面。") if self.wizard_.joining()
                else self.tr("站点已建好。点击“完成”打开登录界面，以管理员 admin 和刚才设置的密码登录。"))
        say(self.result, text, "success")
        for done_now in (QWizard.WizardOption.NoBackButtonOnLastPage, QWizard.WizardOption.NoCancelButtonOnLastPage):
            self.wizard_.setOption(done_now, True)  # the site exists now: only 完成 is left
        self.completeChanged.emit()

    def _failed(self, error: BaseException) -> None:
        self.running = False
        say(self.result, self.tr("未能完成：%1").replace("%1", str(error)) + "\n" +
            self.tr("请点击“上一步”修改后重试。"), "error")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.done
