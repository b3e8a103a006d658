"""`anchang restore` checks a restored copy before it replaces the live database: an empty journal, an
edited journal, a file failing integrity_check and another site's backup leave the live database as it was."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from admin.cli import main
from db import integrity, migrate
from db.database import make_engine, run_write
from db.keys import Keyring
from db.models import JournalEntry, KeyCheck
from operations.backup import search_path_schema
from service.store import ManualClock, Store
from tests.conftest import PG_URL

T0 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
LIVE_PHONE, BACKUP_PHONE = "13812340001", "13912340002"


@pytest.fixture
def live(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    store = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(T0), station="kiosk1")
    store.add_consultant("A")
    store.set_duty(["A"])
    store.register_visit(LIVE_PHONE)
    yield store
    store.dispose()


@pytest.fixture
def other_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second database of the same kind, to make backups from (on PostgreSQL another database with a
    schema of the live one's name, as another server of the same site would have)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
        return
    assert PG_URL is not None
    name = f"anchang_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(db_url).set(database=name)
    schema = search_path_schema(db_url)
    with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def make_backup(url: str, keyring: Keyring, out: Path, monkeypatch: pytest.MonkeyPatch, *, visits: int = 1,
                edit: Callable[[sa.Engine], None] | None = None, key_checks: bool = True) -> Path:
    """A database at `url` under `keyring` with `visits` visits (edited by `edit`), backed up to `out`."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    if key_checks:
        run_write(engine, lambda session: integrity.record_key_checks(session, keyring))
    store = Store(engine, keyring, clock=ManualClock(T0 + timedelta(hours=1)), station="elsewhere")
    if visits:
        store.add_consultant("Z")
        store.set_duty(["Z"])
        for i in range(visits):
            store.register_visit(f"{BACKUP_PHONE[:-1]}{i}")
    if not key_checks:
        with engine.begin() as conn:
            conn.execute(sa.delete(KeyCheck))  # a backup made before key checks existed
    if edit is not None:
        edit(engine)
    store.dispose()
    with monkeypatch.context() as patch:
        patch.setenv("ANCHANG_DATABASE_URL", url)
        main(["backup", "--out", str(out)])
    assert out.is_file()
    return out


def journal_length(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one())
    engine.dispose()
    return count


def refused(live: Store, db_url: str, backup: Path, reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = journal_length(db_url)
    capsys.readouterr()
    assert main(["restore", str(backup)]) == 1
    out = capsys.readouterr().out
    assert reason in out and "the live database was left as it was" in out
    assert journal_length(db_url) == before
    assert live.customer_id(LIVE_PHONE) is not None and live.customer_id(f"{BACKUP_PHONE[:-1]}0") is None
    path = make_engine(db_url).url.database
    if db_url.startswith("sqlite"):
        assert [p.name for p in Path(str(path)).parent.iterdir() if "restore" in p.name] == []


def edit_first_entry(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").all():
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            conn.exec_driver_sql("ALTER TABLE journal DISABLE TRIGGER USER")
        conn.execute(sa.update(JournalEntry).where(JournalEntry.seq == 2).values(actor="mallory"))


def test_a_backup_with_an_empty_journal_is_refused(live: Store, db_url: str, other_url: str, data_dir: Path,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    backup = make_backup(other_url, Keyring.load(data_dir), tmp_path / "empty.bak", monkeypatch, visits=0)
    refused(live, db_url, backup, "the backup's journal is empty", capsys)


def test_a_backup_with_an_edited_journal_is_refused(live: Store, db_url: str, other_url: str, data_dir: Path,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    backup = make_backup(other_url, Keyring.load(data_dir), tmp_path / "edited.bak", monkeypatch, visits=2,
                         edit=edit_first_entry)
    refused(live, db_url, backup, "first bad entry: #2", capsys)


@pytest.mark.parametrize("key_checks", [True, False], ids=["with-key-check", "older-backup"])
def test_another_sites_backup_is_refused(live: Store, db_url: str, other_url: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                         key_checks: bool) -> None:
    elsewhere = Keyring.create(tmp_path / "other-site")
    backup = make_backup(other_url, elsewhere, tmp_path / "other-site.bak", monkeypatch, key_checks=key_checks)
    refused(live, db_url, backup, "the backup belongs to another site", capsys)


def test_a_sqlite_file_failing_integrity_check_is_refused(live: Store, db_url: str, other_url: str,
                                                          data_dir: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("integrity_check is SQLite's; pg_restore itself refuses a damaged dump")
    backup = make_backup(other_url, Keyring.load(data_dir), tmp_path / "damaged.sqlite3", monkeypatch, visits=3)
    conn = sqlite3.connect(backup)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_journal_at'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with backup.open("r+b") as fh:  # the index's page emptied: its rows are missing from the index
        fh.seek((root - 1) * page_size)
        fh.write(bytes([0x0A]) + bytes(7))
    refused(live, db_url, backup, "fails integrity_check", capsys)


def test_a_good_backup_replaces_the_live_database_and_keeps_the_old_one(
        live: Store, db_url: str, other_url: str, data_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    backup = make_backup(other_url, Keyring.load(data_dir), tmp_path / "good.bak", monkeypatch, visits=2)
    capsys.readouterr()
    assert main(["restore", str(backup), "--accept-loss", "--reason", "换用另一台服务器的数据"]) == 0
    out = capsys.readouterr().out  # the live journal is another history: all of it is lost, knowingly
    assert "journal intact" in out and "kept the database being replaced" in out and "loss accepted" in out
    assert live.customer_id(LIVE_PHONE) is None and live.customer_id(f"{BACKUP_PHONE[:-1]}1") is not None
    if db_url.startswith("sqlite"):
        live_file = Path(str(make_engine(db_url).url.database))
        [kept] = live_file.parent.glob(f"{live_file.name}.before-restore-*")
        old = make_engine(f"sqlite:///{kept}")
        with old.connect() as conn:  # the replaced database, whole, beside the live one
            assert conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one() > 0
        old.dispose()
    assert main(["verify"]) == 0


def test_a_postgresql_dump_of_another_schema_is_refused(live: Store, db_url: str, data_dir: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """pg_restore would put it beside the live tables, where no station looks, and report success."""
    if not db_url.startswith("postgresql"):
        pytest.skip("schemas are PostgreSQL's")
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        other = make_url(db_url).update_query_dict({"options": f"-csearch_path={schema}"})
        backup = make_backup(other.render_as_string(hide_password=False), Keyring.load(data_dir),
                             tmp_path / "schema.dump", monkeypatch)
        refused(live, db_url, backup, f"this site uses {search_path_schema(db_url)}", capsys)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
