"""TaskRunner: store and camera work off the GUI thread, results back on it.

`run(fn, *args, on_done=..., on_error=...)` runs `fn(*args)` on a QThreadPool. The worker emits one
signal of the runner itself, a QObject living on the GUI thread, so the callbacks always run there
(a queued connection), whatever thread finished the work. A task given an `owner` (a QObject: a page,
a session) has its callbacks skipped once the owner is deleted: a window closed or a user logged out
while the work ran.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from ui import main_thread_gc

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class _Task(QRunnable):
    def __init__(self, runner: TaskRunner, task_id: int, fn: Callable[..., Any], args: tuple[Any, ...]):
        super().__init__()
        self.setAutoDelete(True)
        self._runner, self._id, self._fn, self._args = runner, task_id, fn, args

    def run(self) -> None:
        try:
            result = self._fn(*self._args)
        except BaseException as error:  # reported to on_error on the GUI thread, never lost
            self._runner._finished.emit(self._id, False, error)
        else:
            self._runner._finished.emit(self._id, True, result)


class TaskRunner(QObject):
    """Runs callables on a thread pool; `pending` counts tasks not yet reported back."""

    _finished = Signal(int, bool, object)
    idle = Signal()  # no task left

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2) -> None:
        super().__init__(parent)
        main_thread_gc.install()  # a worker must never destroy a Qt object in a collection (ui/main_thread_gc.py)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callback | None, Callback | None, QObject | None]] = {}
        self._finished.connect(self._deliver)

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callback | None = None,
            on_error: Callback | None = None, owner: QObject | None = None) -> None:
        task_id = next(self._ids)
        self._callbacks[task_id] = (on_done, on_error, owner)
        self._pool.start(_Task(self, task_id, fn, args))

    def wait(self, msecs: int = 30_000) -> bool:
        """Blocks until the pool's threads are done (shutdown, tests); callbacks still come queued."""
        return self._pool.waitForDone(msecs)

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, ok: bool, value: Any) -> None:
        on_done, on_error, owner = self._callbacks.pop(task_id, (None, None, None))
        try:
            if owner is not None and not shiboken6.isValid(owner):  # its widgets are gone with it
                if not ok:
                    log.warning("a task failed after its owner was gone: %s", value)
            elif ok:
                if on_done is not None:
                    on_done(value)
            elif on_error is not None:
                on_error(value)
            else:
                log.error("background task failed", exc_info=value)
        finally:
            if not self._callbacks:
                self.idle.emit()
