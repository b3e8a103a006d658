"""`anchang backup` / `anchang restore`: round trips on SQLite and PostgreSQL, refusals, verification."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from admin.cli import main
from db.database import make_engine
from db.keys import Keyring
from db.models import JournalEntry
from operations.backup import libpq_target, search_path_schema
from service.store import ManualClock, Store

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    s = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(T0), station="test")
    s.add_consultant("王丽")
    s.set_duty(["王丽"])
    for i in range(3):
        s.clock.at = T0 + timedelta(minutes=i)  # type: ignore[attr-defined]
        s.register_visit(f"1381234500{i}")
    yield s
    s.dispose()


def journal_length(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = int(conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one())
    engine.dispose()
    return value


def test_round_trip(store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = journal_length(db_url)
    capsys.readouterr()
    assert main(["backup", "--out", str(tmp_path / "saved")]) == 0
    out = capsys.readouterr().out
    assert "backed up" in out and "keys are not in the backup" in out
    files = list(tmp_path.glob("saved*"))
    assert len(files) == 1
    backup_file = files[0]

    store.clock.at = T0 + timedelta(hours=1)  # type: ignore[attr-defined]
    store.register_visit("13812345009")  # written after the backup: the restore takes it away
    assert journal_length(db_url) == before + 1

    assert main(["restore", str(backup_file)]) == 1  # it would lose that visit: said, and refused
    assert "would lose 1 entries" in capsys.readouterr().out
    assert main(["restore", str(backup_file), "--accept-loss", "--reason", "演练恢复流程"]) == 0
    out = capsys.readouterr().out
    assert "restored" in out and "journal intact" in out and "kept the database being replaced" in out
    assert journal_length(db_url) == before + 1  # the backup's entries and the accepted loss
    assert store.customer_id("13812345009") is None
    assert store.customer_id("13812345001") is not None
    # the restored database takes writes again (guards and sequence in place)
    store.rebuild()
    store.clock.at = T0 + timedelta(hours=2)  # type: ignore[attr-defined]
    store.register_visit("13812345008")
    assert main(["verify"]) == 0


def test_backup_to_a_folder_and_refusing_to_overwrite(store: Store, data_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup"]) == 0
    made = list((data_dir / "backups").iterdir())
    assert len(made) == 1
    assert main(["backup", "--out", str(made[0])]) == 2
    assert "already exists" in capsys.readouterr().err


def test_restore_refuses_what_is_not_a_backup(store: Store, db_url: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = journal_length(db_url)
    text = tmp_path / "notes.sqlite3"
    text.write_text("hello", encoding="utf-8")
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    for path in (text, other):
        assert main(["restore", str(path)]) == 2
        assert "not an Anchang backup" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "missing.dump")]) == 2
    assert journal_length(db_url) == before


def test_restore_of_a_tampered_backup_says_so(data_dir: Path, sqlite_url: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    assert main(["rules", "set", "pool.daily_claim_limit=4"]) == 0
    assert main(["rules", "set", "pool.daily_claim_limit=5"]) == 0
    backup_file = tmp_path / "b.sqlite3"
    assert main(["backup", "--out", str(backup_file)]) == 0
    conn = sqlite3.connect(backup_file)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE journal SET actor = 'mallory' WHERE seq = 1")
    conn.commit()
    conn.close()
    capsys.readouterr()
    assert main(["restore", str(backup_file)]) == 1
    out = capsys.readouterr().out
    assert "first bad entry: #1" in out


def test_a_sqlite_backup_does_not_go_into_postgresql(data_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert main(["backup", "--out", str(tmp_path / "b.sqlite3")]) == 0
    monkeypatch.setenv("ANCHANG_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["restore", str(tmp_path / "b.sqlite3")]) == 2
    assert "cannot be restored into this database" in capsys.readouterr().err


def test_libpq_url_conversion() -> None:
    url = "postgresql+psycopg://site:s3cret@10.0.0.5:5433/anchang?options=-csearch_path%3Dsite_a&sslmode=require"
    conninfo, env = libpq_target(url)
    assert conninfo.startswith("postgresql://site@10.0.0.5:5433/anchang?")
    assert "s3cret" not in conninfo and env["PGPASSWORD"] == "s3cret"
    assert "sslmode=require" in conninfo and "options=" in conninfo
    assert search_path_schema(url) == "site_a"
    assert search_path_schema("postgresql+psycopg://u@h/db") is None
