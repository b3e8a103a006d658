"""`anchang init`: data directory, site keys, anchang.toml and the schema."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from db import integrity, migrate
from db.config import config_file, data_dir, database_url, owner_database_url, save_settings, settings
from db.database import run_write
from db.keys import KEY_FILES, Keyring, KeysMismatch
from operations.common import (
    EXIT_OK,
    AdminError,
    open_engine,
    parse_url,
    shown_url,
)
from operations.half_made import NothingHalfMade
from operations.site_ca import ensure_ca
from operations.site_probe import check_database, refuse_a_second_site
from service import users
from service.store import Store

Say = Callable[[str], None]  # where progress lines go: print for the command, the wizard's log for the console


def ensure_keys(directory: Path, say: Say = print) -> bool:
    """Creates the site keys unless they are all there (then loads them to check), and the site CA
    beside them (operations/site_ca.py) unless it is there. True if the keys were created."""
    present = [name for name in KEY_FILES if (directory / name).exists()]
    if not present:
        Keyring.create(directory)
        say(f"已生成站点密钥 / created the site keys in {directory}")
        say("  请离线备份这些密钥文件：丢失后加密数据无法恢复 / back the key files up offline: "
              "without them the encrypted data cannot be read")
        _ensure_site_ca(directory, say)
        return True
    if len(present) != len(KEY_FILES):
        missing = [name for name in KEY_FILES if name not in present]
        raise AdminError(f"密钥不完整 / site keys incomplete in {directory}: missing {', '.join(missing)}; "
                         "not creating new ones (existing data would become unreadable): restore them from backup")
    Keyring.load(directory)
    say(f"站点密钥已存在，保持不变 / site keys already exist in {directory}: kept as they are")
    _ensure_site_ca(directory, say)
    return False


def _ensure_site_ca(directory: Path, say: Say) -> None:
    """The CA phones trust for `anchang serve`; its fingerprint is what they check when installing it."""
    ca = ensure_ca(directory)
    say(f"站点证书 / site CA: {ca.cert_path} (SHA-256 {ca.fingerprint}, valid until {ca.not_after:%Y-%m-%d})")


def migrate_schema(url: str, backup_dir: Path, say: Say = print) -> bool:
    """Creates or migrates the schema; True when an existing database was migrated."""
    engine = open_engine(url, must_exist=False)
    try:
        before = migrate.current_revision(engine)
        backup = migrate.upgrade(engine, backup_dir=backup_dir)
        head = migrate.head_revision()
    finally:
        engine.dispose()
    if before is None:
        say(f"已创建数据库结构 / created the schema (version {head}) in {shown_url(url)}")
    elif before == head:
        say(f"数据库结构已是最新 / the schema is up to date (version {head}) in {shown_url(url)}")
    else:
        say(f"数据库已从 {before} 升级到 {head} / migrated the schema from {before} to {head}")
    if backup is not None:
        say(f"  升级前的备份 / backup taken before migrating: {backup}")
    return before is not None and before != head


def rebuild_projections(url: str, directory: Path, say: Say = print) -> None:
    """A migration may add projection tables: they are filled by replaying the journal."""
    engine = open_engine(url, must_exist=True)
    try:
        store = Store(engine, Keyring.load(directory), station="init")
        site = store.rebuild()
        if site.last_seq:
            store.save_snapshot()  # a migration may drop snapshots of an older format: start fast again
    finally:
        engine.dispose()
    say(f"已从日志重建视图 / rebuilt the projections from the journal ({site.last_seq} entries judged)")


def record_key_check(url: str, directory: Path, say: Say = print) -> None:
    """Stores the keys' check values in the database (once), so a station given other key files refuses
    to start; existing values must match the keys here."""
    engine = open_engine(url, must_exist=True)
    try:
        keyring = Keyring.load(directory)
        written = run_write(engine, lambda session: integrity.record_key_checks(session, keyring))
    except KeysMismatch as exc:
        raise AdminError(str(exc)) from None
    finally:
        engine.dispose()
    if written:
        say("已在数据库中记录密钥校验值 / stored the key check values in the database")


def init(database_url_arg: str | None, owner_url_arg: str | None = None) -> int:
    directory = data_dir()
    for given in (database_url_arg, owner_url_arg):
        if given:
            parse_url(given)  # refuse garbage before anything is made
    # migrations run as the owner where there is one (anchang pg-setup); the stations' role may not
    url = owner_url_arg or owner_database_url() or database_url_arg or database_url()
    # a database that holds a site is joined with a key bundle, never given a second site's keys
    refuse_a_second_site(check_database(url), directory)
    with NothingHalfMade(directory, config_file()) as made:
        directory.mkdir(parents=True, exist_ok=True)
        print(f"数据目录 / data directory: {directory}")
        ensure_keys(directory)
        for key, given, variable in (("url", database_url_arg, "ANCHANG_DATABASE_URL"),
                                     ("owner_url", owner_url_arg, "ANCHANG_OWNER_DATABASE_URL")):
            if given:
                _save_url(key, given, variable)
        prepare_database(url, directory, keys_stored=made.keep)
    print("初始化完成 / init done")
    return EXIT_OK


def _save_url(key: str, url: str, variable: str) -> None:
    parse_url(url)  # refuse garbage before writing it into the settings
    values = settings()
    values.setdefault("database", {})[key] = url
    path = save_settings(values)
    print(f"已写入配置 / wrote {path}: [database] {key} = {shown_url(url)}")
    overriding = os.environ.get(variable)
    if overriding and overriding != url:
        print(f"  注意：环境变量 {variable} 优先 / note: {variable} ({shown_url(overriding)}) overrides this "
              "setting while it is set")


def prepare_database(url: str, directory: Path, say: Say = print, *,
                     keys_stored: Callable[[], None] = lambda: None) -> None:
    """What `anchang init` does to the database once the keys are in `directory`: the schema (created or
    migrated, SQLite backed up first), the key check values, projections rebuilt after a migration, and
    the first administrator. The first-run wizard runs the same (operations/first_run.py). `keys_stored` is
    called once the database holds the keys' check values: from then on the keys must stay."""
    migrated = migrate_schema(url, directory / "backups", say)
    record_key_check(url, directory, say)
    keys_stored()
    if migrated:
        rebuild_projections(url, directory, say)
    first_admin(url, directory, say)


def first_admin(url: str, directory: Path, say: Callable[[str], None] = print) -> None:
    """`anchang init` on a database without users: an `admin` user, and how to give it a secret."""
    engine = open_engine(url, must_exist=True)
    try:
        created = users.ensure_first_admin(Store(engine, Keyring.load(directory), station="init"))
    finally:
        engine.dispose()
    if created:
        say(f"已创建管理员用户 {users.FIRST_ADMIN} / created the user {users.FIRST_ADMIN}: "
              f"设置密码 / set its secret with `anchang user passwd {users.FIRST_ADMIN}`")
