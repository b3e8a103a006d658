"""The 审计 page's work, behind a Desk: `anchang verify` (the chain against every kept checkpoint, then
snapshots and projections against a replay), a signed checkpoint export, and a backup now; each takes
a `progress(done, total)` callable, and an exception raised in it (a cancel) ends the work there.

The full check runs in a process of its own (`check_site_apart`): on a big site the replay parses and
dumps the engine snapshots as JSON, C calls that hold the GIL for seconds, which in a thread would
freeze the console's window. A cancel ends that process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db import integrity, journal
from db.config import data_dir
from db.database import DatabaseUnavailable, is_postgres, make_engine, read_session
from db.keys import Keyring
from db.models import JournalEntry
from db.site_dirs import current_site
from judge.reasons import EngineError
from operations.audit import kept_checkpoints
from service.desk import Desk

Progress = Callable[[int, int], None]
POLL_S = 0.1  # how often the waiting thread looks for a cancel while the check runs apart


@dataclass(frozen=True)
class SiteCheck:
    """`anchang verify` in one result: the chain against the kept checkpoints, then the derived state."""

    chain: journal.VerifyResult
    derived: integrity.DerivedCheck | None  # None: not compared (the chain failed first)
    checkpoints: int  # kept checkpoints the chain was checked against

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.derived is not None and self.derived.ok


def _no_progress(_done: int, _total: int) -> None:
    return None


def _consistent(engine: Engine) -> Engine:
    """One view of journal and projections while other stations keep writing."""
    return engine.execution_options(isolation_level="REPEATABLE READ") if is_postgres(engine) else engine


def _check(engine: Engine, keyring: Keyring, progress: Progress) -> SiteCheck:
    marks = kept_checkpoints(None)
    with read_session(_consistent(engine)) as session:
        total = session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0
        chain = journal.verify(session, checkpoints=marks, trusted_public_key_pem=keyring.public_key_pem(),
                               progress=lambda done, _t: progress(done, 2 * total))
        if not chain.ok:
            return SiteCheck(chain, None, len(marks))
        integrity.check_keys(session, keyring)
        derived = integrity.derived_differences(session, keyring,
                                                progress=lambda done, _t: progress(total + done, 2 * total))
    progress(2 * total, 2 * total)
    return SiteCheck(chain, derived, len(marks))


def check_site(desk: Desk, progress: Progress = _no_progress) -> SiteCheck:
    """The whole check in this thread; `progress` runs over both halves (the replay is the second)."""
    desk.require("audit.verify")
    return _check(desk.store.engine, desk.store.keyring, progress)


def check_site_apart(desk: Desk, progress: Progress = _no_progress) -> SiteCheck:
    """check_site in a process of its own (an in-memory SQLite database, which no other process can
    open, is checked here). The database and the site's key files are opened there afresh."""
    desk.require("audit.verify")
    url = desk.store.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return check_site(desk, progress)
    spawn = multiprocessing.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    child = spawn.Process(target=_check_apart, name="anchang-verify", daemon=True,
                          args=(url.render_as_string(hide_password=False), str(desk.store.keyring.directory), send))
    child.start()
    send.close()
    done, total = 0, 0
    try:
        while True:
            progress(done, total)  # raises on a cancel, also while the process starts or is deep in a step
            if not receive.poll(POLL_S):
                continue
            try:
                kind, value = receive.recv()
            except EOFError:  # it ended without a word: killed, or out of memory
                child.join(5)
                raise EngineError(f"校验进程意外退出 / the verification process ended unexpectedly "
                                  f"(exit code {child.exitcode})") from None
            if kind == "progress":
                done, total = value
            elif kind == "done":
                return value
            else:
                lost, message = value
                raise DatabaseUnavailable(message) if lost else EngineError(message)
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join(5)


def _check_apart(url: str, key_dir: str, send: Any) -> None:
    """In the child process: the check, its progress and its result (or its error) through `send`."""
    engine = make_engine(url)
    try:
        result = _check(engine, Keyring.load(Path(key_dir)), lambda d, t: send.send(("progress", (d, t))))
        send.send(("done", result))
    except Exception as error:  # reported to the console, which shows it
        lost = isinstance(error, (DatabaseUnavailable, sa.exc.OperationalError, sa.exc.InterfaceError))
        send.send(("error", (lost, str(error))))
    finally:
        engine.dispose()
        send.close()


def export_checkpoint(desk: Desk, target: str | Path | None = None,
                      progress: Progress = _no_progress) -> tuple[Path, journal.Checkpoint]:
    """Verifies the chain against the kept checkpoints and signs its head in the same read, so the
    checkpoint vouches only for what was checked. `target`: a file, a folder (checkpoint-<seq>.json in
    it), or None for <data dir>/checkpoints, where `anchang verify` finds it."""
    desk.require("audit.checkpoint")
    keyring = desk.store.keyring
    marks = kept_checkpoints(None)
    at = desk.store.now()
    with read_session(_consistent(desk.store.engine)) as session:
        result = journal.verify(session, checkpoints=marks, trusted_public_key_pem=keyring.public_key_pem(),
                                progress=progress)
        if not result.ok:
            raise EngineError(f"日志校验失败，拒绝签名检查点 / the journal does not verify, no checkpoint was "
                              f"signed: {result.message}")
        checkpoint = journal.make_checkpoint(session, keyring, at)
    folder = Path(target) if target else data_dir() / "checkpoints"
    path = folder / f"checkpoint-{checkpoint.seq}.json" if folder.is_dir() or not target else folder
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint.to_file(path)
    path.chmod(current_site().file_mode)  # 0600; 0660 on the system site, whose members all check it
    return path, checkpoint


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size: int
    journal: journal.VerifyResult | None  # the copy's chain (SQLite); None for a pg_dump archive


def backup_now(desk: Desk, folder: str | Path | None = None, progress: Progress = _no_progress) -> BackupDone:
    """`anchang backup` into `folder` (None: <data dir>/backups): SQLite through its backup API, the
    copy's journal then verified; PostgreSQL through pg_dump -Fc. The keys are not in a backup."""
    from operations import backup
    from operations.common import AdminError

    desk.require("audit.backup")
    url = desk.store.engine.url.render_as_string(hide_password=False)
    directory = Path(folder) if folder else data_dir() / "backups"
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    source = backup.sqlite_path(url)
    target = directory / (f"anchang-{stamp}.sqlite3" if source is not None else f"anchang-{stamp}.dump")
    if target.exists():
        raise EngineError(f"文件已存在 / {target} already exists: try again in a second")
    progress(0, 0)
    try:
        if source is not None:
            backup.copy_sqlite(source, target)
        elif backup.is_postgres_url(url):
            backup.pg_dump(url, target)
        else:
            raise EngineError("不支持备份此数据库 / only SQLite files and PostgreSQL can be backed up")
    except AdminError as error:
        raise EngineError(str(error)) from None
    target.chmod(current_site().file_mode)
    checked = None
    if source is not None:
        engine = backup.open_engine(f"sqlite:///{target}")
        try:
            with read_session(engine) as session:
                checked = journal.verify(session, progress=progress)
        finally:
            engine.dispose()
    return BackupDone(target, target.stat().st_size, checked)
