"""Live updates for the stations: `LiveFeed` tells subscribers the seq of every new journal entry, and
`owner_arrivals` turns new entries into "your protected customer just checked in" for the owner.

Where the news comes from:
- this process's own writes: a session hook sees the journal entry go in and, once the transaction has
  committed, wakes the feeds of that database;
- other stations on PostgreSQL: a thread LISTENs on `anchang_journal` (the store NOTIFYs each seq);
- other programs on one SQLite file (kiosk and console on one PC): a short poll.
Whatever wakes it, the feed reads the journal past the last seq it delivered, so subscribers get every
seq once and in order, also after a missed notification or a reconnect.

Subscribers are called on the feed's own thread, never inside a write: keep them short (a Qt station
emits a signal and lets the GUI thread do the rest).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import Insert, TextClause

from db import checkin_refs
from db.database import DatabaseUnavailable, is_postgres, read_session
from db.models import Customer, JournalEntry, VisitRecord
from service.reception import surname_display

if TYPE_CHECKING:
    from service.store import Store

log = logging.getLogger("anchang.live")
CHANNEL = "anchang_journal"  # service.store NOTIFY_CHANNEL
SQLITE_POLL_S = 1.0  # other programs writing the same SQLite file
POSTGRES_POLL_S = 15.0  # a safety net under LISTEN
BATCH = 1000

# feeds by connection pool: an engine and its execution-option copies share one pool
_feeds: weakref.WeakKeyDictionary[Any, weakref.WeakSet[LiveFeed]] = weakref.WeakKeyDictionary()
_feeds_lock = threading.Lock()


@event.listens_for(Session, "after_flush")
def _seen_journal_row(session: Session, _context: Any) -> None:
    if any(isinstance(obj, JournalEntry) for obj in session.new):
        session.info["anchang_journal_written"] = True


@event.listens_for(Session, "do_orm_execute")
def _seen_journal_insert(state: ORMExecuteState) -> None:
    """db.journal appends with an INSERT statement (with the NOTIFY on PostgreSQL), not an ORM add."""
    stmt = state.statement
    if (isinstance(stmt, Insert) and getattr(stmt.table, "name", None) == JournalEntry.__tablename__) or \
            (isinstance(stmt, TextClause) and "INSERT INTO journal " in stmt.text):
        state.session.info["anchang_journal_written"] = True


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if not session.info.pop("anchang_journal_written", False):
        return
    bind = session.get_bind()
    pool = bind.pool if isinstance(bind, sa.Engine) else bind.engine.pool
    with _feeds_lock:
        feeds = list(_feeds.get(pool, ()))
    for feed in feeds:
        feed.wake()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("anchang_journal_written", None)


class LiveFeed:
    def __init__(self, store: Store, *, poll_interval: float | None = None, listen: bool = True) -> None:
        self.store = store
        postgres = is_postgres(store.engine)
        self.poll_interval = poll_interval or (POSTGRES_POLL_S if postgres else SQLITE_POLL_S)
        self._subscribers: list[Callable[[int], None]] = []
        self._wake, self._stop = threading.Event(), threading.Event()
        self._last: int | None = None
        self._catch_up_start()
        with _feeds_lock:
            _feeds.setdefault(store.engine.pool, weakref.WeakSet()).add(self)
        self._threads = [threading.Thread(target=self._deliver_loop, name="anchang-live", daemon=True)]
        if postgres and listen:
            self._threads.append(threading.Thread(target=self._listen_loop, name="anchang-listen", daemon=True))
        for thread in self._threads:
            thread.start()

    def subscribe(self, callback: Callable[[int], None]) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[int], None]) -> None:
        self._subscribers.remove(callback)

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(5)
        with _feeds_lock:
            feeds = _feeds.get(self.store.engine.pool)
            if feeds is not None:
                feeds.discard(self)

    # ------------------------------------------------------------------ internals
    def _catch_up_start(self) -> None:
        """Only what is written from now on is news."""
        try:
            with read_session(self.store.engine) as session:
                self._last = int(session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0)
        except (DatabaseUnavailable, sa.exc.DBAPIError):
            self._last = None  # set at the first read that works

    def _new_seqs(self) -> list[int]:
        if self._last is None:
            self._catch_up_start()
            return []
        with read_session(self.store.engine) as session:
            return list(session.scalars(sa.select(JournalEntry.seq).where(JournalEntry.seq > self._last)
                                        .order_by(JournalEntry.seq).limit(BATCH)))

    def _deliver_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                seqs = self._new_seqs()
            except (DatabaseUnavailable, sa.exc.DBAPIError):
                continue  # the database is away: the next wake or poll catches up
            for seq in seqs:
                for callback in list(self._subscribers):
                    try:
                        callback(seq)
                    except Exception:  # one broken subscriber must not starve the others
                        log.exception("live subscriber failed on journal entry %s", seq)
                self._last = seq
            if len(seqs) == BATCH:
                self._wake.set()

    def _listen_loop(self) -> None:
        import psycopg

        url = self.store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._wake.set()  # whatever was written while not listening
                    backoff = 0.5
                    while not self._stop.is_set():
                        for _note in conn.notifies(timeout=1.0, stop_after=BATCH):
                            self._wake.set()
            except psycopg.Error as exc:
                log.info("live: LISTEN connection lost (%s); retrying in %.1f s", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)


@dataclass(frozen=True)
class Arrival:
    seq: int  # the visit's journal entry
    owner: str
    phone_masked: str | None
    surname: str | None
    at: datetime  # the kiosk's check-in time when it sent one


def owner_arrivals(store: Store, since_seq: int, limit: int = 100) -> list[Arrival]:
    """Check-ins after `since_seq` by customers who were protected at the time: the visit went to the
    owner they already had (owner since an earlier entry). Judged against the engine's present state,
    so it is meant for fresh entries (a feed's news); an owner changed since is not told."""
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(VisitRecord.id, VisitRecord.at, VisitRecord.customer_id,
                                         VisitRecord.registered_as, VisitRecord.consultant)
                               .where(VisitRecord.id > since_seq).order_by(VisitRecord.id).limit(limit)).all()
    if not rows:
        return []
    with store._lock:  # the engine cache is read under the store's lock
        site = store.site()
        protected = []
        for seq, at, customer, registered_as, consultant in rows:
            state = site.customers.get(site.resolve(customer))
            if (state is not None and consultant is not None and state.owner == consultant
                    and state.owner_since_seq is not None and state.owner_since_seq < seq):
                protected.append((seq, at, registered_as, consultant))
    if not protected:
        return []
    with read_session(store.engine) as session:
        arrived = checkin_refs.arrivals(session, [p[0] for p in protected])
        masks = dict(session.execute(sa.select(Customer.id, Customer.phone_masked)
                                     .where(Customer.id.in_({p[2] for p in protected}))).all())
        return [Arrival(seq=seq, owner=owner, phone_masked=masks.get(registered_as),
                        surname=surname_display(session, store.keyring, registered_as), at=arrived.get(seq, at))
                for seq, at, registered_as, owner in protected]
