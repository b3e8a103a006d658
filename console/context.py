"""What every console page is given: the store, the logged-in user's Desk, the worker pool, and the
signals that tie the pages to the database (journal news, connection lost and back).

`ctx.run(fn, *args, on_done=...)` runs store work off the GUI thread. A refusal (EngineError, bad
input) comes back to `on_error` (or the window's message bar); a lost database raises the banner and
starts the reconnect probe (and reaches `on_error` too), and nothing on the page is rebuilt, so what was
typed into a form stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy.exc import InterfaceError, OperationalError

from db.database import DatabaseUnavailable
from db.desk import Desk
from db.service import Store
from ui.workers import TaskRunner

log = logging.getLogger(__name__)

RECONNECT_MS = 2_000
LOST_ERRORS = (DatabaseUnavailable, OperationalError, InterfaceError)


def is_connection_lost(error: BaseException) -> bool:
    return isinstance(error, LOST_ERRORS)


class ConsoleContext(QObject):
    journal = Signal(int)  # a new journal entry (any station): pages refresh what it may change
    database_lost = Signal(str)
    database_back = Signal()
    message = Signal(str, str)  # (text, kind: "error" | "success" | "hint") for the window's message bar

    def __init__(self, store: Store, desk: Desk | None = None, *, runner: TaskRunner | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._desk: Desk | None = None
        self._session: QObject | None = None
        self.desk = desk
        self.runner = runner or TaskRunner(self, max_threads=3)
        self.lost = False
        self._probing = False
        self._probe = QTimer(self)
        self._probe.setInterval(RECONNECT_MS)
        self._probe.timeout.connect(self._try_reconnect)

    @property
    def desk(self) -> Desk | None:
        return self._desk

    @desk.setter
    def desk(self, desk: Desk | None) -> None:
        """A login (a new Desk) or a logout (None) ends the session before: the answers of its pages'
        store work still on the workers are dropped (their widgets are being deleted)."""
        if desk is self._desk:
            return
        if self._session is not None:
            shiboken6.delete(self._session)
        self._session = QObject(self) if desk is not None else None
        self._desk = desk

    @property
    def zone(self) -> ZoneInfo:
        return self.store.rules_at().timezone

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        def failed(error: BaseException) -> None:
            if is_connection_lost(error):
                self.connection_lost(str(error))  # the banner; the caller still hears of it (a progress bar ends)
                if on_error is not None:
                    on_error(error)
            elif on_error is not None:
                on_error(error)
            else:
                self.message.emit(str(error), "error")
                if not isinstance(error, (ValueError, LookupError)) and not _is_refusal(error):
                    log.error("console task failed", exc_info=error)

        self.runner.run(fn, *args, on_done=on_done, on_error=failed, owner=self._session)

    # ---------------------------------------------------------------- outage
    def connection_lost(self, detail: str) -> None:
        if not self.lost:
            self.lost = True
            log.warning("database lost: %s", detail)
            self.database_lost.emit(detail)
        if not self._probe.isActive():
            self._probe.start()

    def _try_reconnect(self) -> None:
        if self._probing:
            return  # one probe at a time

        def back(_now: Any) -> None:
            self._probing = False
            self._probe.stop()
            if self.lost:
                self.lost = False
                self.database_back.emit()

        def still_lost(_error: BaseException) -> None:
            self._probing = False

        self._probing = True
        self.runner.run(self.store.now, on_done=back, on_error=still_lost)


def _is_refusal(error: BaseException) -> bool:
    from judge.reasons import EngineError

    return isinstance(error, EngineError)
