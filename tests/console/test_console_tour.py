"""`anchang-console --tour DIR` renders the login screen and every page to numbered PNGs and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from console.pages import PAGES

BIN = Path(sys.executable).parent


def test_tour_renders_every_page(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ANCHANG_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([str(BIN / "anchang-console"), "--tour", str(out)], capture_output=True, text=True,
                            timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    shots = sorted(out.glob("*.png"))
    names = {shot.stem.split("_", 1)[1] for shot in shots}
    assert {"login", "login_wrong_password"} <= names
    for key, _module in PAGES:
        assert any(name == key or name.startswith(f"{key}_") for name in names), f"no picture of page {key}"
    for shot in shots:
        image = QImage(str(shot))
        assert (image.width(), image.height()) == (1366, 860), shot.name
