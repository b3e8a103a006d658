"""`anchang-kiosk --tour DIR --lang en` renders every screen with demo data to numbered PNGs and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

EXPECTED = ("01_start", "02_consent", "03_face_guidance", "04_returning", "13_done_success", "16_qr_forged",
            "19_idcard_read", "21_start_camera_lost", "22_staff_pin_wrong", "23_staff_queue", "27_staff_settings")


@pytest.mark.slow
def test_tour_renders_every_screen(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANCHANG_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "kiosk.app", "--tour", str(out), "--lang", "en"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    shots = sorted(path.stem for path in out.glob("*.png"))
    assert len(shots) == 28
    assert set(EXPECTED) <= set(shots)
    for name in EXPECTED:
        image = QImage(str(out / f"{name}.png"))
        assert image.width() == 1080 and image.height() == 1920  # nothing forced the window wider
    assert not (tmp_path / "data").exists()  # a temporary demo database, not the configured one
