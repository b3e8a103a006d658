"""anchang-serve.service, the site server's system unit: systemd's own parser accepts it (every key
known, the program executable, its man page found); it runs in the group anchang, restarts on failure,
and the package ships it disabled (build-linux.sh installs it; nothing enables it)."""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "installer" / "linux" / "anchang-serve.service"


def test_the_unit_runs_anchang_serve_in_the_group_and_restarts_on_failure() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read_string(UNIT.read_text(encoding="utf-8"))
    service = unit["Service"]
    assert service["ExecStart"] == "/usr/bin/anchang serve"
    assert service["SupplementaryGroups"] == "anchang" and service["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    build = (ROOT / "installer" / "build-linux.sh").read_text(encoding="utf-8")
    assert "installer/linux/anchang-serve.service" in build and "/usr/lib/systemd/system" in build
    scripts = "".join((ROOT / "installer" / "linux" / name).read_text() for name in ("postinst", "prerm"))
    assert "enable anchang-serve" not in scripts  # enabled on the station chosen for it, by hand


@pytest.mark.skipif(shutil.which("systemd-analyze") is None or shutil.which("man") is None,
                    reason="systemd-analyze and man not installed")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_manpages", ROOT / "installer" / "make_manpages.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.write_pages(tmp_path / "man" / "man1", "0", "2030-01-01")
    program = tmp_path / "anchang"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    unit = tmp_path / "anchang-serve.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace("/usr/bin/anchang", str(program)), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                            env={**os.environ, "MANPATH": str(tmp_path / "man")}, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
