"""`anchang-kiosk --tour DIR --lang en` renders every screen with demo data at each kiosk screen size to
PNGs named by size and state, and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from kiosk.tour import SIZES, STATES

EXPECTED = ("01_start", "02_consent", "03_face_guidance", "04_returning", "13_done_success", "16_qr_forged",
            "19_idcard_read", "21_start_camera_lost", "22_staff_pin_wrong", "23_staff_queue", "27_staff_settings",
            "30_start_offline", "31_staff_offline")


@pytest.mark.slow
def test_tour_renders_every_screen_at_every_size(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANCHANG_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "kiosk.app", "--tour", str(out), "--lang", "en"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    shots = {path.stem for path in out.glob("*.png")}
    assert len(STATES) == 31 and len(shots) == len(STATES) * len(SIZES) == 124
    for width, height in SIZES:
        assert {f"{width}x{height}_{name}" for name in EXPECTED} <= shots
        for name in EXPECTED:
            image = QImage(str(out / f"{width}x{height}_{name}.png"))
            assert (image.width(), image.height()) == (width, height)  # nothing forced the window larger
    assert not (tmp_path / "data").exists()  # a temporary demo database, not the configured one
