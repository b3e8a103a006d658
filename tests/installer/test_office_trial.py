"""An office of two PCs from scratch: installer/office-trial.sh (two debootstrap roots, this machine's
PostgreSQL as the server PC; the README's several-stations section, the signed apt repository, an
upgrade). Only with ANCHANG_BUILD_INSTALLER=1, as root, with debootstrap: it needs the built package, a
Debian mirror for the roots' dependencies, and minutes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.environ.get("ANCHANG_BUILD_INSTALLER") != "1",
                    reason="the office trial runs only with ANCHANG_BUILD_INSTALLER=1 (the package built first)")
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("debootstrap") is None,
                    reason="the office trial needs root (chroot) and debootstrap")
def test_two_fresh_stations_share_one_site_and_upgrade_from_the_office_repository() -> None:
    if not list((ROOT / "build" / "installer").glob("anchang_*.deb")):
        subprocess.run(["bash", str(ROOT / "installer" / "build-linux.sh")], check=True, timeout=1800)
    result = subprocess.run(["bash", str(ROOT / "installer" / "office-trial.sh")], capture_output=True, text=True,
                            timeout=3600)
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    for step in ("main station: apt install", "init refused (join instead)", "the bundle refused a second use",
                 "both stations write and read one site", "apt upgrade to", "PASSED"):
        assert step in result.stdout, said
