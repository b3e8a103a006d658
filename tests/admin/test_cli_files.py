"""What the `anchang` command writes is its owner's only: the data folder 0700; the database, backups,
exports and checkpoints 0600, whatever the umask of the shell that ran it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from admin.cli import main


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # a typical shell: files 0644, folders 0755
    yield
    os.umask(previous)


def test_files_are_private(data_dir: Path, tmp_path: Path, open_umask: None) -> None:
    data_dir.chmod(0o755)
    assert main(["init"]) == 0
    assert mode(data_dir) == 0o700
    database = data_dir / "anchang.sqlite3"
    assert mode(database) == 0o600
    assert main(["rules", "set", "pool.daily_claim_limit=4"]) == 0  # a write: -wal and -shm exist now
    assert main(["backup"]) == 0
    assert main(["checkpoint"]) == 0
    export = tmp_path / "exports" / "customers.xlsx"
    assert main(["export", "--out", str(export)]) == 0
    backups = list((data_dir / "backups").iterdir())
    checkpoints = list((data_dir / "checkpoints").iterdir())
    assert backups and checkpoints
    for path in [database, export, *backups, *checkpoints, *data_dir.glob("anchang.sqlite3-*")]:
        assert mode(path) == 0o600, path
    for folder in (data_dir / "backups", data_dir / "checkpoints", export.parent):
        assert mode(folder) == 0o700, folder
    assert os.umask(0o022) == 0o022  # the command gave the caller's umask back


def test_a_database_left_readable_by_an_older_version_is_tightened(data_dir: Path, open_umask: None) -> None:
    assert main(["init"]) == 0
    database = data_dir / "anchang.sqlite3"
    database.chmod(0o644)
    data_dir.chmod(0o755)
    assert main(["board"]) == 0
    assert (mode(database), mode(data_dir)) == (0o600, 0o700)
