"""The kiosk's outbox: check-ins wait here, on the kiosk's own disk, while the database is unreachable.

A durable SQLite file (synchronous=FULL, so a check-in the visitor saw accepted survives a power cut),
drained in order. Each check-in carries a ref (a uuid) that the store keeps beside the visit: when the
connection drops after the store committed but before the kiosk heard so, the next drain sends it again
and the store answers with the first result, writing nothing. So none is lost and none counted twice.
A delayed check-in is judged when it reaches the store; the kiosk's time of the check-in travels with
it (`arrived_at`) and is shown as the arrival time.

The file holds phone, name and ID-card numbers until they are sent, so each check-in (and a refused one's
error, which may quote the phone) is sealed with AES-256-GCM, bound to its ref. The outbox key is random,
kept in the file only wrapped by the site's master key (RFC 3394): the file alone reveals nothing, and a
stolen kiosk disk without the key files is no worse. Rows written in the clear by an older kiosk are
sealed on open.

Qt-free: the kiosk calls `drain` from a worker (ui.workers.TaskRunner), never on the GUI thread.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from db.database import DatabaseUnavailable
from db.keys import Keyring, KeyUnwrapError, decrypt_field, encrypt_field
from db.site_dirs import current_site, make_folder, protect

if TYPE_CHECKING:
    from service.store import Store

log = logging.getLogger(__name__)

FILE_NAME = "outbox.sqlite3"
_BODY_AAD = b"anchang/outbox/body/v1:"
_ERROR_AAD = b"anchang/outbox/error/v1:"
# Errors that mean "the database is not there right now": stop, keep the check-in, try again later.
UNREACHABLE: tuple[type[BaseException], ...] = (DatabaseUnavailable, sa.exc.OperationalError,
                                                sa.exc.InterfaceError, ConnectionError, TimeoutError)


def outbox_path(data_dir: Path) -> Path:
    """The outbox file in the station's data directory (beside the keys and anchang.toml)."""
    return data_dir / FILE_NAME


