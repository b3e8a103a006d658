"""What every console page is given: the store, the logged-in user's Desk, the worker pool, and the
signals that tie the pages to the database (journal news, connection lost and back, writes refused).

`ctx.run(fn, *args, on_done=...)` runs store work off the GUI thread. Its error is classified
(console/refusals.py) and said as what it is, never dropped:
- a lost database raises the outage banner and starts the reconnect probe ("重新连接" only when it ends);
- a write that could not have the lock in time, or that the store refused for this station's clock,
  changed nothing: when the page gave no `on_error`, it is kept (`held`) and retried, in order, once the
  lock is free (automatically) or the clock is accepted (`accept_clock`, an administrator) or retried
  (`retry_held`);
- a refusal (role, rule, retired station) goes to the page's `on_error`, else to the window's refusal
  banner; role and retired-station refusals are said there in any case.
`on_error` hears of every failure (a progress bar ends, a form re-enables its button). Nothing on the page
is rebuilt, so what was typed into a form stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from console.refusals import KEPT, SAID_ALWAYS, Kind, classify, log_failure, said
from service import users
from service.desk import Desk
from service.roles import SessionEnded
from service.store import Store
from ui.workers import TaskRunner

log = logging.getLogger(__name__)

RECONNECT_MS = 2_000


@dataclass
class Held:
    """A write refused before it changed anything, kept to be retried (its page's on_done with it)."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    on_done: Callable[[Any], None] | None
    kind: Kind


class ConsoleContext(QObject):
    journal = Signal(int)  # a new journal entry (any station): pages refresh what it may change
    database_lost = Signal(str)
    database_back = Signal()
    database_busy = Signal(str)  # a write found the lock held too long: kept, and retried until it lands
    clock_refused = Signal(str)  # writes are paused for this station's clock (the store's words)
    held_changed = Signal(int)  # how many writes are kept waiting
    writes_resumed = Signal(str, int)  # (kind, writes that landed): the lock or the clock is right again
    refused = Signal(str, str)  # (kind, words): a refusal no page said where the user stands
    session_ended = Signal(str)  # the user was disabled since logging in (service.roles.SessionEnded): log out
    message = Signal(str, str)  # (text, kind: "error" | "success" | "hint") for the window's message bar

    def __init__(self, store: Store, desk: Desk | None = None, *, runner: TaskRunner | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._desk: Desk | None = None
        self._session: QObject | None = None
        self.held: list[Held] = []
        self.desk = desk
        self.runner = runner or TaskRunner(self, max_threads=3)
        self.lost = False
        self.busy = False  # the write lock: writes are kept and retried
        self.clock_paused = False  # this station's clock: writes are kept until it is accepted or right
        self._retrying: Kind | None = None  # one kept write at a time, in the order they were made
        self._landed = 0
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
        if self.held:  # the user's kept writes go with their session: said in the log, never silently
            log.warning("logout: %d kept write(s) not retried (%s)", len(self.held),
                        ", ".join(held.kind.value for held in self.held))
            self.held.clear()
            self.held_changed.emit(0)
        self._session = QObject(self) if desk is not None else None
        self._desk = desk

    @property
    def zone(self) -> ZoneInfo:
        return self.store.rules_at().timezone

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        def failed(error: BaseException) -> None:
            if isinstance(error, SessionEnded):  # nothing was written, and nothing is kept: the session is over
                log.warning("session ended: %s", error)
                self.session_ended.emit(str(error))
                return
            kind = classify(error)
            if kind in KEPT and on_error is None:
                self._hold(Held(fn, args, on_done, kind))
            self._failed(kind, error, said_by_page=on_error is not None)
            if on_error is not None:
                on_error(error)

        self.runner.run(fn, *args, on_done=on_done, on_error=failed, owner=self._session)

    def _failed(self, kind: Kind, error: BaseException, *, said_by_page: bool) -> None:
        log_failure(kind, error)
        if kind is Kind.LOST:
            self.connection_lost(str(error))
        elif kind is Kind.LOCKED and not said_by_page:  # kept: the banner, and retried until it lands
            self._write_lock_busy(str(error))
        elif kind is Kind.LOCKED:
            self.message.emit(said(error, kind), "error")
        elif kind is Kind.CLOCK:
            self.clock_paused = True
            self.clock_refused.emit(str(error))
        elif kind is Kind.INPUT and not said_by_page:
            self.message.emit(said(error, kind), "error")
        elif kind in SAID_ALWAYS or (kind in (Kind.RULE, Kind.FAULT) and not said_by_page):
            self.refused.emit(kind.value, said(error, kind, self.desk.user if self.desk is not None else None))

    # ---------------------------------------------------------------- kept writes
    def _hold(self, held: Held) -> None:
        self.held.append(held)
        self.held_changed.emit(len(self.held))

    def retry_held(self, kind: Kind = Kind.CLOCK) -> None:
        """Runs the kept writes of `kind` again, one after the other, in the order they were made; a
        refusal of the same kind stops there (the write stays kept), another is said as it is."""
        if self._retrying is not None:
            return
        held = next((h for h in self.held if h.kind is kind), None)
        if held is None:
            self._resumed(kind)
            return
        self._retrying = kind

        def landed(value: Any) -> None:
            self._retrying = None
            self.held.remove(held)
            self._landed += 1
            self.held_changed.emit(len(self.held))
            if held.on_done is not None:
                held.on_done(value)
            self.retry_held(kind)

        def refused(error: BaseException) -> None:
            self._retrying = None
            again = classify(error)
            if again is not kind:  # it is no longer a matter of the lock or the clock: said, not kept
                self.held.remove(held)
                self.held_changed.emit(len(self.held))
                if again in KEPT:
                    self._hold(Held(held.fn, held.args, held.on_done, again))
            self._failed(again, error, said_by_page=False)
            if again is not kind and again not in KEPT:
                self.retry_held(kind)  # the others may still land

        self.runner.run(held.fn, *held.args, on_done=landed, on_error=refused, owner=self._session)

    def _resumed(self, kind: Kind) -> None:
        """No write of `kind` is kept any more: the lock is free or the clock accepted."""
        landed, self._landed = self._landed, 0
        if kind is Kind.LOCKED and self.busy:
            self.busy = False
            if not self.lost:
                self._probe.stop()
            self.writes_resumed.emit(kind.value, landed)
        elif kind is Kind.CLOCK and self.clock_paused:
            self.clock_paused = False
            self.writes_resumed.emit(kind.value, landed)

    def accept_clock(self, credentials: tuple[str, str] | None = None,
                     on_error: Callable[[BaseException], None] | None = None) -> None:
        """`anchang clock accept` for this station (Desk.accept_clock, on a worker) by the administrator
        logged in, or by the one whose (name, password) are given; the writes kept for the clock are then
        retried."""
        desk = self.desk
        if credentials is None and desk is None:
            return

        def accepted(seq: int) -> None:
            who = credentials[0] if credentials is not None else desk.actor if desk is not None else "?"
            log.warning("station clock accepted by %s (journal entry #%d)", who, seq)
            self.message.emit(self.tr("已接受本机时钟（日志 #%1）").replace("%1", str(seq)), "success")
            self.retry_held(Kind.CLOCK)

        if credentials is not None:
            self.run(_accept_as, self.store, *credentials, on_done=accepted, on_error=on_error)
        elif desk is not None:
            self.run(desk.accept_clock, on_done=accepted, on_error=on_error)

    # ---------------------------------------------------------------- outage
    def connection_lost(self, detail: str) -> None:
        if not self.lost:
            self.lost = True
            log.warning("database lost: %s", detail)
            self.database_lost.emit(detail)
        if not self._probe.isActive():
            self._probe.start()

    def _write_lock_busy(self, detail: str) -> None:
        if not self.busy:
            self.busy = True
            self.database_busy.emit(detail)
        if not self._probe.isActive():
            self._probe.start()

    def _try_reconnect(self) -> None:
        if self.busy and not self.lost:  # the server answers: the kept writes are the probe
            self.retry_held(Kind.LOCKED)
            return
        if self._probing:
            return  # one probe at a time

        def back(_now: Any) -> None:
            self._probing = False
            if not self.busy:
                self._probe.stop()
            if self.lost:
                self.lost = False
                self.database_back.emit()

        def still_lost(_error: BaseException) -> None:
            self._probing = False

        self._probing = True
        self.runner.run(self.store.now, on_done=back, on_error=still_lost)


def _accept_as(store: Store, name: str, secret: str) -> int:
    """An administrator's acceptance of the clock at someone else's console: their password, as at login."""
    return Desk(store, users.authenticate(store, name, secret)).accept_clock()
