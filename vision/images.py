"""Loading still images (enrolment photos, test data) with a clear error for bad input."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


class ImageError(ValueError):
    """The input is not an image OpenCV can read (corrupt, truncated, empty, wrong type)."""


def decode_image(data: bytes) -> np.ndarray:
    """Decode encoded image bytes (JPEG, PNG incl. 32-bit RGBA, …) to a 3-channel BGR uint8 array."""
    if not data:
        raise ImageError("empty image data")
    # IMREAD_COLOR drops alpha, expands grey and applies the EXIF orientation of phone photos.
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageError(f"not a readable image ({len(data)} bytes, starts {data[:8].hex(' ')})")
    return image


def load_image(path: str | Path) -> np.ndarray:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ImageError(f"cannot read {path}: {error}") from error
    try:
        return decode_image(data)
    except ImageError as error:
        raise ImageError(f"{path}: {error}") from None


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """Accept grey, BGR or BGRA frames; anything else is refused before it reaches dlib."""
    if frame.dtype != np.uint8:
        raise ImageError(f"frame must be uint8, got {frame.dtype}")
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    raise ImageError(f"unsupported frame shape {frame.shape}")
