"""Does a site already live in this database, and are this computer's keys its keys?

`anchang init` and the first-run wizard's 新建站点 ask before writing anything: a second computer on a
site's PostgreSQL joins it with a key bundle (`anchang join`, 加入已有站点); it never makes new keys for
a database that holds a site (the old way left keys and settings that do not belong to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from db import migrate
from db.keys import KEY_FILES, Keyring
from operations.common import AdminError, open_engine, shown_url, sqlite_path

JOIN_HINT = ("请用密钥包加入该站点 / join it with a key bundle: `anchang join BUNDLE_FILE`, or the console's "
             "加入已有站点; a manager makes the bundle at a working console (站点 → 生成密钥包)")


@dataclass(frozen=True)
class DatabaseState:
    url: str
    has_site: bool  # key check values stored: a site lives there (join it, do not create one)
    revision: str | None  # the schema's Alembic revision (None: empty database)
    key_checks: dict[str, str] = field(default_factory=dict)  # the site's key check values
    has_journal: bool = False  # entries written (by a version that stored no key check values, too)


def check_database(url: str) -> DatabaseState:
    """The connection test: connects (10 s at most), reads the schema version and whether a site lives
    there. AdminError with the reason when it cannot connect. A SQLite file that is not there is an empty
    database, left uncreated."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return DatabaseState(url=url, has_site=False, revision=None)
    engine = open_engine(url, must_exist=False)
    checks: dict[str, str] = {}
    has_journal = False
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        revision = migrate.current_revision(engine)
        tables = set(sa.inspect(engine).get_table_names()) if revision is not None else set()
        with engine.connect() as connection:
            if "key_checks" in tables:
                rows = connection.execute(sa.text("SELECT key_file, value FROM key_checks"))
                checks = {str(name): str(value) for name, value in rows}
            if "journal" in tables:
                has_journal = connection.execute(sa.text("SELECT 1 FROM journal LIMIT 1")).first() is not None
    except sa.exc.DBAPIError as exc:
        detail = " ".join(str(exc.orig if exc.orig is not None else exc).split())
        raise AdminError(f"无法连接数据库 / cannot reach the database {shown_url(url)}: {detail}") from None
    finally:
        engine.dispose()
    return DatabaseState(url=url, has_site=bool(checks), revision=revision, key_checks=checks,
                         has_journal=has_journal)


def refuse_a_second_site(state: DatabaseState, directory: Path) -> None:
    """AdminError (exit 1) when the database holds a site whose keys are not in `directory`: no keys
    there (a second computer: it joins), or complete keys of another site. This site's keys (init run
    again, to migrate) and an incomplete set (ensure_keys says what is missing) pass."""
    if not (state.has_site or state.has_journal):
        return
    present = [name for name in KEY_FILES if (directory / name).exists()]
    if not present:
        raise AdminError(f"该数据库已有站点 / {shown_url(state.url)} already holds a site: 本机不再新建站点 / "
                         f"this computer must not make a second one; {JOIN_HINT}")
    if len(present) < len(KEY_FILES) or not state.key_checks:
        return
    if Keyring.load(directory).check_values() != state.key_checks:
        raise AdminError(f"本机密钥属于另一个站点 / the keys in {directory} are not the keys of the site in "
                         f"{shown_url(state.url)}: move the folder {directory} aside, then {JOIN_HINT}")
