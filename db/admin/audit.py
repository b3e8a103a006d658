"""`anchang verify` and `anchang checkpoint`: the journal's hash chain and signed checkpoints, then the
derived state (engine snapshots, projection tables) against a replay of the journal. The console's 审计
page runs the same checks, a checkpoint export and a backup behind a Desk, with progress and cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db import integrity, journal
from db.admin.common import EXIT_FAILED, EXIT_OK, checked_engine, open_store
from db.config import data_dir
from db.database import is_postgres, read_session
from db.desk import Desk
from db.keys import Keyring, KeysMismatch, KeysMissing
from db.models import JournalEntry
from judge.reasons import EngineError


def verify_engine(engine: Engine, checkpoint: journal.Checkpoint | None = None, *,
                  checkpoints: list[journal.Checkpoint] | None = None,
                  public_key_pem: str | None = None) -> journal.VerifyResult:
    """The chain against every checkpoint given, trusted only under the site's public key: the one given,
    else the site keys' (without either, a checkpoint fails: anyone can sign one with their own key)."""
    marks = ([checkpoint] if checkpoint is not None else []) + list(checkpoints or [])
    trusted = public_key_pem
    if marks and trusted is None:
        try:
            trusted = Keyring.load(data_dir()).public_key_pem()
        except KeysMissing:
            print("没有站点密钥：请用 --public-key 给出站点公钥 / no site keys here: give the site's public key "
                  "with --public-key FILE to check checkpoints")
    with read_session(engine) as session:
        return journal.verify(session, checkpoints=marks, trusted_public_key_pem=trusted)


def kept_checkpoints(paths: list[str] | None) -> list[journal.Checkpoint]:
    """The files given (a folder gives every checkpoint-*.json in it), and every checkpoint kept in
    <data dir>/checkpoints, where `anchang checkpoint` exports them (the daily ones included)."""
    found: dict[Path, None] = {}
    default = data_dir() / "checkpoints"
    for path in [Path(p) for p in paths or []] + ([default] if default.is_dir() else []):
        for file in sorted(path.glob("checkpoint-*.json")) if path.is_dir() else [path]:
            found[file.resolve()] = None
    return [journal.Checkpoint.from_file(file) for file in found]


def report(result: journal.VerifyResult) -> int:
    if result.ok:
        print(f"通过 / OK: {result.message}")
        return EXIT_OK
    print(f"失败 / FAILED: {result.message}")
    if result.rewritten is not None:
        first, last = result.rewritten
        print(f"被改写的范围 / rewritten range: #{first}–#{last}")
    elif result.first_bad_seq is not None:
        print(f"首个异常条目 / first bad entry: #{result.first_bad_seq}")
    print(f"此前已校验 / entries verified before it: {result.entries_checked}")
    return EXIT_FAILED


def verify_derived(engine: Engine) -> int:
    """Key check, snapshots and projections against a replay of the journal; prints what differs."""
    try:
        keyring: Keyring | None = Keyring.load(data_dir())
    except KeysMissing:
        keyring = None
        print("注意：没有站点密钥，不检查快照的 MAC / note: no site keys here, snapshot MACs are not checked")
    # one consistent view of journal and projections while stations keep writing
    view = engine.execution_options(isolation_level="REPEATABLE READ") if is_postgres(engine) else engine
    with read_session(view) as session:
        if keyring is not None:
            try:
                integrity.check_keys(session, keyring)
            except KeysMismatch as exc:
                print(f"失败 / FAILED: {exc}")
                return EXIT_FAILED
        result = integrity.derived_differences(session, keyring)
    if result.ok:
        print(f"通过 / OK: 引擎快照与视图与日志重放一致 / engine snapshots and projections match a replay of "
              f"{result.entries} entries")
        return EXIT_OK
    for difference in result.differences:
        print(f"失败 / FAILED: {difference}")
    print("修复 / to repair: 视图可由日志重建 / projections are rebuilt from the journal by `anchang init` or "
          "Store.rebuild(); untrusted snapshots are ignored and replaced by the next one")
    return EXIT_FAILED


