"""`anchang backup` / `anchang restore`: SQLite through its backup API, PostgreSQL through pg_dump/pg_restore.

A restore refuses anything that is not a backup of an Anchang database; it restores into a copy first
and checks it (file integrity, schema version, this site's keys, the journal chain, every signed
checkpoint kept) before it replaces the live database, and keeps what it replaced under a name of its
own (never overwritten). A restore that would drop entries of the live journal, or go back before a kept
checkpoint, names the loss and goes on only with `--accept-loss --reason` (journalled: operations/restore_loss.py).
The keys are not in a backup: they stay in the data directory.
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import integrity, journal, migrate
from db.config import data_dir, database_url
from db.database import _sqlite_writer_queue, make_engine, postgres_site_lock_held, read_session, run_write
from db.keys import Keyring
from operations import restore_check, restore_loss
from operations.audit import kept_checkpoints, report, verify_engine
from operations.common import (
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
from service.desk import MIN_REASON

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Connection parameters libpq understands in a URI; SQLAlchemy-only ones are dropped.
LIBPQ_PARAMS = {"options", "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "host", "port",
                "application_name", "target_session_attrs", "passfile", "service"}
SUBPROCESS_TIMEOUT_S = 3600
SQLITE_SWAP_TIMEOUT_S = 60  # a snapshot being saved (no site lock) may hold SQLite's write lock a while


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


@dataclass(frozen=True)
class Acceptance:
    """`--accept-loss --reason`: the operator knowingly drops what the restore loses."""

    reason: str
    operator: str
    backup: str  # the backup's file name, journalled with the loss


def _acceptance(source: Path, accept_loss: bool, reason: str | None, operator: str | None) -> Acceptance | None:
    text = (reason or "").strip()
    if not accept_loss:
        if text:
            raise usage_error("--reason 只与 --accept-loss 一起使用 / --reason goes with --accept-loss")
        return None
    if len(text) < MIN_REASON:
        raise usage_error(f"--accept-loss 需要 --reason（至少 {MIN_REASON} 个字）/ --accept-loss needs a --reason of "
                          f"{MIN_REASON} characters or more: why the loss is accepted; nothing was changed")
    who = (operator or "").strip() or getpass.getuser()
    return Acceptance(text, who[:64], source.name)


def restore(source_text: str, accept_loss: bool = False, reason: str | None = None,
            operator: str | None = None) -> int:
    """Restores into a copy first and checks it (integrity, schema, this site's keys, the journal chain,
    the kept checkpoints, what the live journal would lose); only a copy that passes replaces the live
    database, and the replaced one is kept."""
    source = Path(source_text)
    acceptance = _acceptance(source, accept_loss, reason, operator)
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
    keyring = Keyring.load(data_dir())  # the backup must be this site's: checked against these keys
    marks = kept_checkpoints(None)  # every signed checkpoint kept: the restored journal must keep them true
    print(f"检查备份 / checking the backup {source} (the live database is not touched yet):")
    plan = _Plan(url, keyring, marks, acceptance)
    if target is not None:
        kept = _restore_sqlite(source, target, plan)
    else:
        kept = _restore_postgres(url, source, plan)
    if kept is None:
        print("失败 / FAILED: 未恢复，当前数据库保持不变 / not restored: the live database was left as it was")
        return EXIT_FAILED
    if kept.name:
        print(f"已保存恢复前的数据库 / kept the database being replaced: {kept}")
    print(f"已恢复 / restored {source} → {shown_url(url)}")
    if plan.loss is not None and plan.loss.checkpoints_beyond:
        aside = restore_loss.set_aside(plan.loss.checkpoints_beyond, data_dir() / "checkpoints", _stamp())
        print(f"已移出超出备份的检查点 / set the checkpoints past the backup aside in {aside}")
    engine = open_engine(url)
    try:
        migrate.check(engine)
        result = verify_engine(engine, checkpoints=kept_checkpoints(None))
    finally:
        engine.dispose()
    print("恢复后校验日志 / verifying the restored journal:")
    return report(result)


@dataclass
class _Plan:
    """What a restore checks the candidate against, and what it found the restore would lose."""

    url: str
    keyring: Keyring
    marks: list[journal.Checkpoint]
    acceptance: Acceptance | None
    loss: restore_loss.Loss | None = None


def _loss_refused(candidate: sa.Engine, plan: _Plan, sqlite_file: Path | None) -> bool:
    """The candidate against the kept checkpoints (a contradiction is refused outright) and against the
    live journal: a loss is named, and refused unless accepted; an accepted one is journalled in the
    candidate (SQLite: it replaces the live file with it) or, on PostgreSQL, right after pg_restore."""
    with read_session(candidate) as backup, restore_loss.live_session(plan.url, sqlite_file) as live:
        if _problems_found(restore_loss.checkpoint_problems(backup, plan.marks, plan.keyring.public_key_pem())):
            return True
        plan.loss = restore_loss.assess(backup, live, plan.marks)
    if not plan.loss.any:
        return False
    for line in plan.loss.lines():
        print(f"  {line}")
    if plan.acceptance is None:
        print("  不通过 / refused: 恢复会丢失上述记录；确需恢复请加 --accept-loss --reason \"原因\" / the restore "
              "would lose what is listed above: to restore anyway, run it again with --accept-loss --reason \"why\"")
        return True
    print(f"  已接受丢失 / loss accepted by {plan.acceptance.operator}: {plan.acceptance.reason}")
    return False


def _journal_acceptance(engine: sa.Engine, plan: _Plan) -> None:
    loss, accepted = plan.loss, plan.acceptance
    if loss is None or not loss.any or accepted is None:
        return
    seq = run_write(engine, lambda session: restore_loss.record_accepted(
        session, plan.keyring, loss, operator=accepted.operator, reason=accepted.reason, backup=accepted.backup))
    print(f"  已记入日志 / journalled as entry #{seq}")


def _problems_found(problems: list[str]) -> bool:
    for problem in problems:
        print(f"  不通过 / refused: {problem}")
    return bool(problems)


def _restore_sqlite(source: Path, target: Path, plan: _Plan) -> Path | None:
    """Copy, check, then swap (see _swap_sqlite); the replaced database is kept beside it under a name of
    its own. Returns it (an empty Path when there was none), None when refused."""
    target.parent.mkdir(parents=True, exist_ok=True)
    candidate = target.with_name(f".{target.name}.restore-{_stamp()}")
    work_dir = Path(tempfile.mkdtemp(prefix="anchang-restore-", dir=target.parent))
    try:
        copy_sqlite(source, candidate)
        damage = restore_check.sqlite_integrity(candidate)
        if _problems_found([f"文件损坏 / the file fails integrity_check: {damage}"] if damage else []):
            return None
        engine = open_engine(f"sqlite:///{candidate}")
        try:
            if _problems_found(restore_check.candidate_problems(engine, plan.keyring, work_dir)):
                return None
            if _loss_refused(engine, plan, target):
                return None
            _journal_acceptance(engine, plan)  # in the copy: it replaces the live file with the restore
        finally:
            engine.dispose()
        expected = plan.loss.live_head if plan.loss is not None else journal.EMPTY_HEAD
        return _swap_sqlite(candidate, target, expected)
    finally:
        for leftover in (candidate, Path(f"{candidate}-wal"), Path(f"{candidate}-shm"),
                         Path(f"{candidate}-writer.lock")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(work_dir, ignore_errors=True)


_CHANGED_MEANWHILE = ("检查期间当前日志已有新记录（现到第 {seq} 条）/ the live journal changed while the backup was "
                      "checked (it now ends at entry {seq}): nothing was changed; run the restore again")


def safety_path(directory: Path, name: str, suffix: str = "") -> Path:
    """<name><suffix> in `directory`, or <name>-2<suffix>, -3 … when taken: a safety copy is never overwritten."""
    found, number = directory / f"{name}{suffix}", 1
    while found.exists():
        number += 1
        found = directory / f"{name}-{number}{suffix}"
    return found


def _live_head(target: Path) -> tuple[int, str]:
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    except sqlite3.DatabaseError:
        return -1, ""  # unreadable: only a restore that found it unreadable too goes on
    finally:
        conn.close()
    return (0, journal.GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def _swap_sqlite(candidate: Path, target: Path, expected: journal.Head) -> Path:
    """Under the site's write lock: keep a consistent copy of the live file as `<name>.before-restore-<time>`,
    then write the checked copy into the live file through SQLite's backup API, one transaction that
    stations reading it meanwhile see whole or not at all (renaming a file over a WAL database that
    stations hold open would let their old connections write into the new file's WAL). Stations then
    reload their engine: the journal entry they last saw has changed. The live journal must still end
    where the loss was assessed: an entry written meanwhile would be lost unsaid."""
    if not target.exists():
        os.replace(candidate, target)
        return Path()
    engine = make_engine(f"sqlite:///{target}")
    try:
        with _sqlite_writer_queue(engine):
            head = _live_head(target)
            if head[0] >= 0 and head != (expected.seq, expected.hash):
                raise AdminError(_CHANGED_MEANWHILE.format(seq=head[0]))
            kept = safety_path(target.parent, f"{target.name}.before-restore-{_stamp()}")
            partial = kept.with_name(f".{kept.name}.partial")
            copy_sqlite(target, partial)
            os.replace(partial, kept)
            source = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
            live = sqlite3.connect(target, isolation_level=None, timeout=SQLITE_SWAP_TIMEOUT_S)
            try:
                source.backup(live)
            finally:
                live.close()
                source.close()
    finally:
        engine.dispose()
    return kept


def _restore_postgres(url: str, source: Path, plan: _Plan) -> Path | None:
    """pg_restore into a scratch database and check it there; only then restore into the live database
    in one transaction (other stations wait on its locks, then see the whole restored state)."""
    scratch_url, admin = _scratch_database(url)
    try:
        pg_restore(scratch_url, source)
        engine = open_engine(scratch_url)
        work_dir = Path(tempfile.mkdtemp(prefix="anchang-restore-"))
        try:
            problems = (_schema_name_problem(engine, url)
                        or restore_check.candidate_problems(engine, plan.keyring, work_dir))
            refused = _problems_found(problems) or _loss_refused(engine, plan, None)
        finally:
            engine.dispose()
            shutil.rmtree(work_dir, ignore_errors=True)
    finally:
        _drop_scratch_database(admin, scratch_url)
    if refused:
        return None
    expected = plan.loss.live_head if plan.loss is not None else journal.EMPTY_HEAD
    live = make_engine(url)
    try:
        with postgres_site_lock_held(live) as conn:  # no station writes from the re-check to the restore's end
            unreadable = plan.loss is not None and bool(plan.loss.unreadable)  # found so, and restored anyway
            head = expected if unreadable else journal.read_head(Session(conn))
            if (head.seq, head.hash) != (expected.seq, expected.hash):
                raise AdminError(_CHANGED_MEANWHILE.format(seq=head.seq))
            kept = _pg_safety_dump(url, data_dir() / "backups") or Path()
            pg_restore(url, source)
    finally:
        live.dispose()
    engine = open_engine(url)
    try:
        migrate.upgrade(engine, backup_dir=data_dir() / "backups")  # a backup from an older version
        run_write(engine, lambda session: integrity.record_key_checks(session, plan.keyring))
        _journal_acceptance(engine, plan)
    finally:
        engine.dispose()
    return kept


def _schema_name_problem(engine: sa.Engine, url: str) -> list[str]:
    """pg_restore puts the tables back into the schema they were dumped from: it must be this site's."""
    schema = search_path_schema(url) or "public"
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT table_schema FROM information_schema.tables "
                                     "WHERE table_name = 'journal'")).scalars().all()
    if schema in found:
        return []
    return [f"备份中的数据在另一个 schema / the backup's tables are in schema {', '.join(found) or '(none)'}, "
            f"this site uses {schema}"]


def _scratch_database(url: str) -> tuple[str, sa.Engine]:
    parsed = parse_url(url)
    name = f"anchang_restore_{secrets.token_hex(6)}"
    admin = open_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        raise AdminError(f"无法创建临时数据库以检查备份 / cannot create a scratch database to check the backup "
                         f"in (the database user needs CREATEDB): {exc.orig or exc}; nothing was changed") from None
    return parsed.set(database=name).render_as_string(hide_password=False), admin


def _drop_scratch_database(admin: sa.Engine, scratch_url: str) -> None:
    name = parse_url(scratch_url).database
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _pg_safety_dump(url: str, directory: Path) -> Path | None:
    engine = open_engine(url)
    try:
        if migrate.current_revision(engine) is None:
            return None  # nothing there yet
    finally:
        engine.dispose()
    directory.mkdir(parents=True, exist_ok=True)
    kept = safety_path(directory, f"before-restore-{_stamp()}", ".dump")
    pg_dump(url, kept)
    return kept
