"""The built .deb passes installer/smoke.sh (only when ANCHANG_BUILD_INSTALLER=1: the build takes minutes;
scripts/test.sh then builds it first). The Windows installer: test_windows_installer.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.environ.get("ANCHANG_BUILD_INSTALLER") != "1",
                    reason="the installer is built and smoke-tested only with ANCHANG_BUILD_INSTALLER=1")
def test_the_built_package_passes_the_smoke_test() -> None:
    if not list((ROOT / "build" / "installer").glob("anchang_*.deb")):
        subprocess.run(["bash", str(ROOT / "installer" / "build-linux.sh")], check=True, timeout=1800)
    result = subprocess.run(["bash", str(ROOT / "installer" / "smoke.sh")], capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: passed" in result.stdout
