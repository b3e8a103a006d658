"""`anchang diagnose --out FILE`: the 诊断包 with the real `anchang --self-test` run apart, written 0600;
a folder that does not exist is a usage error and writes nothing."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from admin.cli import main


def test_the_command_writes_a_private_bundle_with_the_real_self_test(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    out = tmp_path / "support" / "anchang-diagnose.zip"
    out.parent.mkdir()
    assert main(["diagnose", "--out", str(out)]) == 0
    assert "support bundle written" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        report = archive.read("self-test.txt").decode("utf-8")
        logged = archive.read("logs/anchang.log").decode("utf-8")
    assert "自检通过 / self-test passed" in report and "exit code 0" in report
    assert "启动 / started: diagnose" in logged


def test_a_missing_folder_is_a_usage_error(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--out", str(tmp_path / "nowhere" / "bundle.zip")]) == 2
    assert "no folder" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()
