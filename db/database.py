"""Engines and transactions: SQLite tuned for one station, PostgreSQL for several.

Every write runs inside `write_transaction`, which serialises writers site-wide (SQLite: BEGIN IMMEDIATE;
PostgreSQL: a transaction-scoped advisory lock) and retries when the database says "locked",
"serialization failure" or "deadlock". That lock is what makes two stations registering one phone at
the same instant yield one customer.
"""

from __future__ import annotations

import random
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


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    parsed = supported_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms, **kwargs)
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


@contextmanager
def _sqlite_writer_queue(engine: Engine) -> Iterator[None]:
    """Kiosks wait for the SQLite writer in the kernel (flock on a file beside the database) instead of
    SQLite's busy loop, whose growing sleeps let one kiosk wait seconds while others write."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if fcntl is None or not database or database == ":memory:":
        yield
        return
    try:
        handle = open(f"{database}-writer.lock", "a+b")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DatabaseUnavailable(f"数据库不可用 / the database is unavailable: {database}: {exc.strerror}") from exc
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def run_write(engine: Engine, work: Callable[[Session], T], attempts: int = 8, site_lock: bool = True) -> T:
    """Runs `work` in one write transaction, retrying on lock and serialization failures. With
    `site_lock` (the default) it holds the site's single-writer lock for the whole transaction."""
    for attempt in range(attempts):
        try:
            with (_sqlite_writer_queue(engine) if site_lock else nullcontext()), \
                    Session(engine, expire_on_commit=False) as session, session.begin():
                if site_lock and is_postgres(engine):
                    # one lock per database and schema, so two sites on one server never wait on each other
                    session.execute(sa.text(
                        "SELECT pg_advisory_xact_lock(:key, hashtext(current_database() || '.' || current_schema()))"),
                        {"key": WRITER_LOCK_KEY})
                return work(session)
        except DBAPIError as exc:
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
