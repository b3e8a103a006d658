"""Engines and transactions: SQLite tuned for one station, PostgreSQL for several.

Every write runs inside `write_transaction`, which serialises writers site-wide (SQLite: BEGIN IMMEDIATE;
PostgreSQL: a transaction-scoped advisory lock) and retries when the database says "locked",
"serialization failure" or "deadlock". That lock is what makes two stations registering one phone at
the same instant yield one customer.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

try:
    import fcntl
except ImportError:  # Windows: SQLite's own busy handler does the waiting
    fcntl = None  # type: ignore[assignment]

WRITER_LOCK_KEY = 0x616E6368  # "anch": one advisory lock for the site's single logical writer
SQLITE_BUSY_TIMEOUT_MS = 30_000

T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):
    """The database is gone, locked for too long, or refuses the connection."""


class LockTimeout(DatabaseUnavailable):
    """The site's write lock was not had within the station's write budget (another program holds it)."""

    def __init__(self, budget_s: float) -> None:
        super().__init__(f"数据库正忙，{budget_s:g} 秒内未能写入 / the database is busy: no write lock within "
                         f"{budget_s:g} s")
        self.budget_s = budget_s


class UnsupportedDatabase(ValueError):
    """A database URL for a database or driver Anchang does not work with."""


SUPPORTED_DATABASES = ("SQLite: sqlite:///PATH/anchang.sqlite3; "
                       "PostgreSQL: postgresql+psycopg://USER@HOST/DATABASE")


def supported_url(url: str) -> sa.URL:
    """The parsed URL if it names SQLite or PostgreSQL (psycopg 3; a bare postgresql:// gets psycopg)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise UnsupportedDatabase(f"数据库地址无效 / not a database URL: {url!r}; supported: "
                                  f"{SUPPORTED_DATABASES}") from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "postgresql" and "+" not in parsed.drivername:
        return parsed.set(drivername="postgresql+psycopg")
    if (backend, driver) not in (("sqlite", "pysqlite"), ("postgresql", "psycopg")):
        raise UnsupportedDatabase(f"不支持的数据库 / unsupported database {parsed.drivername!r}: Anchang works "
                                  f"with SQLite and PostgreSQL only ({SUPPORTED_DATABASES})")
    return parsed


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, lock_budget_s: float | None = None,
                **kwargs: Any) -> Engine:
    """`lock_budget_s` (a kiosk's): how long a write may wait for a lock or a server before it is given up
    as unavailable, so the check-in goes to the outbox instead of keeping the visitor waiting."""
    parsed = supported_url(url)
    if parsed.get_backend_name() == "sqlite":
        if lock_budget_s is not None:
            busy_timeout_ms = min(busy_timeout_ms, int(lock_budget_s * 1000))
        return _sqlite_engine(url, busy_timeout_ms, **kwargs)
    if lock_budget_s is not None:
        # the server's own lock wait (the advisory lock included) and the connection attempt are bounded;
        # keepalives find a dropped connection instead of waiting on it for the kernel's two hours
        budget_ms = int(lock_budget_s * 1000)
        given = parsed.query.get("options", "")  # the URL's own (a search_path): kept, not replaced
        options = " ".join(part for part in ((given if isinstance(given, str) else " ".join(given)),
                                             f"-c lock_timeout={budget_ms}") if part)
        connect_args = {"connect_timeout": max(1, int(lock_budget_s)), "options": options,
                        "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2,
                        **kwargs.pop("connect_args", {})}
        kwargs["connect_args"] = connect_args
        kwargs.setdefault("pool_timeout", lock_budget_s)
    return sa.create_engine(parsed, pool_pre_ping=True, future=True, **kwargs)


