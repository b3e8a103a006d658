"""`anchang verify` and `anchang checkpoint`: the journal's hash chain and signed checkpoints, then the
derived state (engine snapshots, projection tables) against a replay of the journal. The console's 审计
page runs the same checks behind a Desk, with progress and cancel: operations/audit_desk.py."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from db import integrity, journal
from db.config import data_dir
from db.database import is_postgres, read_session
from db.keys import Keyring, KeysMismatch, KeysMissing
from operations.common import EXIT_FAILED, EXIT_OK, checked_engine, open_store


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

