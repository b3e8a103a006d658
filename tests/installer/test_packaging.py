"""The Windows installer script compiles (where makensis is installed), and the built .deb passes
installer/smoke.sh (only when ANCHANG_BUILD_INSTALLER=1: the build takes minutes; scripts/test.sh then
builds it first)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("makensis") is None, reason="makensis not installed (apt-get install nsis)")
def test_the_nsis_script_compiles(tmp_path: Path) -> None:
    """On a stand-in for the Windows one-folder build: the script, its includes, languages and icons."""
    dist = tmp_path / "dist"
    (dist / "_internal" / "resources").mkdir(parents=True)
    for program in ("anchang", "anchang-kiosk", "anchang-console"):
        (dist / f"{program}.exe").write_bytes(b"MZ stand-in")
    (dist / "_internal" / "resources" / "default.toml").write_text("[site]\n")
    setup = tmp_path / "AnchangSetup-test.exe"
    result = subprocess.run(["makensis", "-WX", "-V2", "-DVERSION=0.0.0", f"-DDIST={dist}", f"-DOUTFILE={setup}",
                             str(ROOT / "installer" / "windows" / "anchang.nsi")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert setup.read_bytes()[:2] == b"MZ"


@pytest.mark.skipif(os.environ.get("ANCHANG_BUILD_INSTALLER") != "1",
                    reason="the installer is built and smoke-tested only with ANCHANG_BUILD_INSTALLER=1")
def test_the_built_package_passes_the_smoke_test() -> None:
    if not list((ROOT / "build" / "installer").glob("anchang_*.deb")):
        subprocess.run(["bash", str(ROOT / "installer" / "build-linux.sh")], check=True, timeout=1800)
    result = subprocess.run(["bash", str(ROOT / "installer" / "smoke.sh")], capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: passed" in result.stdout
