"""`--version` and `--self-test` of the three programs, as installed from the package (each in its own
process, off screen), and what a failing check looks like."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.migrate import head_revision
from operations import self_test
from operations.version import program_version

BIN = Path(sys.executable).parent
CHECKS = {
    "anchang": ["modules", "resources", "face models", "QR", "database", "report"],
    "anchang-kiosk": ["modules", "resources", "face models", "QR", "database", "report", "Qt", "font",
                      "start screen", "translations"],
    "anchang-console": ["modules", "resources", "face models", "QR", "database", "report", "Qt", "font",
                        "login screen", "translations", "printing"],
}


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The configured site must not matter: a self-test makes its own temporary one."""
    env = {**os.environ, "ANCHANG_DATA_DIR": str(tmp_path / "must-stay-untouched"), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("ANCHANG_DATABASE_URL", None)
    return env


@pytest.mark.parametrize("program", sorted(CHECKS))
def test_version_names_the_program_and_its_schema(program: str) -> None:
    result = subprocess.run([str(BIN / program), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{program} {program_version()} ")
    assert f"schema {head_revision()}" in result.stdout


@pytest.mark.parametrize("program", sorted(CHECKS))
def test_self_test_passes_and_says_what_it_checked(program: str, tmp_path: Path) -> None:
    result = subprocess.run([str(BIN / program), "--self-test"], capture_output=True, text=True, timeout=300,
                            env=clean_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{program} {program_version()} ")
    passed = [line.split(":")[0].removeprefix("  ok").strip() for line in lines if line.startswith("  ok")]
    assert passed == CHECKS[program]
    assert lines[-1] == f"自检通过 / self-test passed: {len(CHECKS[program])} checks"
    assert not (tmp_path / "must-stay-untouched").exists()


def test_a_missing_file_fails_the_self_test_with_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """As if the build had left a font out: that check fails, naming the file; the others still run."""
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(tmp_path / "configured"))
    monkeypatch.setattr(self_test, "RESOURCE_FILES", (*self_test.RESOURCE_FILES, ("fonts/NotoSansSC-Light.ttf", 1)))
    extra = [self_test.Check("extra", lambda: "ran after the failure")]
    assert self_test.run_self_test("anchang", lambda site: extra) == 1
    out = capsys.readouterr().out
    assert "  FAIL  resources: FileNotFoundError: 缺少文件 / missing fonts/NotoSansSC-Light.ttf under " in out
    assert "  ok    database:" in out and "  ok    extra: ran after the failure" in out
    assert out.splitlines()[-1] == "自检失败 / self-test FAILED: 1 of 7 checks (resources)"
    assert os.environ["ANCHANG_DATA_DIR"] == str(tmp_path / "configured")  # the temporary site is gone again


def test_without_zbar_the_qr_check_fails_naming_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kiosk would still read codes through OpenCV, so only this check shows a build without zbar (on
    Windows: without the Visual C++ runtime its DLL needs)."""
    from vision.qr import decode

    assert "zbar" in self_test.check_qr()
    monkeypatch.setattr(decode, "pyzbar", None)
    with pytest.raises(RuntimeError, match="msvcr120.dll"):
        self_test.check_qr()
