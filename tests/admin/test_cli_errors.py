"""Bad input and broken setups give one clear line and an exit code, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from admin.cli import main
from admin.errors import run_guarded
from db.database import make_engine
from db.models import Consultant, JournalEntry

EVERY_COMMAND = [["init"], ["board"], ["verify"], ["checkpoint"], ["backup"], ["rules", "show"],
                 ["rules", "set", "pool.daily_claim_limit=4"], ["export"], ["purge"],
                 ["forget", "13800000000"]]


@pytest.fixture
def site(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    capsys.readouterr()
    return db_url


def error_of(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.err + captured.out


@pytest.mark.parametrize("at", ["0001-01-01", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_times_out_of_range_are_refused(site: str, at: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["board", "--at", at]) == 2
    assert "out of range" in error_of(capsys)
    assert main(["rules", "show", "--at", at]) == 2
    assert "out of range" in error_of(capsys)


def test_rules_file_encodings(site: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# r\xe8gles\n[pool]\ndaily_claim_limit = 4\n".encode("latin-1"))
    assert main(["rules", "set", "--file", str(latin)]) == 2
    assert "not UTF-8 text" in error_of(capsys)
    bom = tmp_path / "bom.toml"
    bom.write_bytes("\ufeff# 规则\n[pool]\ndaily_claim_limit = 4\n".encode())
    assert main(["rules", "set", "--file", str(bom)]) == 0
    assert "pool.daily_claim_limit: 3 -> 4" in capsys.readouterr().out


def test_rule_values_without_a_sane_bound_are_refused(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "set", "protection.consultant_days=99999999999999999999"]) == 2
    assert "between 1 and 3650" in error_of(capsys)
    assert main(["rules", "set", "protection.consultant_days=3650"]) == 0
    assert main(["board"]) == 0  # the store still works with a value at the bound


def test_scenario_run_on_bad_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no scenario here")
    assert main(["scenario", "run", str(empty)]) == 2
    assert "no scenario files" in error_of(capsys)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: r\xe8gle\n".encode("latin-1"))
    assert main(["scenario", "run", str(latin)]) == 2
    out = error_of(capsys)
    assert "not UTF-8" in out and "0 passed" in out


def _edit_journal(url: str, seq: int, sql_sqlite: str, sql_pg: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for name in list(conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'").scalars()):
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            conn.exec_driver_sql(sql_sqlite, (seq,))
        else:
            conn.exec_driver_sql("ALTER TABLE journal DISABLE TRIGGER USER")
            conn.exec_driver_sql(sql_pg, (seq,))
    engine.dispose()


def _journal_length(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one())
    engine.dispose()
    return count


def test_verify_reports_an_entry_with_a_bad_time(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "set", "pool.daily_claim_limit=4"]) == 0
    seq = _journal_length(site)
    _edit_journal(site, seq, "UPDATE journal SET at = 'not a time' WHERE seq = ?",
                  "UPDATE journal SET at = 'infinity' WHERE seq = %s")
    capsys.readouterr()
    assert main(["verify"]) == 1
    out = error_of(capsys)
    assert f"entry {seq} is malformed" in out and f"first bad entry: #{seq}" in out


def test_verify_reports_a_blob_payload(sqlite_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Only SQLite lets a BLOB into a text column; PostgreSQL refuses it at the UPDATE."""
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    assert main(["rules", "set", "pool.daily_claim_limit=4"]) == 0
    seq = _journal_length(sqlite_url)
    _edit_journal(sqlite_url, seq, "UPDATE journal SET payload = X'00FF7B7D' WHERE seq = ?", "")
    capsys.readouterr()
    assert main(["verify"]) == 1
    assert f"entry {seq} is malformed" in error_of(capsys)


def test_unsupported_database_names_the_supported_ones(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", "mysql://user@server/anchang")
    for command in (["board"], ["init"], ["verify"]):
        assert main(command) == 2
        out = error_of(capsys)
        assert "unsupported database 'mysql'" in out and "SQLite" in out and "PostgreSQL" in out
    monkeypatch.delenv("ANCHANG_DATABASE_URL")
    assert main(["init", "--database-url", "mysql+pymysql://user@server/anchang"]) == 2
    assert "unsupported database" in error_of(capsys)
    assert not (data_dir / "anchang.toml").exists()  # nothing written


@pytest.mark.parametrize("text", [b"[database\n", b"\xff\xfe[database]\n", b"database = 'x'\n",
                                  b"[database]\nurl = 5\n"])
def test_a_broken_anchang_toml_is_one_line_for_every_command(
        sqlite_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        text: bytes) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    monkeypatch.delenv("ANCHANG_DATABASE_URL")
    (data_dir / "anchang.toml").write_bytes(text)
    capsys.readouterr()
    for command in EVERY_COMMAND:
        code = main(command)
        out = error_of(capsys)
        assert code == 1 and "anchang.toml" in out, (command, out)
    assert main(["demo"]) == 0  # the demo keeps its own database and never reads anchang.toml


def test_a_retention_setting_of_the_wrong_shape(sqlite_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    (data_dir / "anchang.toml").write_text("retention = 3\n")
    capsys.readouterr()
    assert main(["purge"]) == 1
    assert "retention" in error_of(capsys)


def test_a_bom_in_anchang_toml_is_accepted(sqlite_url: str, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data_dir / "anchang.toml").write_bytes(f"\ufeff[database]\nurl = '{sqlite_url}'\n".encode())
    assert main(["init"]) == 0
    assert Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_a_value_too_long_for_its_column_is_one_line(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(site)

    def insert() -> int:
        with engine.begin() as conn:
            conn.execute(sa.insert(Consultant).values(name="甲" * 200, active=True))
        return 0

    code = run_guarded(insert)
    engine.dispose()
    if site.startswith("sqlite"):
        assert code == 0  # SQLite does not enforce lengths: the store's own check does (test_store_input)
    else:
        assert code == 1
        assert "does not fit the database" in error_of(capsys)
