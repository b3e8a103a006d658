"""Checkpoints against a rewritten journal: every checkpoint kept is checked, the result names the range
between the last that holds and the first that fails, and a checkpoint proves nothing without the site's
public key (anyone can sign one with their own). On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from admin.cli import main
from db.database import make_engine
from db.journal import (
    Checkpoint,
    append,
    entry_hash,
    export_checkpoint,
    install_guards,
    make_checkpoint,
    verify,
)
from db.keys import KEY_FILES, Keyring
from db.models import Base, JournalEntry
from service.store import ManualClock, Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ENTRIES = 60
DAILY = (2, 10, 30, 52)  # the journal's head at each day's checkpoint


@pytest.fixture
def site_keys(tmp_path: Path) -> Keyring:
    return Keyring.create(tmp_path / "site-keys")


@pytest.fixture
def engine(db_url: str, site_keys: Keyring, tmp_path: Path) -> Iterator[sa.Engine]:
    """60 entries; a checkpoint exported at the end of each of four days into tmp_path/'kept'."""
    engine = sa.create_engine(db_url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        install_guards(connection)
    with Session(engine) as session:
        for i in range(1, ENTRIES + 1):
            append(session, at=T0 + timedelta(minutes=i), actor="reception", station="kiosk-1", kind="visit",
                   payload={"customer": i})
            session.flush()
            if i in DAILY:
                export_checkpoint(session, site_keys, tmp_path / "kept", T0 + timedelta(minutes=i, seconds=30))
        session.commit()
    yield engine
    engine.dispose()


def rewrite_from(engine: sa.Engine, first: int) -> None:
    """A database admin edits entry `first` and re-hashes everything after it: a self-consistent chain."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for name in list(conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'").scalars()):
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            conn.exec_driver_sql("ALTER TABLE journal DISABLE TRIGGER USER")
        rows = conn.execute(sa.select(JournalEntry.__table__).where(JournalEntry.seq >= first - 1)
                            .order_by(JournalEntry.seq)).all()
        prev = rows[0].hash if first > 1 else "0" * 64
        for row in rows[1:] if first > 1 else rows:
            payload = '{"customer":999}' if row.seq == first else row.payload
            new_hash = entry_hash(prev, row.seq, row.at.replace(tzinfo=UTC), row.actor, row.station, row.kind,
                                  payload)
            conn.execute(sa.update(JournalEntry).where(JournalEntry.seq == row.seq).values(
                payload=payload, prev_hash=prev, hash=f"{row.seq:064x}"))  # hash is unique: park it first
            conn.execute(sa.update(JournalEntry).where(JournalEntry.seq == row.seq).values(hash=new_hash))
            prev = new_hash


def kept(tmp_path: Path) -> list[Checkpoint]:
    return [Checkpoint.from_file(path) for path in sorted((tmp_path / "kept").glob("*.json"))]


def test_every_checkpoint_holds_on_an_untouched_journal(engine: sa.Engine, site_keys: Keyring,
                                                        tmp_path: Path) -> None:
    with Session(engine) as session:
        result = verify(session, checkpoints=kept(tmp_path), trusted_public_key_pem=site_keys.public_key_pem())
    assert result.ok and result.checkpoints_held == len(DAILY)
    assert "4 checkpoints match" in result.message


@pytest.mark.parametrize(("edited", "expected"), [(3, (3, 10)), (11, (11, 30)), (31, (31, 52)), (1, (1, 2))])
def test_a_rewrite_is_placed_between_two_checkpoints(engine: sa.Engine, site_keys: Keyring, tmp_path: Path,
                                                     edited: int, expected: tuple[int, int]) -> None:
    rewrite_from(engine, edited)
    with Session(engine) as session:
        assert verify(session).ok  # self-consistent: only checkpoints can tell
        result = verify(session, checkpoints=kept(tmp_path), trusted_public_key_pem=site_keys.public_key_pem())
    assert not result.ok
    assert result.rewritten == expected and result.first_bad_seq == expected[0]
    first, last = expected
    assert f"rewritten between entries {first} and {last}" in result.message
    assert f"第 {first}–{last} 条" in result.message


