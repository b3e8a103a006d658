"""`anchang backup` / `anchang restore`: SQLite through its backup API, PostgreSQL through pg_dump/pg_restore.

A restore refuses anything that is not a backup of an Anchang database, keeps a copy of what it replaces,
and verifies the journal it brought back. The keys are not in a backup: they stay in the data directory.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy as sa

from db import migrate
from db.admin.audit import report, verify_engine
from db.admin.common import (
    EXIT_FAILED,
    AdminError,
    checked_engine,
    is_postgres_url,
    open_engine,
    parse_url,
    shown_url,
    sqlite_path,
    usage_error,
)
from db.config import data_dir, database_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Connection parameters libpq understands in a URI; SQLAlchemy-only ones are dropped.
LIBPQ_PARAMS = {"options", "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "host", "port",
                "application_name", "target_session_attrs", "passfile", "service"}
SUBPROCESS_TIMEOUT_S = 3600


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _target(out: str | None, name: str) -> Path:
    if out is None:
        target = data_dir() / "backups" / name
    else:
        given = Path(out)
        target = given / name if given.is_dir() or out.endswith(("/", os.sep)) else given
    if target.exists():
        raise usage_error(f"文件已存在 / {target} already exists: choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


# ------------------------------------------------------------------- SQLite
def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API, into `target` (replaced in place if it exists)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        src.close()


def _sqlite_backup_tables(path: Path) -> set[str]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return set()


# --------------------------------------------------------------- PostgreSQL
def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq URI (driver and password removed) and an environment with PGPASSWORD."""
    parsed = parse_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    query = {key: value for key, value in parsed.query.items() if key in LIBPQ_PARAMS}
    plain = sa.URL.create("postgresql", username=parsed.username, host=parsed.host, port=parsed.port,
                          database=parsed.database, query=query)
    return plain.render_as_string(hide_password=False), env


def search_path_schema(url: str) -> str | None:
    """The schema a URL's `options=-csearch_path=...` puts first; None for the default (public)."""
    options = parse_url(url).query.get("options")
    if not isinstance(options, str):
        return None
    match = re.search(r"search_path\s*=\s*([^\s,]+)", unquote(options))
    schema = match.group(1).strip('"') if match else None
    return None if schema in (None, "public", "$user") else schema


def _run(tool: str, args: list[str], env: dict[str, str]) -> str:
    if shutil.which(tool) is None:
        raise AdminError(f"{tool} 未安装 / {tool} not found: install postgresql-client (scripts/setup.sh does)")
    done = subprocess.run([tool, *args], env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S,
                          check=False)
    if done.returncode != 0:
        detail = " ".join(done.stderr.strip().splitlines()[-2:]) or f"exit code {done.returncode}"
        raise AdminError(f"{tool} 失败 / {tool} failed: {detail}")
    return done.stdout


def pg_dump(url: str, target: Path) -> None:
    conninfo, env = libpq_target(url)
    schema = search_path_schema(url)
    args = ["--format=custom", f"--file={target}", "--no-owner"]
    if schema:
        args.append(f"--schema={schema}")
    _run("pg_dump", [*args, f"--dbname={conninfo}"], env)


def _pg_dump_has_journal(path: Path) -> bool:
    listing = _run("pg_restore", ["--list", str(path)], dict(os.environ))
    return re.search(r"TABLE DATA \S+ journal\b", listing) is not None


def pg_restore(url: str, source: Path) -> None:
    conninfo, env = libpq_target(url)
    _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                        f"--dbname={conninfo}", str(source)], env)


# ----------------------------------------------------------------- commands
def backup(out: str | None) -> int:
    url = database_url()
    with checked_engine(url):
        pass  # a backup of something that is not an Anchang database would be no use
    path = sqlite_path(url)
    if path is not None:
        target = _target(out, f"anchang-{_stamp()}.sqlite3")
        copy_sqlite(path, target)
        engine = open_engine(f"sqlite:///{target}")
        try:
            result = verify_engine(engine)
        finally:
            engine.dispose()
        print(f"已备份 / backed up {shown_url(url)} → {target} ({target.stat().st_size:,} bytes)")
        print(f"  备份中的日志 / journal in the backup: {result.message}")
        return _keys_reminder(0 if result.ok else EXIT_FAILED)
    if is_postgres_url(url):
        target = _target(out, f"anchang-{_stamp()}.dump")
        pg_dump(url, target)
        print(f"已备份 / backed up {shown_url(url)} → {target} ({target.stat().st_size:,} bytes, pg_dump -Fc)")
        return _keys_reminder(0)
    raise usage_error(f"不支持备份此数据库 / cannot back up {shown_url(url)}: SQLite files and PostgreSQL only")


def _keys_reminder(code: int) -> int:
    print("  密钥不在备份中，请另行离线保存数据目录中的密钥文件 / the keys are not in the backup: keep the key "
          f"files of {data_dir()} safe separately")
    return code


def _backup_kind(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite" if {"journal", "alembic_version"} <= _sqlite_backup_tables(path) else None
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql" if _pg_dump_has_journal(path) else None
    return None


def restore(source_text: str) -> int:
    source = Path(source_text)
    if not source.is_file():
        raise usage_error(f"备份文件不存在 / no backup file at {source}")
    kind = _backup_kind(source)
    if kind is None:
        raise usage_error(f"不是案场通备份 / {source} is not an Anchang backup (neither a SQLite database "
                          "with a journal nor a pg_dump of one): nothing was changed")
    url = database_url()
    target = sqlite_path(url)
    if kind == "sqlite" and target is None:
        raise usage_error(f"这是 SQLite 备份，但当前数据库是 {shown_url(url)} / a SQLite backup cannot be "
                          "restored into this database")
    if kind == "postgresql" and not is_postgres_url(url):
        raise usage_error(f"这是 PostgreSQL 备份，但当前数据库是 {shown_url(url)} / a PostgreSQL backup "
                          "cannot be restored into this database")
    safety_dir = data_dir() / "backups"
    if target is not None:
        if target.exists():
            kept = safety_dir / f"before-restore-{_stamp()}.sqlite3"
            safety_dir.mkdir(parents=True, exist_ok=True)
            copy_sqlite(target, kept)
            print(f"已保存恢复前的数据库 / kept the database being replaced: {kept}")
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_sqlite(source, target)
    else:
        dumped = _pg_safety_dump(url, safety_dir)
        if dumped is not None:
            print(f"已保存恢复前的数据库 / kept the database being replaced: {dumped}")
        pg_restore(url, source)
    print(f"已恢复 / restored {source} → {shown_url(url)}")
    engine = open_engine(url)
    try:
        migrate.check(engine)
        result = verify_engine(engine)
    finally:
        engine.dispose()
    print("恢复后校验日志 / verifying the restored journal:")
    return report(result)


def _pg_safety_dump(url: str, directory: Path) -> Path | None:
    engine = open_engine(url)
    try:
        if migrate.current_revision(engine) is None:
            return None  # nothing there yet
    finally:
        engine.dispose()
    directory.mkdir(parents=True, exist_ok=True)
    kept = directory / f"before-restore-{_stamp()}.dump"
    pg_dump(url, kept)
    return kept
