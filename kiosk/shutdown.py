"""SIGTERM (systemd, `kill`, the session ending) and SIGINT (Ctrl-C in a terminal) close the kiosk as
closing it in staff mode does: the camera stopped, the workers waited for, the face worker process
ended, exit 0. Without this, SIGTERM killed the process where it stood.

Python runs a signal handler only between bytecodes of the main thread, which sits in Qt's C++ event
loop: the signal would be noticed at the next Python slot, maybe minutes later. signal.set_wakeup_fd
writes a byte to a socket pair on every signal; a QSocketNotifier on the other end wakes the event
loop, and its (Python) slot lets the handler run at once. The handler only schedules the close, so the
close never runs in the middle of whatever Python code the signal interrupted.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

log = logging.getLogger(__name__)


class SignalWatch(QObject):
    """Calls `close` on the GUI thread once one of `signals` arrives; `restore()` puts the old handlers
    back (tests)."""

    def __init__(self, close: Callable[[], None], signals: tuple[signal.Signals, ...] = (
            signal.SIGTERM, signal.SIGINT), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.close = close
        self.received: list[int] = []
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._old = {sig: signal.signal(sig, self._handle) for sig in signals}

    def _handle(self, signum: int, _frame: object) -> None:
        first = not self.received
        self.received.append(signum)
        if first:
            log.info("%s: closing the kiosk", signal.Signals(signum).name)
            QTimer.singleShot(0, self.close)

    def _drain(self) -> None:
        try:
            while self._reader.recv(64):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def restore(self) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        signal.set_wakeup_fd(self._old_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()
