"""Every 提交 ends in the database or in the outbox, within the kiosk's budget, whatever the database does.

A check-in is written on the kiosk's one writer thread. The visitor's wait is bounded on another thread:
when the write has not answered within `budget_s` (a program holding the SQLite lock, a PostgreSQL server
paused or unreachable), the check-in is put in the outbox — on the kiosk's own disk, fsynced — and the
visitor sees the done screen. The abandoned write may still finish later: the check-in's ref makes the
outbox's resend of it a no-op, so nothing is counted twice. A write that had not started when the budget
ran out is skipped: the outbox delivers it.

Refusals are told apart from outages (`Outcome.reason`): the database away or busy ("unavailable",
"busy"), the station's clock refused ("clock": nothing is written until the clock is put right, so the
check-in waits in the outbox and reception is told why and what to do), a refusal of the check-in itself
(raised to the window: the visitor is sent to reception, and reception is told the reason).

Qt-free: the window calls `submit` and `drain` from its submit workers, never on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from db.clock import ClockRefused
from db.database import DatabaseUnavailable, LockTimeout
from db.personal import mask_phone
from kiosk import checkin as checkin_mod
from kiosk.checkin import Checkin, OutboxLike, Outcome
from kiosk.outbox import UNREACHABLE
from kiosk.site_link import SiteRefused
from service.store import Store

log = logging.getLogger(__name__)

SUBMIT_BUDGET_S = 3.0  # 提交 to the done screen: the write's share; the outbox's fsync comes on top
DRAIN_WAIT_S = 30.0  # a drain that has not come back by then is left to finish on its own


class _Ticket:
    """One check-in's write: started by the writer, or abandoned by the waiter first — never both."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self.started = self.abandoned = False

    def start(self) -> bool:
        with self._guard:
            self.started = not self.abandoned
            return self.started

    def abandon(self) -> None:
        with self._guard:
            self.abandoned = True


def reason_of(error: BaseException) -> str:
    """Why a write did not reach the database, as the screens and the log name it."""
    if isinstance(error, ClockRefused):
        return "clock"
    if isinstance(error, SiteRefused):
        return "refused"
    if isinstance(error, LockTimeout):
        return "busy"
    return "unavailable"


class Submitter:
    def __init__(self, store: Store, outbox: OutboxLike | None, *, budget_s: float = SUBMIT_BUDGET_S,
                 alert: Callable[[str], None] | None = None, reach: Callable[[], None] | None = None) -> None:
        self.store, self.outbox, self.budget_s = store, outbox, budget_s
        self.alert = alert
        self.reach = reach  # kiosk.site_link.SiteLink.ensure: a kiosk started without its database
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-writer")
        self._drain: Future[int] | None = None
        self._drain_guard = threading.Lock()
        self.last_refusal: str | None = None  # the latest reason writes were refused (clock), for staff

    # ------------------------------------------------------------------ check-ins
    def submit(self, checkin: Checkin) -> Outcome:
        """Blocks at most `budget_s` plus the outbox's write. Raises what refuses the check-in itself
        (InvalidPhone, an unknown agent, the engine's refusal): the visitor is then sent to reception."""
        ticket = _Ticket()
        future = self._writer.submit(self._write, checkin, ticket)
        try:
            return future.result(timeout=self.budget_s)
        except FutureTimeout:
            ticket.abandon()
        log.warning("check-in %s not answered within %.1f s: kept in the outbox", checkin.ref, self.budget_s)
        return self._queue(checkin, "busy" if ticket.started else "unavailable")

    def _write(self, checkin: Checkin, ticket: _Ticket) -> Outcome:
        if not ticket.start():
            return Outcome("queued", checkin.masked or mask_phone(checkin.phone), ref=checkin.ref)
        try:
            if self.reach is not None:
                self.reach()
            outcome = checkin_mod.submit(self.store, None, checkin, self.alert)
        except UNREACHABLE as error:
            reason = reason_of(error)
            log.warning("check-in %s not written (%s): %s", checkin.ref, reason, error)
            if reason in ("clock", "refused"):
                self._refused(str(error))
            return self._queue(checkin, reason)
        if outcome.status == "done":
            self.last_refusal = None
        return outcome

    def _queue(self, checkin: Checkin, reason: str) -> Outcome:
        if self.outbox is None:
            raise DatabaseUnavailable(f"no outbox for check-in {checkin.ref} ({reason})")
        ref = self.outbox.put(checkin.to_dict())  # INSERT OR IGNORE by ref: a second put is harmless
        return Outcome("queued", checkin.masked or mask_phone(checkin.phone), ref=ref, reason=reason)

    def _refused(self, message: str) -> None:
        first = self.last_refusal != message
        self.last_refusal = message
        if first and self.alert is not None:
            self.alert(f"登记暂存本机，未写入数据库 / check-ins kept on this kiosk, not written: {message}")

    # --------------------------------------------------------------------- outbox
    def drain(self) -> int:
        """Sends the outbox on the writer thread, one drain at a time; waits for it at most DRAIN_WAIT_S
        (then it finishes on its own and the caller tries again later). Raises DatabaseUnavailable when
        the database refused or did not answer, so the caller keeps retrying."""
        outbox = self.outbox
        if outbox is None:
            return 0
        with self._drain_guard:
            if self._drain is None or self._drain.done():
                self._drain = self._writer.submit(self._drain_now, outbox)
            drain = self._drain
        try:
            return drain.result(timeout=DRAIN_WAIT_S)
        except FutureTimeout:
            raise DatabaseUnavailable("the outbox's drain is still waiting for the database") from None

    def _drain_now(self, outbox: OutboxLike) -> int:
        if self.reach is not None:
            try:
                self.reach()
            except SiteRefused as error:
                self._refused(str(error))
                raise
        sent = checkin_mod.drain_outbox(self.store, outbox, self.alert)
        stopped = getattr(outbox, "stopped_by", None)
        if isinstance(stopped, ClockRefused):
            self._refused(str(stopped))
        elif sent:
            self.last_refusal = None
        return sent

    def close(self) -> None:
        self._writer.shutdown(wait=False, cancel_futures=True)
