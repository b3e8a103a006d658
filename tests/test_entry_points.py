"""The three console scripts exist and answer (the station screens are not built yet)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def test_kiosk_without_a_database_says_so_plainly(tmp_path: Path) -> None:
    env = {**os.environ, "ANCHANG_DATA_DIR": str(tmp_path / "empty"), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("ANCHANG_DATABASE_URL", None)
    result = subprocess.run([str(BIN / "anchang-kiosk")], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "cannot start" in result.stderr


@pytest.mark.parametrize("program", ["anchang-console"])
def test_station_programs_say_plainly_that_screens_are_missing(program: str) -> None:
    result = subprocess.run([str(BIN / program)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "no" in result.stderr and "screens" in result.stderr


def test_admin_command_lists_its_commands() -> None:
    result = subprocess.run([str(BIN / "anchang"), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("init", "demo", "verify", "backup", "restore", "rules", "scenario", "import-reports",
                    "export", "purge", "forget"):
        assert command in result.stdout