def test_a_rewrite_after_the_last_checkpoint_is_not_seen(engine: sa.Engine, site_keys: Keyring,
                                                         tmp_path: Path) -> None:
    """The resolution of the design: entries after the newest checkpoint wait for the next one."""
    rewrite_from(engine, 53)
    with Session(engine) as session:
        assert verify(session, checkpoints=kept(tmp_path), trusted_public_key_pem=site_keys.public_key_pem()).ok


def test_a_checkpoint_needs_the_sites_public_key(engine: sa.Engine, site_keys: Keyring, tmp_path: Path) -> None:
    rewrite_from(engine, 3)
    with Session(engine) as session:
        forged = make_checkpoint(session, Keyring.create(tmp_path / "attacker"), T0 + timedelta(days=1))
        without_key = verify(session, forged)
        with_key = verify(session, forged, trusted_public_key_pem=site_keys.public_key_pem())
    assert not without_key.ok and "no trusted public key" in without_key.message
    assert not with_key.ok and "untrusted signature" in with_key.message


# ------------------------------------------------------------------ the CLI
@pytest.fixture
def cli_site(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An `anchang init` site; a checkpoint kept in <data dir>/checkpoints after each of three days."""
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    clock = ManualClock(T0)
    store = Store(make_engine(db_url), Keyring.load(data_dir), clock=clock, station="kiosk-1")
    store.add_consultant("A")
    store.set_duty(["A"])
    for day in range(3):
        for i in range(4):
            clock.at = T0 + timedelta(days=day, minutes=i)
            store.register_visit(f"1391234{day}{i:03d}")
        assert main(["checkpoint"]) == 0
    yield store
    store.dispose()


def heads(data_dir: Path) -> list[int]:
    return sorted(Checkpoint.from_file(p).seq for p in (data_dir / "checkpoints").glob("*.json"))


def test_cli_checks_every_kept_checkpoint_and_names_the_range(cli_site: Store, db_url: str, data_dir: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    first, second, third = heads(data_dir)
    capsys.readouterr()
    assert main(["verify"]) == 0
    assert "3 checkpoints match" in capsys.readouterr().out
    rewrite_from(sa.create_engine(db_url), first + 1)
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert f"rewritten range: #{first + 1}–#{second}" in out
    assert f"#{third}" not in out.split("rewritten range")[1]  # not the newest checkpoint's head
    assert main(["checkpoint"]) == 1  # no new checkpoint vouches for the rewritten chain
    assert heads(data_dir) == [first, second, third]


def test_cli_refuses_a_checkpoint_without_the_public_key(cli_site: Store, db_url: str, data_dir: Path,
                                                         tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On a machine without the site keys, a forged, self-signed checkpoint must not pass."""
    site_pem = tmp_path / "site.pem"
    site_pem.write_text(cli_site.keyring.public_key_pem())
    rewrite_from(sa.create_engine(db_url), 2)
    with Session(cli_site.engine) as session:
        forged = export_checkpoint(session, Keyring.create(tmp_path / "attacker"), tmp_path / "forged", T0)
    for path in (data_dir / "checkpoints").glob("*.json"):
        path.unlink()  # the attacker also removed the kept ones
    for name in KEY_FILES:
        (data_dir / name).rename(tmp_path / name)  # a verifying machine without the site keys
    capsys.readouterr()
    assert main(["verify", "--checkpoint", str(forged)]) == 1
    assert "no trusted public key" in capsys.readouterr().out
    assert main(["verify", "--checkpoint", str(forged), "--public-key", str(site_pem)]) == 1
    assert "untrusted signature" in capsys.readouterr().out