def verify(checkpoint_files: list[str] | str | None, public_key_file: str | None = None) -> int:
    files = [checkpoint_files] if isinstance(checkpoint_files, str) else checkpoint_files
    marks = kept_checkpoints(files)
    public_key = _read_public_key(public_key_file) if public_key_file else None
    with checked_engine() as engine:
        code = report(verify_engine(engine, checkpoints=marks, public_key_pem=public_key))
        if code != EXIT_OK:
            return code  # derived state is only meaningful over an intact journal
        return verify_derived(engine)


def _read_public_key(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise journal.CheckpointFileError(f"站点公钥无法读取 / cannot read the public key {path}: {exc}") from exc


def checkpoint(out_dir: str | None) -> int:
    directory = Path(out_dir) if out_dir else data_dir() / "checkpoints"
    with open_store() as store:
        # against the checkpoints kept too: a new one must never vouch for a chain rewritten under an old one
        kept = kept_checkpoints([str(directory)] if directory.is_dir() else None)
        result = verify_engine(store.engine, checkpoints=kept, public_key_pem=store.keyring.public_key_pem())
        if not result.ok:
            print("日志校验失败，拒绝签名检查点 / the journal does not verify: refusing to sign a checkpoint")
            return report(result)
        with read_session(store.engine) as session:
            path = journal.export_checkpoint(session, store.keyring, directory, store.now())
    saved = journal.Checkpoint.from_file(path)
    print(f"已导出签名检查点 / exported a signed checkpoint: {path}")
    print(f"  条目 / entry #{saved.seq}  哈希 / hash {saved.hash}")
    print("  请保存在数据库之外（打印或拷贝）/ keep it outside the database (print it, copy it away); "
          f"later: anchang verify --checkpoint {path}")
    return EXIT_OK


# ------------------------------------------------- the console's 审计 page: the same checks behind a Desk
Progress = Callable[[int, int], None]  # (done, total); raising in it (a cancel) ends the work there


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


def _consistent(desk: Desk) -> Engine:
    """One view of journal and projections while other stations keep writing."""
    engine = desk.store.engine
    return engine.execution_options(isolation_level="REPEATABLE READ") if is_postgres(engine) else engine


def check_site(desk: Desk, progress: Progress = _no_progress) -> SiteCheck:
    """The journal's chain against every checkpoint kept in <data dir>/checkpoints, then snapshots and
    projections against a replay; `progress` runs over both (the replay is the second half)."""
    desk.require("audit.verify")
    keyring = desk.store.keyring
    marks = kept_checkpoints(None)
    with read_session(_consistent(desk)) as session:
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


def export_checkpoint(desk: Desk, target: str | Path | None = None,
                      progress: Progress = _no_progress) -> tuple[Path, journal.Checkpoint]:
    """Verifies the chain against the kept checkpoints and signs its head in the same read, so the
    checkpoint vouches only for what was checked. `target`: a file, a folder (checkpoint-<seq>.json in
    it), or None for <data dir>/checkpoints, where `anchang verify` finds it."""
    desk.require("audit.checkpoint")
    keyring = desk.store.keyring
    marks = kept_checkpoints(None)
    at = desk.store.now()
    with read_session(_consistent(desk)) as session:
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
    path.chmod(0o600)
    return path, checkpoint


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size: int
    journal: journal.VerifyResult | None  # the copy's chain (SQLite); None for a pg_dump archive


def backup_now(desk: Desk, folder: str | Path | None = None, progress: Progress = _no_progress) -> BackupDone:
    """`anchang backup` into `folder` (None: <data dir>/backups): SQLite through its backup API, the
    copy's journal then verified; PostgreSQL through pg_dump -Fc."""
    from db.admin import backup
    from db.admin.common import AdminError

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
    target.chmod(0o600)
    checked = None
    if source is not None:
        engine = backup.open_engine(f"sqlite:///{target}")
        try:
            with read_session(engine) as session:
                checked = journal.verify(session, progress=progress)
        finally:
            engine.dispose()
    return BackupDone(target, target.stat().st_size, checked)
