"""Long work (verify a million journal entries, import 5,000 rows, rebuild) off the GUI thread, with a
progress bar and a cancel button; the window keeps turning its event loop meanwhile.

The work function takes a `Progress` as its first argument and calls `progress(done, total)` as it
goes; after a cancel that call raises `Cancelled`, which ends the work between two steps (the work
itself decides where a step ends, so nothing half-written is left).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from console.context import ConsoleContext
from console.widgets import button


class Cancelled(Exception):
    """The user cancelled the task."""


class Progress(QObject):
    changed = Signal(int, int)  # done, total (total 0: unknown)

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()

    def __call__(self, done: int, total: int = 0) -> None:
        if self._cancel.is_set():
            raise Cancelled
        self.changed.emit(done, total)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class ProgressPanel(QWidget):
    """A progress bar, its label and 取消; hidden while no task runs. `start(fn, *args, on_done=...)`."""

    finished = Signal(bool)  # True: done, False: cancelled or failed

    def __init__(self, ctx: ConsoleContext, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.ctx = ctx
        self.progress: Progress | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setObjectName(f"{name}_bar")
        self.bar.setMinimumHeight(28)
        self.label = QLabel()
        self.label.setProperty("role", "hint")
        self.cancel_button: QPushButton = button(self.tr("取消"), f"{name}_cancel", "secondary", self.cancel)
        row.addWidget(self.bar, 1)
        row.addWidget(self.label)
        row.addWidget(self.cancel_button)
        self.hide()

    @property
    def running(self) -> bool:
        return self.progress is not None

    def start(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None) -> Progress:
        progress = Progress()
        progress.changed.connect(self._show)
        self.progress = progress
        self.bar.setRange(0, 0)
        self.label.setText(self.tr("进行中…"))
        self.cancel_button.setEnabled(True)
        self.show()

        def done(value: Any) -> None:
            self._end()
            if on_done is not None:
                on_done(value)
            self.finished.emit(True)

        def failed(error: BaseException) -> None:
            self._end()
            if isinstance(error, Cancelled):
                self.ctx.message.emit(self.tr("已取消"), "hint")
            elif on_error is not None:
                on_error(error)
            else:
                self.ctx.message.emit(str(error), "error")
            self.finished.emit(False)

        self.ctx.run(fn, progress, *args, on_done=done, on_error=failed)
        return progress

    def cancel(self) -> None:
        if self.progress is not None:
            self.progress.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(self.tr("正在取消…"))

    def _show(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.label.setText(f"{done:,} / {total:,}")
        else:
            self.label.setText(f"{done:,}")

    def _end(self) -> None:
        self.progress = None
        self.hide()
