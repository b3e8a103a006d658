"""The `anchang` command logs each run to <data dir>/logs/anchang.log as the station "admin" (admin/
program_log.py); at the prompt it still shows warnings only, as bare messages."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from admin.cli import main


def test_each_command_is_logged_to_the_command_s_file(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert main(["verify"]) == 0
    path = data_dir / "logs" / "anchang.log"
    started = [line for line in path.read_text("utf-8").splitlines() if "启动 / started" in line]
    assert [line.split(": ")[-1].split(" (pid")[0] for line in started] == ["init", "verify"]
    assert all(" INFO [admin] anchang: anchang " in line for line in started)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "started" not in capsys.readouterr().err
