"""The kiosk that cannot start: a window that says what to do, instead of a line on stderr nobody reads
(a kiosk started from the menu or at login has no terminal).

No site on this computer yet (no settings, no site keys in the data folder): create or join one in the
console (案场通 工作台), or run `anchang init` (a new site) or `anchang join` (a second station); the window
names the folder it looked in. Any other reason (a database it cannot open, a schema from a newer
version) is said with its own text. 重试 tries again on a worker, so when an administrator sets the site
up meanwhile, the kiosk starts; 关闭 ends it. The stderr line stays, and without a screen it is all
there is (exit 2, as before).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.widgets import button, label
from ui.workers import TaskRunner


class CannotStart(Exception):
    """Why the kiosk cannot start: `no_site` (nothing set up in `folder`) or `reason`, the error's text;
    `code` is the exit code when nobody retries."""

    def __init__(self, reason: str, folder: Path, *, no_site: bool = False, code: int = 2) -> None:
        super().__init__(reason)
        self.reason, self.folder, self.no_site, self.code = reason, folder, no_site, code


def can_show_window() -> bool:
    """A screen to show a window on: not Qt's offscreen or minimal platform, and on Linux a display."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in ("offscreen", "minimal"):
        return False
    if platform or not sys.platform.startswith("linux"):
        return True  # xcb or wayland chosen, eglfs / linuxfb on a bare screen, Windows, macOS
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class CannotStartWindow(QWidget):
    """`started(result)` once `attempt` (run on a worker at 重试) returns; `attempt` raises CannotStart."""

    started = Signal(object)
    closed = Signal()

    def __init__(self, problem: CannotStart, attempt: Callable[[], Any]) -> None:
        super().__init__()
        self.setObjectName("kiosk_cannot_start")
        self.setWindowTitle(self.tr("案场通 · 来访登记"))
        self.attempt = attempt
        self.runner = TaskRunner(self, max_threads=1)
        self.problem = problem
        column = QVBoxLayout(self)
        column.setContentsMargins(48, 40, 48, 40)
        column.setSpacing(20)
        self.title = label("", "cannot_start_title", size=32, bold=True)
        self.body = label("", "cannot_start_body", size=22)
        self.english = label("", "cannot_start_english", size=18)
        self.folder = label("", "cannot_start_folder", size=16)
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = label("", "cannot_start_status", size=18)
        for widget in (self.title, self.body, self.english, self.folder, self.status):
            column.addWidget(widget)
        column.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addWidget(button(self.tr("关闭"), "cannot_start_close", "secondary", height=72, on_click=self.close))
        self.retry = button(self.tr("重试"), "cannot_start_retry", "primary", height=72, on_click=self.try_again)
        row.addWidget(self.retry)
        column.addLayout(row)
        self.show_problem(problem)

    def show_problem(self, problem: CannotStart) -> None:
        self.problem = problem
        if problem.no_site:
            self.title.setText(self.tr("本机还没有案场站点"))
            self.body.setText(self.tr("请打开「案场通 工作台」创建或加入站点，或在终端运行 anchang init（新站点）"
                                      "或 anchang join 密钥包文件（加入已有站点），然后点「重试」。"))
            english = ("No site on this computer yet: open 案场通 工作台 (the console) to create or join a site, "
                       "or run anchang init (a new site) or anchang join BUNDLE_FILE (join a site), then press "
                       "重试 (retry).")
        else:
            self.title.setText(self.tr("来访登记无法启动"))
            self.body.setText(problem.reason)
            english = "The kiosk cannot start (the reason above); put it right, then press 重试 (retry)."
        # the English line for whoever sets the computer up, unless the window is in English already
        in_chinese = self.tr("本机还没有案场站点") == "本机还没有案场站点"
        self.english.setText(english if in_chinese else "")
        self.english.setVisible(in_chinese)
        self.folder.setText(self.tr("查找的数据文件夹 / data folder looked in: %1").replace("%1", str(problem.folder)))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.closed.emit()
        event.accept()

    def try_again(self) -> None:
        self.retry.setEnabled(False)
        self.status.setText(self.tr("正在重试…"))
        self.runner.run(self.attempt, on_done=self._started, on_error=self._failed)

    def _started(self, result: Any) -> None:
        self.status.setText("")
        self.started.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.retry.setEnabled(True)
        if isinstance(error, CannotStart):
            self.show_problem(error)
            self.status.setText(self.tr("仍无法启动，请按上面的说明处理后再试"))
        else:  # not expected: the attempt turns every failure into CannotStart
            self.status.setText(str(error).splitlines()[0] if str(error) else type(error).__name__)


def wait_until_started(app: QApplication, problem: CannotStart, attempt: Callable[[], Any]) -> Any | None:
    """Shows the window until 重试 starts the kiosk (its result) or the window is closed (None)."""
    window = CannotStartWindow(problem, attempt)
    result: list[Any] = []
    loop = QEventLoop()
    def started(value: Any) -> None:
        result.append(value)
        window.close()

    window.started.connect(started)
    window.closed.connect(loop.quit)
    quits = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # the kiosk's own window comes next
    window.resize(900, 560)
    window.show()
    loop.exec()
    app.setQuitOnLastWindowClosed(quits)
    window.deleteLater()
    return result[0] if result else None