def damaged(error: sqlite3.DatabaseError) -> bool:
    """SQLite's own verdict that the file is not (or no longer) a database; a lock or a permission is not."""
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def quarantine(path: Path) -> Path:
    """Renames a damaged outbox (and its -wal and -shm) aside with the time in the name; returns the new
    path of the file. What it still holds can be read back by hand; the kiosk starts a new one."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    path.rename(aside)
    return aside


@dataclass(frozen=True)
class Rejected:
    """A check-in the store refused (bad phone, unknown agent...): kept for reception, not retried."""

    ref: str
    checkin: dict[str, Any]
    error: str
    at: datetime


class OutboxKeyError(ValueError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"离线队列无法解密 / cannot open the kiosk outbox {path}: its key was wrapped by another master "
            "key. 请放回本站点的密钥文件 / put this site's key files back; the queued check-ins stay in the file")


class Outbox:
    """`keyring`: the site's keys (the kiosk's `store.keyring`); when omitted they are loaded from the
    outbox's own folder, the data directory where `outbox_path` puts it beside the key files."""

    def __init__(self, path: Path, keyring: Keyring | None = None) -> None:
        self.path = Path(path)
        make_folder(self.path.parent)
        self.quarantined: Path | None = None  # a damaged file set aside at open, for staff and the log
        try:
            self._open_file(keyring)
        except sqlite3.DatabaseError as exc:  # truncated or overwritten: set aside, never deleted
            if not damaged(exc):
                raise  # locked, unreadable: the file may be fine, leave it where it is
            self.quarantined = quarantine(self.path)
            log.error("kiosk outbox %s is damaged (%s): moved aside to %s, a new one started",
                      self.path, exc, self.quarantined)
            self._open_file(keyring)

    def _open_file(self, keyring: Keyring | None) -> None:
        # queued check-ins are personal data: the site's users only, 0600 (0660 on the system site, whose
        # members take turns at the kiosk); SQLite gives its -wal and -shm the file's mode
        mode = current_site().file_mode
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, mode & 0o600))
        protect(self.path, mode)
        keyring = keyring if keyring is not None else Keyring.load(self.path.parent)
        self._lock = threading.Lock()  # the file's writes in this process, each a short transaction
        self._draining = threading.Lock()  # one drain at a time; a put never waits for a drain's store write
        self.stopped_by: BaseException | None = None  # why the last drain stopped short (the database away)
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                         "ref TEXT NOT NULL UNIQUE, body BLOB NOT NULL, queued_at TEXT NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS rejected (ref TEXT PRIMARY KEY, body BLOB NOT NULL, "
                         "error BLOB NOT NULL, at TEXT NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS outbox_key (id INTEGER PRIMARY KEY CHECK (id = 1), "
                         "wrapped BLOB NOT NULL)")
            row = conn.execute("SELECT wrapped FROM outbox_key WHERE id = 1").fetchone()
            if row is None:  # a new outbox file: a fresh random key (BEGIN IMMEDIATE: one process makes it)
                row = (keyring.new_customer_key()[1],)
                conn.execute("INSERT INTO outbox_key (id, wrapped) VALUES (1, ?)", row)
            (wrapped,) = row
            try:
                self._key = keyring.unwrap_customer_key(wrapped)
            except KeyUnwrapError as exc:
                raise OutboxKeyError(self.path) from exc
            sealed = self._seal_clear_rows(conn)
        if sealed:  # the clear text may still sit in the WAL: fold it into the (secure-deleted) file
            with closing(sqlite3.connect(self.path, timeout=30)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _seal(self, ref: str, text: str, aad: bytes = _BODY_AAD) -> bytes:
        return encrypt_field(self._key, text, aad + ref.encode("utf-8"))

    def _open(self, ref: str, blob: bytes, aad: bytes = _BODY_AAD) -> str:
        return decrypt_field(self._key, blob, aad + ref.encode("utf-8"))

    def _seal_clear_rows(self, conn: sqlite3.Connection) -> int:
        """Encrypts rows an older kiosk wrote in the clear; returns how many."""
        outbox = conn.execute("SELECT id, ref, body FROM outbox WHERE typeof(body) = 'text'").fetchall()
        for row_id, ref, body in outbox:
            conn.execute("UPDATE outbox SET body = ? WHERE id = ?", (self._seal(ref, body), row_id))
        rejected = conn.execute("SELECT ref, body, error FROM rejected "
                                "WHERE typeof(body) = 'text' OR typeof(error) = 'text'").fetchall()
        for ref, body, error in rejected:
            body = body if isinstance(body, bytes) else self._seal(ref, body)
            error = error if isinstance(error, bytes) else self._seal(ref, error, _ERROR_AAD)
            conn.execute("UPDATE rejected SET body = ?, error = ? WHERE ref = ?", (body, error, ref))
        return len(outbox) + len(rejected)

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
                         (ref, self._seal(ref, text), datetime.now(UTC).isoformat()))
        return ref

    def pending(self) -> list[dict[str, Any]]:
        """The queued check-ins, oldest first, as `register_visit` keyword arguments."""
        with self._connect() as conn:
            rows = conn.execute("SELECT ref, body FROM outbox ORDER BY id").fetchall()
        return [_decode(self._open(ref, body)) for ref, body in rows]

    def rejected(self) -> list[Rejected]:
        with self._connect() as conn:
            rows = conn.execute("SELECT ref, body, error, at FROM rejected ORDER BY at").fetchall()
        return [Rejected(ref, _decode(self._open(ref, body)), self._open(ref, error, _ERROR_AAD),
                         datetime.fromisoformat(at)) for ref, body, error, at in rows]

    def drain(self, write: Callable[[dict[str, Any]], object],
              refused: Callable[[dict[str, Any], str], object] | None = None) -> int:
        """Writes the queued check-ins in order and returns how many reached the store. Stops at the first
        sign the database is unreachable (the check-in stays queued). A check-in the store refuses is
        moved to `rejected()` so it cannot block the ones behind it; with `refused` (the check-in, the
        refusal's text: kiosk.checkin records it for reception in the site database) each rejected one is
        handed on and then leaves the file — also those an older kiosk left there. Any other error
        propagates and leaves the check-in queued."""
        sent = 0
        with self._draining:
            self.stopped_by = None
            if refused is not None and not self._hand_on(refused):
                return sent
            while True:
                with self._lock, self._connect() as conn:
                    row = conn.execute("SELECT id, ref, body FROM outbox ORDER BY id LIMIT 1").fetchone()
                if row is None:
                    return sent
                row_id, ref, body = row
                try:  # the store write, outside the file's lock: a visitor's put never waits for it
                    write(_decode(self._open(ref, body)))
                except UNREACHABLE as exc:
                    self.stopped_by = exc
                    return sent
                except ValueError as exc:  # refused: InvalidPhone, UnknownName, EngineError...
                    with self._lock, self._connect() as conn:
                        conn.execute("INSERT OR REPLACE INTO rejected (ref, body, error, at) VALUES (?, ?, ?, ?)",
                                     (ref, body, self._seal(ref, str(exc), _ERROR_AAD),
                                      datetime.now(UTC).isoformat()))
                        conn.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
                    if refused is not None and not self._hand_on(refused):
                        return sent
                    continue
                with self._lock, self._connect() as conn:  # a crash before this resends it: the ref makes that harmless
                    conn.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
                sent += 1

    def _hand_on(self, refused: Callable[[dict[str, Any], str], object]) -> bool:
        """Hands each rejected check-in to `refused` and removes it once that returned (a resend after a
        crash is harmless: the store records a ref once). False when the database went away meanwhile."""
        for item in self.rejected():
            try:
                refused(item.checkin, item.error)
            except UNREACHABLE as exc:
                self.stopped_by = exc
                return False
            with self._lock, self._connect() as conn:
                conn.execute("DELETE FROM rejected WHERE ref = ?", (item.ref,))
        return True


def _decode(body: str) -> dict[str, Any]:
    checkin: dict[str, Any] = json.loads(body)
    checkin["arrived_at"] = datetime.fromisoformat(checkin["arrived_at"])
    return checkin


def store_writer(store: Store) -> Callable[[dict[str, Any]], object]:
    """The `write` for `drain`: one check-in into `Store.register_visit`."""
    return lambda checkin: store.register_visit(**checkin)
