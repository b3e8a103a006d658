"""Camera frames become QImages with the colours the camera saw (OpenCV's BGR read as such by Qt)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from kiosk.camera_feed import to_qimage


def test_a_bgr_frame_keeps_its_colours_and_owns_its_pixels() -> None:
    frame = np.zeros((4, 6, 3), np.uint8)
    frame[0, 0] = (255, 0, 0)  # blue, in OpenCV's order
    frame[3, 5] = (0, 0, 255)  # red
    frame[1, 2] = (10, 20, 30)
    image = to_qimage(frame[:, :, :])
    frame[:] = 0  # the camera reuses its buffer: the picture must not change with it
    assert (image.width(), image.height()) == (6, 4)
    assert image.pixelColor(0, 0) == QColor(0, 0, 255)
    assert image.pixelColor(5, 3) == QColor(255, 0, 0)
    assert image.pixelColor(2, 1) == QColor(30, 20, 10)
    assert to_qimage(np.zeros((480, 640, 3), np.uint8)[:, ::2]).width() == 320  # a strided view is copied first
