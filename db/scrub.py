"""Scrubbing the storage after an erasure has committed, so that deleted bytes do not linger in the files
a backup copies.

- SQLite zeroes deleted content (`secure_delete`, set by the erasing write); here the WAL is checkpointed
  and truncated.
- PostgreSQL keeps deleted and updated rows as dead tuples until the table is rewritten: `VACUUM FULL`
  of the tables that held a key, a lookup hash or a masked number (REWRITTEN_TABLES). Only a table's
  owner (or the database's, or a superuser) may rewrite it; the server skips the others with a mere
  WARNING. A station set up by `anchang pg-setup` owns nothing, so the scrub runs through the owner's
  connection when its URL is configured (ANCHANG_OWNER_DATABASE_URL / `[database] owner_url`, the server
  PC). Without it, a marker in `settings` (PENDING_KEY) records that a scrub is pending, the log and the
  caller say so, and the owner's `anchang scrub` (or its next `anchang forget` / `anchang purge`)
  rewrites the tables and removes the marker.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from db.config import ConfigError, owner_database_url

# Tables whose dead rows would still link a number to a customer or hold a key: rewritten on PostgreSQL.
REWRITTEN_TABLES = ("customer_keys", "identities", "pseudonyms", "pseudonym_holders", "notes", "face_templates",
                    "customer_search", "refused_checkins")
PENDING_KEY = "storage_scrub_pending"
CHECKPOINT_TRIES = 20
log = logging.getLogger("anchang.erasure")


@dataclass(frozen=True)
class Scrub:
    """How the scrub went. `pending`: the PostgreSQL tables this connection could not rewrite, left for
    the owner (the marker is recorded); `by_owner`: rewritten through the owner's URL."""

    complete: bool
    pending: tuple[str, ...] = ()
    by_owner: bool = False


def scrub_storage(engine: Engine) -> Scrub:
    """After an erasure has committed. Incomplete on SQLite when the WAL could not be truncated because
    another process kept reading the whole time (the next erasure or checkpoint finishes the job)."""
    if engine.dialect.name == "sqlite":
        return Scrub(_truncate_wal(engine))
    if engine.dialect.name != "postgresql":
        return Scrub(True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        refused = not_rewritable(conn)
        if not refused:
            _rewrite(conn)
            return Scrub(True)
        database = _database_identity(conn)
    if _rewrite_as_owner(database):
        return Scrub(True, by_owner=True)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO settings (key, value) VALUES (:k, :v) ON CONFLICT (key) DO NOTHING"),
                     {"k": PENDING_KEY, "v": json.dumps({"since": datetime.now(UTC).isoformat(), "tables": refused})})
    log.warning("scrub pending: this role may not rewrite %s; the owner's `anchang scrub` must", ", ".join(refused))
    return Scrub(False, pending=tuple(refused))


def pending_since(engine: Engine) -> str | None:
    """When a scrub the owner must finish was first left pending (ISO time), None when none is."""
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT value FROM settings WHERE key = :k"), {"k": PENDING_KEY}).scalar()
    return None if stored is None else str(json.loads(stored)["since"])


def not_rewritable(conn: Connection) -> list[str]:
    """The REWRITTEN_TABLES this connection's role may not VACUUM FULL (PostgreSQL 17: MAINTAIN; before:
    the table's or the database's owner, or a superuser, whose roles pg_has_role counts)."""
    if int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) >= 170000:
        allowed = "has_table_privilege(c.oid, 'MAINTAIN')"
    else:
        allowed = ("pg_has_role(c.relowner, 'USAGE') OR (SELECT pg_has_role(d.datdba, 'USAGE') FROM pg_database d "
                   "WHERE d.datname = current_database())")
    return list(conn.execute(sa.text(
        f"SELECT c.relname FROM pg_class c WHERE c.oid = ANY(SELECT to_regclass(t) FROM unnest(CAST(:tables AS text[])) t) "
        f"AND NOT ({allowed}) ORDER BY c.relname"), {"tables": list(REWRITTEN_TABLES)}).scalars())


def _rewrite(conn: Connection) -> None:
    for table in REWRITTEN_TABLES:
        conn.exec_driver_sql(f'VACUUM FULL "{table}"')
    conn.execute(sa.text("DELETE FROM settings WHERE key = :k"), {"k": PENDING_KEY})  # nothing pending any more


def _database_identity(conn: Connection) -> tuple[str, str, int]:
    """Name, schema and oid of the database: the owner's URL must lead to this one, not another site's."""
    row = conn.execute(sa.text("SELECT current_database(), current_schema(), (SELECT oid FROM pg_database "
                               "WHERE datname = current_database())::bigint")).one()
    return str(row[0]), str(row[1]), int(row[2])


def _rewrite_as_owner(database: tuple[str, str, int]) -> bool:
    """The rewrite through the configured owner's URL; False (logged) when there is none, it leads to
    another database, it cannot connect, or that role may not rewrite them either."""
    try:
        url = owner_database_url()
    except ConfigError as exc:
        log.warning("owner URL unreadable, scrub pending: %s", exc)
        return False
    if not url:
        return False
    owner = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as conn:
            if _database_identity(conn) != database:
                log.warning("the owner URL leads to another database than the station's: scrub pending")
                return False
            if not_rewritable(conn):
                log.warning("the owner URL's role may not rewrite the tables either: scrub pending")
                return False
            _rewrite(conn)
            return True
    except sa.exc.DBAPIError as exc:
        log.warning("could not scrub through the owner URL, scrub pending: %s", " ".join(str(exc.orig).split()))
        return False
    finally:
        owner.dispose()


def _truncate_wal(engine: Engine) -> bool:
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        for _ in range(CHECKPOINT_TRIES):
            cursor = raw.cursor()
            busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
            if busy is None or busy[0] == 0:
                return True
            time.sleep(0.05)
    finally:
        raw.close()
    return False
