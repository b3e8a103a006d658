"""QR rendering with segno: PNG/SVG for the console to print or send, an array for tests."""

from __future__ import annotations

import io

import numpy as np
import segno


def _qr(text: str) -> segno.QRCode:
    return segno.make_qr(text, error="m")


def qr_png(text: str, scale: int = 8, border: int = 4) -> bytes:
    buffer = io.BytesIO()
    _qr(text).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(text: str, scale: int = 8, border: int = 4) -> str:
    buffer = io.BytesIO()
    _qr(text).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def qr_matrix_image(text: str, scale: int = 8, border: int = 4) -> np.ndarray:
    """The code as a grey uint8 image (black modules 0, white 255)."""
    modules = np.array([[bool(cell) for cell in row] for row in _qr(text).matrix], dtype=bool)
    modules = np.pad(modules, border, constant_values=False)
    image = np.where(modules, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((scale, scale), dtype=np.uint8))
