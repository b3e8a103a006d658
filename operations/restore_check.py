"""What `anchang restore` checks in a restored copy before it replaces the live database: the file's
integrity, the schema version, that the data belongs to this site (key check) and the journal chain."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from db import integrity, journal, migrate
from db.database import read_session, run_write
from db.keys import Keyring


def sqlite_integrity(path: Path) -> str | None:
    """None when `PRAGMA integrity_check` says ok, else its first complaint."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchmany(3)]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(str(r) for r in rows)


def schema_problem(engine: Engine, backup_dir: Path) -> str | None:
    """Brings an older copy up to this program's schema; refuses a newer one or none at all."""
    try:
        current = migrate.current_revision(engine)
        if current is None:
            return "备份中没有案场通数据库结构 / the backup holds no Anchang schema"
        if current != migrate.head_revision():
            migrate.upgrade(engine, backup_dir=backup_dir)  # SchemaTooNew for a newer program's backup
            print(f"  备份的数据库结构已从 {current} 升级 / the backup's schema was migrated from {current}")
    except migrate.SchemaTooNew as exc:
        return str(exc)
    return None


def site_problem(engine: Engine, keyring: Keyring) -> str | None:
    """The backup must be this site's: its key check values (or, in a backup older than them, its
    customer keys) must match the keys in the data directory. Missing check values are stored."""
    with read_session(engine) as session:
        wrong = integrity.wrong_keys(session, keyring)
        opens = integrity.master_key_opens_data(session, keyring) if wrong is None else None
    if wrong:
        return (f"备份属于另一个站点 / the backup belongs to another site: its key check differs for "
                f"{', '.join(wrong)}")
    if opens is False:
        return "备份属于另一个站点 / the backup belongs to another site: this site's master key cannot open its data"
    if wrong is None:
        run_write(engine, lambda session: integrity.record_key_checks(session, keyring))
        print("  备份中没有密钥校验值，已按本站点密钥记录 / the backup had no key check values: stored this site's")
    return None


def journal_problem(engine: Engine) -> str | None:
    with read_session(engine) as session:
        result = journal.verify(session)
    if not result.ok:
        where = f"; 首个异常条目 / first bad entry: #{result.first_bad_seq}" if result.first_bad_seq else ""
        return f"备份中的日志未通过校验 / the backup's journal does not verify: {result.message}{where}"
    if result.entries_checked == 0:
        return "备份中的日志为空 / the backup's journal is empty: restoring it would erase every fact"
    print(f"  备份中的日志 / journal in the backup: {result.message}")
    return None


def candidate_problems(engine: Engine, keyring: Keyring, work_dir: Path) -> list[str]:
    """Every check on a restored copy, in order; stops at the first failure (later ones need earlier)."""
    for check in (lambda: schema_problem(engine, work_dir), lambda: site_problem(engine, keyring),
                  lambda: journal_problem(engine)):
        problem = check()
        if problem:
            return [problem]
    return []
