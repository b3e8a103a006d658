"""The three programs exist and answer plainly when they cannot start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_kiosk_without_a_database_says_so_plainly(tmp_path: Path) -> None:
    env = {**os.environ, "ANCHANG_DATA_DIR": str(tmp_path / "empty"), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("ANCHANG_DATABASE_URL", None)
    result = subprocess.run([str(BIN / "anchang-kiosk")], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "cannot start" in result.stderr


def test_console_without_a_database_says_so_plainly(tmp_path: Path) -> None:
    """Set up (anchang.toml) but its database is gone: said plainly on a PC without a screen (with one, a
    window says it: tests/console/test_start_problem.py). (A computer with no settings and no keys at all
    opens the first-run wizard instead: tests/console/test_first_run.py.)"""
    data = tmp_path / "configured"
    data.mkdir()
    (data / "anchang.toml").write_text(f'[database]\nurl = "sqlite:///{data / "gone.sqlite3"}"\n', "utf-8")
    env = {**os.environ, "ANCHANG_DATA_DIR": str(data)}
    for name in ("ANCHANG_DATABASE_URL", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    result = subprocess.run([str(BIN / "anchang-console")], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "cannot start" in result.stderr and "anchang init" in result.stderr


def test_a_new_computer_without_a_display_is_told_to_run_init(tmp_path: Path) -> None:
    env = {**os.environ, "ANCHANG_DATA_DIR": str(tmp_path / "empty")}
    for name in ("ANCHANG_DATABASE_URL", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    result = subprocess.run([str(BIN / "anchang-console")], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "not set up" in result.stderr and "anchang init" in result.stderr


def test_console_demo_without_a_display_prints_the_board(tmp_path: Path) -> None:
    env = {**os.environ, "ANCHANG_DATA_DIR": str(tmp_path / "data")}
    for name in ("ANCHANG_DATABASE_URL", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    result = subprocess.run([str(BIN / "anchang-console"), "--demo"], capture_output=True, text=True,
                            timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    assert "no display" in result.stderr
    assert "今日" in result.stdout and "demo logins" in result.stdout


def test_admin_command_lists_its_commands() -> None:
    result = subprocess.run([str(BIN / "anchang"), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("init", "demo", "verify", "backup", "restore", "rules", "scenario", "import-reports",
                    "export", "purge", "forget"):
        assert command in result.stdout
