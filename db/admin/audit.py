"""`anchang verify` and `anchang checkpoint`: the journal's hash chain and signed checkpoints, then the
derived state (engine snapshots, projection tables) against a replay of the journal."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from db import integrity, journal
from db.admin.common import EXIT_FAILED, EXIT_OK, checked_engine, open_store
from db.config import data_dir
from db.database import is_postgres, read_session
from db.keys import Keyring, KeysMismatch, KeysMissing


def verify_engine(engine: Engine, checkpoint: journal.Checkpoint | None = None) -> journal.VerifyResult:
    trusted = None
    if checkpoint is not None:
        try:
            trusted = Keyring.load(data_dir()).public_key_pem()
        except KeysMissing:
            print("注意：没有站点密钥，只能验证检查点文件自身的签名 / note: no site keys here, so the "
                  "checkpoint is checked against its own key only")
    with read_session(engine) as session:
        return journal.verify(session, checkpoint, trusted_public_key_pem=trusted)


def report(result: journal.VerifyResult) -> int:
    if result.ok:
        print(f"通过 / OK: {result.message}")
        return EXIT_OK
    print(f"失败 / FAILED: {result.message}")
    if result.first_bad_seq is not None:
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


def verify(checkpoint_file: str | None) -> int:
    checkpoint = journal.Checkpoint.from_file(Path(checkpoint_file)) if checkpoint_file else None
    with checked_engine() as engine:
        code = report(verify_engine(engine, checkpoint))
        if code != EXIT_OK:
            return code  # derived state is only meaningful over an intact journal
        return verify_derived(engine)


def checkpoint(out_dir: str | None) -> int:
    directory = Path(out_dir) if out_dir else data_dir() / "checkpoints"
    with open_store() as store:
        result = verify_engine(store.engine)
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
