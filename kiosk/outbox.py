"""The kiosk's outbox: check-ins wait here, on the kiosk's own disk, while the database is unreachable.

A durable SQLite file (synchronous=FULL, so a check-in the visitor saw accepted survives a power cut),
drained in order. Each check-in carries a ref (a uuid) that the store keeps beside the visit: when the
connection drops after the store committed but before the kiosk heard so, the next drain sends it again
and the store answers with the first result, writing nothing. So none is lost and none counted twice.
A delayed check-in is judged when it reaches the store; the kiosk's time of the check-in travels with
it (`arrived_at`) and is shown as the arrival time.

Qt-free: the kiosk calls `drain` from a worker (ui.workers.TaskRunner), never on the GUI thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from db.database import DatabaseUnavailable

if TYPE_CHECKING:
    from db.service import Store

FILE_NAME = "outbox.sqlite3"
# Errors that mean "the database is not there right now": stop, keep the check-in, try again later.
UNREACHABLE: tuple[type[BaseException], ...] = (DatabaseUnavailable, sa.exc.OperationalError,
                                                sa.exc.InterfaceError, ConnectionError, TimeoutError)


def outbox_path(data_dir: Path) -> Path:
    """The outbox file in the station's data directory (beside the keys and anchang.toml)."""
    return data_dir / FILE_NAME


@dataclass(frozen=True)
class Rejected:
    """A check-in the store refused (bad phone, unknown agent...): kept for reception, not retried."""

    ref: str
    checkin: dict[str, Any]
    error: str
    at: datetime


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one writer in this process; drains one at a time
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                         "ref TEXT NOT NULL UNIQUE, body TEXT NOT NULL, queued_at TEXT NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS rejected (ref TEXT PRIMARY KEY, body TEXT NOT NULL, "
                         "error TEXT NOT NULL, at TEXT NOT NULL)")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA secure_delete=ON")  # a sent check-in's phone number does not linger on disk
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def put(self, checkin: dict[str, Any]) -> str:
        """Queues the keyword arguments of a `Store.register_visit`; returns the check-in's ref. The
        kiosk's clock is stamped as `arrived_at` unless the check-in has one."""
        body = dict(checkin)
        ref = str(body.get("ref") or uuid.uuid4())
        body["ref"] = ref
        arrived = body.get("arrived_at") or datetime.now(UTC)
        if not isinstance(arrived, datetime) or arrived.tzinfo is None:
            raise ValueError("arrived_at must be an aware datetime")
        body["arrived_at"] = arrived.isoformat()
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        with self._lock, self._connect() as conn:
            conn.execute("INSERT OR IGNORE INTO outbox (ref, body, queued_at) VALUES (?, ?, ?)",
                         (ref, text, datetime.now(UTC).isoformat()))
        return ref

    def pending(self) -> list[dict[str, Any]]:
        """The queued check-ins, oldest first, as `register_visit` keyword arguments."""
        with self._connect() as conn:
            return [_decode(body) for (body,) in conn.execute("SELECT body FROM outbox ORDER BY id")]

    def rejected(self) -> list[Rejected]:
        with self._connect() as conn:
            rows = conn.execute("SELECT ref, body, error, at FROM rejected ORDER BY at").fetchall()
        return [Rejected(ref, _decode(body), error, datetime.fromisoformat(at)) for ref, body, error, at in rows]

    def drain(self, write: Callable[[dict[str, Any]], object]) -> int:
        """Writes the queued check-ins in order and returns how many reached the store. Stops at the first
        sign the database is unreachable (the check-in stays queued). A check-in the store refuses is
        moved to `rejected()` so it cannot block the ones behind it. Any other error propagates and
        leaves the check-in queued."""
        sent = 0
        with self._lock:
            while True:
                with self._connect() as conn:
                    row = conn.execute("SELECT id, ref, body FROM outbox ORDER BY id LIMIT 1").fetchone()
                if row is None:
                    return sent
                row_id, ref, body = row
                try:
                    write(_decode(body))
                except UNREACHABLE:
                    return sent
                except ValueError as exc:  # refused: InvalidPhone, UnknownName, EngineError...
                    with self._connect() as conn:
                        conn.execute("INSERT OR REPLACE INTO rejected (ref, body, error, at) VALUES (?, ?, ?, ?)",
                                     (ref, body, str(exc), datetime.now(UTC).isoformat()))
                        conn.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
                    continue
                with self._connect() as conn:  # a crash before this line resends it: the ref makes that harmless
                    conn.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
                sent += 1


def _decode(body: str) -> dict[str, Any]:
    checkin: dict[str, Any] = json.loads(body)
    checkin["arrived_at"] = datetime.fromisoformat(checkin["arrived_at"])
    return checkin


def store_writer(store: Store) -> Callable[[dict[str, Any]], object]:
    """The `write` for `drain`: one check-in into `Store.register_visit`."""
    return lambda checkin: store.register_visit(**checkin)
