"""`anchang serve --tour DIR` as a process: every phone page of the demo week's consultant and manager, and
the sign-in page, in Chinese and English, saved as 390x844 PNGs; without the browser, one line and exit 2."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from server.tour import CHROMEDRIVER, CHROMIUM, PHONE

ROOT = Path(__file__).resolve().parents[2]
_MISSING = [tool for tool in (CHROMIUM, CHROMEDRIVER) if not Path(tool).exists()]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.e2e
@pytest.mark.skipif(bool(_MISSING) and not os.environ.get("CI"),
                    reason=f"needs {', '.join(_MISSING)} (scripts/test.sh installs them)")
def test_the_tour_renders_every_phone_page_in_both_languages(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "tour"
    done = subprocess.run([sys.executable, "-m", "admin.cli", "serve", "--tour", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert done.returncode == 0, done.stdout + done.stderr
    names = {path.stem for path in out.glob("*.png")}
    for lang in ("zh", "en"):
        assert f"{lang}-signin" in names
        for page in ("today", "customers", "customer", "follow-up", "stage", "ask", "pool", "numbers"):
            assert f"{lang}-consultant-{page}" in names, sorted(names)
        for page in ("approvals", "customers", "customer"):
            assert f"{lang}-manager-{page}" in names, sorted(names)
    assert {png_size(path) for path in out.glob("*.png")} == {PHONE}
    assert not (data_dir / "anchang.sqlite3").exists()  # the site's database is never made or opened


def test_without_the_browser_the_tour_says_so_in_one_line(data_dir: Path, tmp_path: Path) -> None:
    """selenium missing (an installed site, not a tester's machine): one line, exit 2, no traceback."""
    blocker = tmp_path / "no_selenium"
    blocker.mkdir()
    (blocker / "selenium.py").write_text("raise ImportError('selenium is not installed')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "admin.cli", "serve", "--tour", str(tmp_path / "tour")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if "selenium" in line][0].startswith("anchang serve --tour")
