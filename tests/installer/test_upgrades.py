"""Installing a newer version over an older one (issue 10, item 5), on SQLite and PostgreSQL.

A newer program on an older database backs it up and migrates it at its first start; an older program
on a newer database (faked by stamping a revision no migration script knows) refuses to start, says to
install the newer version and changes nothing. Each program is started as the user starts it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from operations import upgrade
from service.store import Store

BIN = Path(sys.executable).parent
FUTURE = "9999_from_a_newer_version"
PHONE = "13912345678"


def previous_revision() -> str:
    config = migrate._config()
    head = ScriptDirectory.from_config(config).get_revision(migrate.head_revision())
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision


def older_site(url: str, data_dir: Path) -> str:
    """A site as the previous version left it: its keys, and the schema one migration behind this one."""
    previous = previous_revision()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            config = migrate._config()
            config.attributes["connection"] = conn
            command.upgrade(config, previous)
    finally:
        engine.dispose()
    Keyring.create(data_dir)
    return previous


def newer_site(url: str, data_dir: Path) -> None:
    """A site a newer version has migrated: this program's schema, stamped with a revision it lacks."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    finally:
        engine.dispose()
    Keyring.create(data_dir)


def revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


def env_for(url: str, data_dir: Path) -> dict[str, str]:
    return {**os.environ, "ANCHANG_DATA_DIR": str(data_dir), "ANCHANG_DATABASE_URL": url,
            "QT_QPA_PLATFORM": "offscreen"}


def run(program: str, args: list[str], url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / program), *args], capture_output=True, text=True, timeout=300,
                          env=env_for(url, data_dir))


def backups(data_dir: Path) -> list[Path]:
    folder = data_dir / "backups"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def assert_backup_holds(backup: Path, url: str, previous: str) -> None:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(backup)
        try:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (previous,)
        finally:
            conn.close()
    else:
        assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump -Fc
    assert f"schema-{previous}-" in backup.name


def test_the_admin_command_backs_up_and_migrates_an_older_database(db_url: str, data_dir: Path) -> None:
    previous = older_site(db_url, data_dir)
    result = run("anchang", ["user", "list"], db_url, data_dir)
    assert result.returncode == 0, result.stderr
    assert f"upgraded the database from schema {previous} to {migrate.head_revision()}" in result.stderr
    assert "admin" in result.stdout and "upgraded" not in result.stdout  # the notices go to stderr
    assert revision(db_url) == migrate.head_revision()
    [backup] = backups(data_dir)
    assert_backup_holds(backup, db_url, previous)
    store = Store.open(db_url, data_dir, station="test")  # what every station opens: the schema is current
    try:
        store.add_consultant("王丽")
        store.set_duty(["王丽"])
        assert store.register_visit(PHONE, actor="kiosk").seq > 0
    finally:
        store.dispose()
    again = run("anchang", ["user", "list"], db_url, data_dir)  # the next start finds nothing to do
    assert again.returncode == 0 and "upgraded" not in again.stderr and len(backups(data_dir)) == 1


def test_the_kiosk_upgrades_at_its_first_start_and_opens(db_url: str, data_dir: Path) -> None:
    previous = older_site(db_url, data_dir)
    result = run("anchang-kiosk", ["--windowed", "--camera", "demo", "--exit-when-ready"], db_url, data_dir)
    assert result.returncode == 0, result.stderr
    assert f"from schema {previous} to {migrate.head_revision()}" in result.stderr
    assert "anchang-kiosk ready" in result.stdout and "start screen start" in result.stdout
    assert revision(db_url) == migrate.head_revision()
    assert len(backups(data_dir)) == 1


@pytest.mark.parametrize("program", ["anchang", "anchang-kiosk", "anchang-console"])
def test_an_older_program_refuses_a_newer_database(program: str, db_url: str, data_dir: Path) -> None:
    newer_site(db_url, data_dir)
    args = ["board"] if program == "anchang" else []
    result = run(program, args, db_url, data_dir)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"the database schema ({FUTURE}) is newer than this program" in result.stderr
    assert "install the newer Anchang on this station" in result.stderr
    assert "Traceback" not in result.stderr
    assert revision(db_url) == FUTURE and backups(data_dir) == []  # nothing written, nothing backed up


def test_stations_starting_together_upgrade_once(db_url: str, data_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Two stations start at the same moment: one backs up and migrates, the other waits and finds it done."""
    previous = older_site(db_url, data_dir)
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    codes: list[int | None] = []
    threads = [threading.Thread(target=lambda name=name: codes.append(upgrade.start_check(name)))
               for name in ("station 1", "station 2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert codes == [None, None]
    assert revision(db_url) == migrate.head_revision()
    [backup] = backups(data_dir)
    assert_backup_holds(backup, db_url, previous)


def test_without_pg_dump_postgresql_is_left_as_it_was(pg_url: str, data_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """No backup, no migration: the station says what to install or do instead."""
    previous = older_site(pg_url, data_dir)
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ANCHANG_DATABASE_URL", pg_url)
    monkeypatch.setattr("operations.backup.shutil.which", lambda tool: None)
    assert upgrade.start_check("anchang-console") == 1
    message = capsys.readouterr().err
    assert "pg_dump not found" in message and "the database was not changed" in message
    assert "run `anchang init` to migrate it" in message
    assert revision(pg_url) == previous


def test_no_database_yet_is_left_to_the_program_to_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(tmp_path / "none"))
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    assert upgrade.start_check("anchang-kiosk") is None
    assert not (tmp_path / "none").exists()  # the check made nothing
