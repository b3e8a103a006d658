"""Upgrades at start: every program (anchang, anchang-kiosk, anchang-console) checks the database's schema
before it opens the store.

- An older schema (a newer version was installed over an older one): the database is backed up
  (operations/backup.py: SQLite's backup API, `pg_dump -Fc` on PostgreSQL) into <data dir>/backups, migrated
  (db/migrate.py), its key check values recorded and its projections rebuilt from the journal, as
  `anchang init` does. Stations starting at the same moment wait for the first one's upgrade (a lock
  beside the SQLite file, a session advisory lock on PostgreSQL) and then find it done.
- The upgrade connects with the owner's URL when there is one (`[database] owner_url`, the server PC of
  a site set up by `anchang pg-setup`); a station whose role may not migrate refuses to start and says
  to run the owner's upgrade (db.migrate.NeedsOwner), before any backup is taken.
- A newer schema (an older program on a database a newer version has migrated): the program refuses to
  start and says to install the newer version; it never writes into a schema it does not know.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db import migrate, station_grants
from db.config import ConfigError, data_dir, database_url, owner_database_url
from db.database import DatabaseUnavailable, is_postgres
from operations.common import EXIT_FAILED, AdminError, open_engine, shown_url, sqlite_path

UPGRADE_LOCK_KEY = 0x75706772  # "upgr": apart from the site's write lock, which the rebuild takes itself


@dataclass(frozen=True)
class Upgrade:
    before: str
    after: str
    backup: Path


class UpgradeFailed(RuntimeError):
    pass


def start_check(program: str) -> int | None:
    """Run by each program before it opens the store. None: go on (the schema is this program's, was
    just migrated, or there is no database yet, which the program then reports itself). An exit code:
    the program must not start; the reason has been printed."""
    try:
        url, directory = database_url(), data_dir()
        done = upgrade_if_older(owner_database_url() or url, directory)
    except migrate.SchemaTooNew as exc:
        print(f"{program}: 无法启动 / cannot start: {exc}\n  请在本机安装与其他站点相同的新版案场通，再启动 / "
              f"install the newer Anchang on this station (the version the other stations run), then start "
              f"it again; the database was not changed", file=sys.stderr)
        return EXIT_FAILED
    except migrate.NeedsOwner as exc:
        print(f"{program}: 无法启动 / cannot start: {exc}; the database was not changed", file=sys.stderr)
        return EXIT_FAILED
    except (migrate.SchemaMissing, AdminError, ConfigError, DatabaseUnavailable, sa.exc.DBAPIError):
        return None  # no database or not reachable: opening the store says so, as before
    except UpgradeFailed as exc:
        print(f"{program}: 数据库升级失败 / could not upgrade the database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if done is not None:
        print(f"{program}: 数据库已从 {done.before} 升级到 {done.after} / upgraded the database from schema "
              f"{done.before} to {done.after}\n  升级前的备份 / backup taken first: {done.backup}", file=sys.stderr)
    return None


def upgrade_if_older(url: str, directory: Path) -> Upgrade | None:
    """Backs up and migrates an older schema; None when it is already this program's. `url`: the
    owner's, where migrations have one (on a station without it, NeedsOwner before anything is done)."""
    engine = open_engine(url)
    try:
        if _state(engine) == "current":
            return None
        with _upgrade_lock(engine, url):
            before = migrate.current_revision(engine)
            if _state(engine) == "current":
                return None  # another station upgraded it while this one waited
            assert before is not None
            with engine.connect() as conn:
                if not station_grants.can_migrate(conn):
                    raise migrate.NeedsOwner(migrate.needs_owner_message(before))
            backup = backup_before_upgrade(url, directory / "backups", before)
            try:
                with contextlib.redirect_stdout(sys.stderr):  # init's lines; standard output stays the command's
                    migrate.upgrade(engine, backup_sqlite_first=False)
                    from operations.setup import rebuild_projections, record_key_check

                    record_key_check(url, directory)
                    rebuild_projections(url, directory)
            except Exception as exc:
                raise UpgradeFailed(f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}; 升级前的备份 / "
                                    f"the backup taken first: {backup} (`anchang restore` it if needed)") from exc
        return Upgrade(before, migrate.head_revision(), backup)
    finally:
        engine.dispose()


def _state(engine: Engine) -> str:
    """"current", or "older"; SchemaMissing (no schema) and SchemaTooNew (a newer program's) raise."""
    current = migrate.current_revision(engine)
    if current is None:
        raise migrate.SchemaMissing("数据库尚未初始化 / the database has no Anchang schema: run `anchang init`")
    if current == migrate.head_revision():
        return "current"
    if current not in migrate.known_revisions():
        migrate.check(engine)  # raises SchemaTooNew with the message saying what to do
    return "older"


def backup_before_upgrade(url: str, folder: Path, revision: str) -> Path:
    """The existing backup code (operations/backup.py), named after the schema it holds."""
    from operations.backup import copy_sqlite, pg_dump

    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = sqlite_path(url)
    try:
        if path is not None:
            target = folder / f"anchang-schema-{revision}-{stamp}.sqlite3"
            copy_sqlite(path, target)
        else:
            target = folder / f"anchang-schema-{revision}-{stamp}.dump"
            pg_dump(url, target)
    except AdminError as exc:  # pg_dump missing or failing
        raise UpgradeFailed(
            f"{exc}; 数据库未改动。或在数据库服务器上备份后运行 `anchang init` 升级 / the database was not changed; "
            f"or back {shown_url(url)} up on the server and run `anchang init` to migrate it") from None
    except OSError as exc:
        raise UpgradeFailed(f"升级前的备份失败，数据库未改动 / the backup before the upgrade failed, the database "
                            f"was not changed: {exc}") from None
    if not target.is_file() or target.stat().st_size == 0:
        raise UpgradeFailed(f"备份为空 / the backup {target} is empty")
    return target


@contextlib.contextmanager
def _upgrade_lock(engine: Engine, url: str) -> Iterator[None]:
    """One upgrade at a time per database: an advisory lock (PostgreSQL, per database and schema, held by
    its own connection) or a kernel lock on a file beside the SQLite database."""
    if is_postgres(engine):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            args = {"key": UPGRADE_LOCK_KEY}
            where = "hashtext(current_database() || '.' || current_schema())"
            conn.execute(sa.text(f"SELECT pg_advisory_lock(:key, {where})"), args)
            try:
                yield
            finally:
                conn.execute(sa.text(f"SELECT pg_advisory_unlock(:key, {where})"), args)
        return
    path = sqlite_path(url)
    if path is None:
        yield
        return
    with open(f"{path}-upgrade.lock", "a+b") as handle:
        _lock_file(handle.fileno())
        yield  # closing the file releases the lock


def _lock_file(descriptor: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        while True:  # LK_LOCK gives up after ten one-second tries
            try:
                msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue
    else:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX)
