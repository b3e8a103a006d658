"""The bundled CJK font (Noto Sans SC Regular and Bold, static TrueType subset to GBK).

Every station draws with this font, whatever the machine has installed, so a name such as 喆堃玥珺
renders the same on every kiosk and never as a box. `missing_glyphs` is Qt-free (fontTools) so tests
and the PDF code can ask it which characters would not render.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import resources

FAMILY = "Noto Sans SC"
FONTS_DIR = Path(resources.__file__).resolve().parent / "fonts"
REGULAR = FONTS_DIR / "NotoSansSC-Regular.ttf"
BOLD = FONTS_DIR / "NotoSansSC-Bold.ttf"
# Characters drawn without a glyph: layout controls, not visible text.
_INVISIBLE = frozenset("\n\r\t\u200b\u200c\u200d\ufeff")


def font_files() -> list[Path]:
    """Regular then Bold, the files the product ships."""
    return [REGULAR, BOLD]


def load_fonts() -> str:
    """Registers the bundled fonts with Qt (a QGuiApplication must exist) and returns the family."""
    from PySide6.QtGui import QFontDatabase  # Qt only here: the rest of the module stays Qt-free

    for path in font_files():
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            raise RuntimeError(f"字体无法加载 / Qt cannot load the bundled font {path}")
        families = QFontDatabase.applicationFontFamilies(font_id)
        if FAMILY not in families:
            raise RuntimeError(f"字体族名不符 / {path.name} has families {families}, expected {FAMILY!r}")
    return FAMILY


@cache
def _covered(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_glyphs(text: str, path: Path = REGULAR) -> set[str]:
    """The characters of `text` that the bundled font (Regular by default) has no glyph for."""
    covered = _covered(path)
    return {char for char in text if char not in _INVISIBLE and ord(char) not in covered}
