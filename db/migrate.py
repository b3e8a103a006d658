"""Schema versions: Alembic migrations, checked at every start.

A database newer than this program is refused with a clear message (an older program must not write
into a schema it does not know); an older one is migrated, and a SQLite file is backed up first.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from db import station_grants

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaTooNew(RuntimeError):
    pass


class SchemaMissing(RuntimeError):
    pass


class NeedsOwner(RuntimeError):
    """The schema must change but this connection's role may not change it (a station's, on PostgreSQL)."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revisions() -> set[str]:
    """Every schema version this program's migrations know (a database at another one is newer)."""
    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}


def upgrade(engine: Engine, backup_dir: Path | None = None, *, backup_sqlite_first: bool = True) -> Path | None:
    """Brings the schema to this program's head. Returns the SQLite backup made first, if any (none when
    the caller made its own: operations/upgrade.py)."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    if current is not None and current not in known_revisions():
        raise SchemaTooNew(_too_new_message(current))
    backup = None
    if current is not None and backup_sqlite_first and engine.dialect.name == "sqlite" \
            and engine.url.database not in (None, "", ":memory:"):
        backup = backup_sqlite(Path(str(engine.url.database)), backup_dir)
    config = _config()
    with engine.begin() as conn:
        if not station_grants.can_migrate(conn):
            raise NeedsOwner(needs_owner_message(current))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        station_grants.revoke_station_edits(conn)  # tables this upgrade made got the default privileges
    return backup


def check(engine: Engine) -> None:
    """At start: the schema must be exactly this program's."""
    current = current_revision(engine)
    if current is None:
        raise SchemaMissing("数据库尚未初始化 / the database has no Anchang schema: run `anchang init`")
    if current != head_revision():
        if current not in known_revisions():
            raise SchemaTooNew(_too_new_message(current))
        raise SchemaMissing(f"数据库版本较旧 / the database schema ({current}) is older than this program: "
                            "run `anchang init` to migrate it (a backup is made first)")


def needs_owner_message(current: str | None) -> str:
    return (f"本站点的数据库账号不能升级数据库 / this station's database role may not change the schema "
            f"({current or 'none'} → {head_revision()}): 请在数据库服务器上以所有者账号运行 `anchang init` "
            f"([database] owner_url) / run `anchang init` on the server PC with the owner's URL "
            f"([database] owner_url), then start this station again")


def _too_new_message(current: str) -> str:
    return (f"数据库版本比本程序新 / the database schema ({current}) is newer than this program "
            f"(knows up to {head_revision()}): install the newer Anchang instead of writing into it")


def backup_sqlite(path: Path, directory: Path | None = None) -> Path:
    """A consistent copy through SQLite's backup API, safe while other stations are reading."""
    directory = directory or path.parent / "backups"
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"{path.stem}-{stamp}.sqlite3"
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()
    return target
