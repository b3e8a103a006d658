"""Live updates for the phones: server-sent events fed by the journal.

`service.live.LiveFeed` tells this hub the seq of every new journal entry (PostgreSQL NOTIFY from other
stations, this process's own writes at once, a short poll on SQLite). When new visits are among them,
the hub reads them once and sends each as an `arrival` to the phones of the consultant it went to (and
to managers and reception, who see every arrival). Number requests and decisions are published by their
routes. Each phone is an asyncio queue; the feed's thread hands events over with call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from db.database import read_session
from db.models import JournalEntry, VisitRecord
from service.live import LiveFeed
from service.queries import today as today_queries
from service.roles import can
from service.store import Store
from service.users import User

log = logging.getLogger("anchang.server.live")
QUEUE_MAX = 200  # a phone that stops reading loses its oldest news, never the server's memory


@dataclass(eq=False)
class Listener:
    user: User
    queue: asyncio.Queue[tuple[str, dict[str, Any]]]
    loop: asyncio.AbstractEventLoop

    def wants(self, to_user: str | None, to_consultant: str | None, to_permission: str | None) -> bool:
        if to_user is not None:
            return self.user.name == to_user
        if to_permission is not None and not can(self.user.role, to_permission):
            return False
        if to_consultant is not None and self.user.role == "consultant":
            return self.user.consultant == to_consultant
        return True

    def put(self, event: str, data: dict[str, Any]) -> None:
        def deliver() -> None:
            if self.queue.full():
                self.queue.get_nowait()
            self.queue.put_nowait((event, data))

        self.loop.call_soon_threadsafe(deliver)


class LiveHub:
    def __init__(self, store: Store, *, poll_interval: float | None = None) -> None:
        self.store = store
        self._listeners: set[Listener] = set()
        self._lock = threading.Lock()
        with read_session(store.engine) as session:
            self._last_visit = session.scalar(sa.select(sa.func.max(VisitRecord.id))) or 0
        self._feed = LiveFeed(store, poll_interval=poll_interval)
        self._feed.subscribe(self._on_entry)

    def add(self, user: User) -> Listener:
        listener = Listener(user, asyncio.Queue(QUEUE_MAX), asyncio.get_running_loop())
        with self._lock:
            self._listeners.add(listener)
        return listener

    def remove(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.discard(listener)

    @property
    def connected(self) -> int:
        return len(self._listeners)

    def publish(self, event: str, data: dict[str, Any], *, to_user: str | None = None,
                to_consultant: str | None = None, to_permission: str | None = None) -> None:
        with self._lock:
            listeners = [x for x in self._listeners if x.wants(to_user, to_consultant, to_permission)]
        for listener in listeners:
            listener.put(event, data)

    def _on_entry(self, seq: int) -> None:
        """On the feed's thread: new visits since the last one sent, as arrivals."""
        try:
            with read_session(self.store.engine) as session:
                newest = session.scalar(sa.select(sa.func.max(VisitRecord.id))) or 0
                if newest <= self._last_visit:
                    return
                stations = dict(session.execute(sa.select(JournalEntry.seq, JournalEntry.station)
                                                .where(JournalEntry.seq > self._last_visit,
                                                       JournalEntry.seq <= newest, JournalEntry.kind == "visit")).all())
            visits = [v for v in today_queries.today_visits(self.store, today_queries.today(self.store), 0, 100)
                      if v.visit_seq > self._last_visit]
            self._last_visit = newest
            for visit in sorted(visits, key=lambda v: v.visit_seq):
                self.publish("arrival", arrival(visit, stations.get(visit.visit_seq)), to_consultant=visit.consultant,
                             to_permission="today.view")
        except Exception:  # the feed goes on; a phone catches up from /api/today when it reconnects
            log.exception("live: could not read the new visits after seq %s", seq)

    def close(self) -> None:
        self._feed.close()


def arrival(visit: today_queries.TodayVisit, kiosk: str | None = None) -> dict[str, Any]:
    return {"seq": visit.visit_seq, "customer": visit.customer_id, "surname_shown": visit.surname,
            "phone_masked": visit.phone_masked, "at": visit.arrived_at.isoformat(), "kiosk": kiosk,
            "consultant": visit.consultant}