def _sqlite_engine(url: str, busy_timeout_ms: int, **kwargs: Any) -> Engine:
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    if in_memory:
        kwargs.setdefault("poolclass", sa.pool.StaticPool)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False,
                                                 "timeout": busy_timeout_ms / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front, so two writers never deadlock upgrading a read lock;
        # readers (WAL) need no lock at all.
        readonly = conn.get_execution_options().get("anchang_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "database is locked" in text or "database is busy" in text


_PG_SITE_LOCK_ARGS = "(:key, hashtext(current_database() || '.' || current_schema()))"


@contextmanager
def postgres_site_lock_held(engine: Engine) -> Iterator[sa.Connection]:
    """The site's write lock held by this connection across transactions (a session-level advisory lock on
    the key every station's write takes per transaction), for work outside any one transaction: a restore
    re-reads the journal's head, then pg_restore runs in its own process while no station can write."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"SELECT pg_advisory_lock{_PG_SITE_LOCK_ARGS}"), {"key": WRITER_LOCK_KEY})
        try:
            yield conn
        finally:
            conn.execute(sa.text(f"SELECT pg_advisory_unlock{_PG_SITE_LOCK_ARGS}"), {"key": WRITER_LOCK_KEY})


@contextmanager
def _sqlite_writer_queue(engine: Engine, budget_s: float | None = None) -> Iterator[None]:
    """Kiosks wait for the SQLite writer in the kernel (flock on a file beside the database) instead of
    SQLite's busy loop, whose growing sleeps let one kiosk wait seconds while others write. With a budget,
    a wait longer than it raises LockTimeout (the kernel's queue is kept: see `_flock_within`)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if fcntl is None or not database or database == ":memory:":
        yield
        return
    try:
        handle = open(f"{database}-writer.lock", "a+b", opener=_like_database(database))  # noqa: SIM115 - closed below or by the waiter
    except OSError as exc:
        raise DatabaseUnavailable(f"数据库不可用 / the database is unavailable: {database}: {exc.strerror}") from exc
    if budget_s is None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    elif not _flock_within(handle, budget_s):
        raise LockTimeout(budget_s)  # the handle now belongs to the waiter, which closes it
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def _like_database(database: str) -> Callable[[str, int], int]:
    """Opens the lock file with the database file's mode, as SQLite gives its -wal and -shm: whoever may
    write the database may queue for it (0600 on a per-user site, 0660 for the system site's group)."""

    def opener(path: str, flags: int) -> int:
        try:
            mode = os.stat(database).st_mode & 0o666
        except OSError:
            mode = 0o600
        fd = os.open(path, flags, mode)
        info = os.fstat(fd)
        if info.st_uid == os.geteuid() and info.st_mode & 0o777 != mode:
            os.fchmod(fd, mode)  # made under a stricter umask, or by an older version
        return fd

    return opener


def _flock_within(handle: Any, budget_s: float) -> bool:
    """Takes the lock on `handle` within `budget_s`. A blocking flock cannot be interrupted from Python, so
    a contended wait happens on a thread of its own: it stays in the kernel's queue (fair among kiosks),
    and when the budget runs out first, that thread releases the lock as soon as it gets it and closes the
    handle. False: not had in time (the handle is the waiter's from then on)."""
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    got, guard = threading.Event(), threading.Lock()
    abandoned = False

    def wait() -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        with guard:
            if not abandoned:
                got.set()
                return
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()

    threading.Thread(target=wait, name="anchang-write-lock", daemon=True).start()
    if got.wait(budget_s):
        return True
    with guard:
        if got.is_set():  # had it at the last instant
            return True
        abandoned = True
    return False


def run_write(engine: Engine, work: Callable[[Session], T], attempts: int = 8, site_lock: bool = True,
              budget_s: float | None = None) -> T:
    """Runs `work` in one write transaction, retrying on lock and serialization failures. With
    `site_lock` (the default) it holds the site's single-writer lock for the whole transaction. With
    `budget_s` no retry starts after that many seconds: LockTimeout instead (the kiosk's outbox takes it)."""
    deadline = None if budget_s is None else time.monotonic() + budget_s
    for attempt in range(attempts):
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            with (_sqlite_writer_queue(engine, remaining) if site_lock else nullcontext()), \
                    Session(engine, expire_on_commit=False) as session, session.begin():
                if site_lock and is_postgres(engine):
                    # one lock per database and schema, so two sites on one server never wait on each other
                    session.execute(sa.text(f"SELECT pg_advisory_xact_lock{_PG_SITE_LOCK_ARGS}"),
                                    {"key": WRITER_LOCK_KEY})
                return work(session)
        except DBAPIError as exc:
            if budget_s is not None and _retryable(exc) and deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(budget_s) from exc
            if not _retryable(exc) or attempt == attempts - 1:
                if isinstance(exc, OperationalError):
                    raise DatabaseUnavailable(
                        f"数据库不可用 / the database is unavailable: {exc.orig or exc}") from exc
                raise
            time.sleep(min(2.0, 0.02 * 2 ** attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    try:
        with Session(engine.execution_options(anchang_readonly=True), expire_on_commit=False) as session:
            yield session
    except OperationalError as exc:
        raise DatabaseUnavailable(f"数据库不可用 / the database is unavailable: {exc.orig or exc}") from exc
