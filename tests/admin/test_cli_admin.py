"""`anchang init`, `verify`, `checkpoint`, `rules`: in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from admin.cli import main
from db import migrate
from db.database import make_engine
from db.keys import KEY_FILES, Keyring
from db.models import JournalEntry
from service.store import ManualClock, Store

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def site(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An initialised site on `db_url` (set through ANCHANG_DATABASE_URL)."""
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    return db_url


@pytest.fixture
def sqlite_site(sqlite_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    return sqlite_url


@pytest.fixture
def store(site: str, data_dir: Path) -> Iterator[Store]:
    engine = make_engine(site)
    s = Store(engine, Keyring.load(data_dir), clock=ManualClock(T0), station="test")
    s.add_consultant("王丽")
    s.add_consultant("李强")
    s.set_duty(["王丽", "李强"])
    for i in range(5):
        s.clock.at = T0 + timedelta(minutes=10 * i)  # type: ignore[attr-defined]
        s.register_visit(f"1391234567{i}")
    yield s
    s.dispose()


def attack(url: str, seq: int) -> None:
    """An admin drops the journal's guards and edits one row (as in test_tamper)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            names = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'").scalars()
            for name in list(names):
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            conn.exec_driver_sql("ALTER TABLE journal DISABLE TRIGGER USER")
        conn.execute(sa.update(JournalEntry).where(JournalEntry.seq == seq).values(actor="someone-else"))
    engine.dispose()


# ------------------------------------------------------------------------ init
def test_init_twice_keeps_the_keys(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    first = capsys.readouterr().out
    assert "已生成站点密钥" in first and "created the schema" in first
    keys = {name: (data_dir / name).read_bytes() for name in KEY_FILES}
    assert (data_dir / "anchang.sqlite3").exists()

    assert main(["init"]) == 0
    second = capsys.readouterr().out
    assert "kept as they are" in second and "up to date" in second
    assert keys == {name: (data_dir / name).read_bytes() for name in KEY_FILES}


def test_init_writes_the_database_url(data_dir: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--database-url", db_url]) == 0
    settings = tomllib.loads((data_dir / "anchang.toml").read_text(encoding="utf-8"))
    assert settings["database"]["url"] == db_url
    assert (data_dir / "anchang.toml").stat().st_mode & 0o077 == 0  # may hold a password
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
    capsys.readouterr()
    assert main(["verify"]) == 0  # later commands find the database through anchang.toml
    assert "journal intact" in capsys.readouterr().out


def test_init_refuses_incomplete_keys(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Keyring.create(data_dir)
    (data_dir / KEY_FILES[0]).unlink()
    assert main(["init"]) == 1
    err = capsys.readouterr().err
    assert "密钥不完整" in err and KEY_FILES[0] in err and len(err.strip().splitlines()) == 1
    assert not (data_dir / KEY_FILES[0]).exists()


def test_init_refuses_a_garbage_url(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--database-url", "not a url"]) == 2
    assert "not a database URL" in capsys.readouterr().err
    assert not (data_dir / "anchang.toml").exists()


# ---------------------------------------------------------------- clear errors
def test_commands_before_init_fail_in_one_line(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["verify"], ["rules", "show"], ["forget", "13912345670"], ["export"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "anchang init" in err and "Traceback" not in err


def test_missing_keys_and_unreachable_database(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    (data_dir / "master.key").unlink()
    capsys.readouterr()
    assert main(["rules", "show"]) == 1
    assert "master.key" in capsys.readouterr().err
    monkeypatch.setenv("ANCHANG_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["verify"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the database" in err and err.count("\n") == 1


def test_bad_arguments_exit_2(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--no-such-option"]) == 2
    assert main(["nonsense"]) == 2
    assert main(["verify", "--checkpoint", str(data_dir / "missing.json")]) == 2
    assert "invalid checkpoint file" in capsys.readouterr().err


# ---------------------------------------------------------------------- verify
def test_verify_then_tamper(store: Store, site: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["verify"]) == 0
    assert "journal intact" in capsys.readouterr().out
    attack(site, 4)
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "first bad entry: #4" in out and "altered" in out


def test_checkpoint_exposes_a_truncated_journal(store: Store, site: str, data_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checkpoint", "--out", str(data_dir / "cp")]) == 0
    files = list((data_dir / "cp").glob("checkpoint-*.json"))
    assert len(files) == 1
    capsys.readouterr()
    assert main(["verify", "--checkpoint", str(files[0])]) == 0
    assert "matches" in capsys.readouterr().out
    engine = sa.create_engine(site)
    with engine.begin() as conn:  # cut the tail: the chain that is left is still self-consistent
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER journal_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE journal DISABLE TRIGGER USER")
        last = conn.execute(sa.select(sa.func.max(JournalEntry.seq))).scalar_one()
        conn.execute(sa.delete(JournalEntry).where(JournalEntry.seq == last))
    engine.dispose()
    capsys.readouterr()
    assert main(["verify"]) == 1  # the chain left is intact, but the visits table still shows the cut visit
    out = capsys.readouterr().out
    assert "journal intact" in out and "projection visits differs from a rebuild" in out
    assert main(["verify", "--checkpoint", str(files[0])]) == 1
    assert "truncated" in capsys.readouterr().out


# ----------------------------------------------------------------------- rules
def test_rules_show_and_set(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["rules", "show"]) == 0
    shown = tomllib.loads(capsys.readouterr().out)
    assert shown["protection"]["consultant_days"] == 30 and shown["channel"]["mode"] == "report_protect"

    assert main(["rules", "set", "protection.consultant_days=45", "channel.mode=competitive"]) == 0
    out = capsys.readouterr().out
    assert "30 -> 45" in out
    assert store.rules_at(datetime.now(UTC) + timedelta(seconds=1))["protection.consultant_days"] == 45
    assert main(["rules", "show"]) == 0
    shown = tomllib.loads(capsys.readouterr().out)
    assert shown["protection"]["consultant_days"] == 45 and shown["channel"]["mode"] == "competitive"
    # the version in force at an earlier time is still the default one
    assert main(["rules", "show", "--at", "2026-03-01 10:00"]) == 0
    assert tomllib.loads(capsys.readouterr().out)["protection"]["consultant_days"] == 30


@pytest.mark.parametrize("argv, message", [
    (["protection.no_such_key=3"], "unknown rule key"),
    (["protection.consultant_days=-1"], "cannot be negative"),
    (["protection.pledge_freezes=maybe"], "true or false"),
    (["channel.mode=first_come"], "must be one of"),
    (["protection.consultant_days"], "KEY=VALUE"),
    ([], "nothing to set"),
])
def test_rules_set_refuses_bad_input(sqlite_site: str, argv: list[str], message: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "set", *argv]) == 2
    assert message in capsys.readouterr().err
    engine = make_engine(sqlite_site)
    with engine.connect() as conn:  # nothing was journalled (init journalled only its admin user)
        assert conn.execute(sa.select(JournalEntry.kind)).scalars().all() == ["user"]
    engine.dispose()


def test_rules_set_from_a_file(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "rules.toml"
    good.write_text("[pool]\ndaily_claim_limit = 5\n[channel]\nnumber_mode = \"masked_3_4\"\n", encoding="utf-8")
    assert main(["rules", "set", "--file", str(good)]) == 0
    assert store.rules_at(datetime.now(UTC) + timedelta(seconds=1))["pool.daily_claim_limit"] == 5
    bad = tmp_path / "bad.toml"
    bad.write_text("[pool\n", encoding="utf-8")
    before = _journal_length(store)
    assert main(["rules", "set", "--file", str(bad)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert _journal_length(store) == before


def _journal_length(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one())
