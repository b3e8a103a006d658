"""Renders installer/icons/*.svg (drawn by hand as SVG) to the PNG sizes the Linux desktop uses and to a
Windows .ico, with QtSvg and Pillow from the project's environment. Run after changing an SVG:
    QT_QPA_PLATFORM=offscreen python installer/make_icons.py
The results are committed, so a build needs neither tool."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent / "icons"
PNG_SIZES = (48, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"not a valid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    QGuiApplication(sys.argv)
    for svg in sorted(ICONS.glob("*.svg")):
        for size in PNG_SIZES:
            render(svg, size).save(str(ICONS / f"{svg.stem}-{size}.png"))
        largest = Image.open(ICONS / f"{svg.stem}-256.png")
        largest.save(ICONS / f"{svg.stem}.ico", sizes=[(size, size) for size in ICO_SIZES])
        print(f"{svg.name}: {', '.join(f'{size} px' for size in PNG_SIZES)} PNG and .ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
