"""The three console scripts exist and answer (the station screens are not built yet)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("program", ["anchang-kiosk", "anchang-console"])
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
