"""QR decoding from live frames: pyzbar (zbar) first, OpenCV's detector as the fallback.

zbar is faster and more tolerant of blur; OpenCV's detector needs no system library, so the kiosk
still reads codes when libzbar is missing (a warning says so once).
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

try:
    from pyzbar import pyzbar
except (ImportError, OSError) as error:  # pyzbar raises ImportError when libzbar0 is not installed
    pyzbar = None
    log.warning("pyzbar unavailable (%s); QR codes are read with OpenCV only", error)


class QrDecoder:
    def __init__(self, use_zbar: bool = True):
        self.use_zbar = use_zbar and pyzbar is not None
        # The ArUco-based detector finds blurred and rotated codes that the classic one misses.
        self._opencv = cv2.QRCodeDetectorAruco() if hasattr(cv2, "QRCodeDetectorAruco") else cv2.QRCodeDetector()

    def decode(self, frame: np.ndarray) -> list[str]:
        """Texts of the QR codes found in a BGR or grey frame, without duplicates."""
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        texts: list[str] = []
        if self.use_zbar:
            symbols = pyzbar.decode(grey, symbols=[pyzbar.ZBarSymbol.QRCODE])
            texts = [symbol.data.decode("utf-8", errors="replace") for symbol in symbols]
        if not texts:
            texts = self._decode_opencv(grey)
        return list(dict.fromkeys(texts))

    def _decode_opencv(self, grey: np.ndarray) -> list[str]:
        try:
            found, decoded, _points, _ = self._opencv.detectAndDecodeMulti(grey)
        except cv2.error as error:
            log.debug("OpenCV QR detector failed: %s", error)
            return []
        return [text for text in decoded if text] if found else []
