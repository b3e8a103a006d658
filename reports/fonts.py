"""The bundled CJK font for paper and charts (Noto Sans SC, static TrueType in resources/fonts).

Found through the `resources` package, not ui.fonts: reports stay free of the Qt stations' layer.
reportlab embeds the glyphs a PDF uses (a subset); matplotlib draws chart text with the same file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import resources

FONTS_DIR = Path(resources.__file__).resolve().parent / "fonts"
REGULAR_FILE = FONTS_DIR / "NotoSansSC-Regular.ttf"
BOLD_FILE = FONTS_DIR / "NotoSansSC-Bold.ttf"
FAMILY = "Noto Sans SC"
PDF_REGULAR = "NotoSansSC"  # the names the PDF's styles use
PDF_BOLD = "NotoSansSC-Bold"


@cache
def register_pdf_fonts() -> tuple[str, str]:
    """Registers Regular and Bold with reportlab (once) and returns their names."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(PDF_REGULAR, str(REGULAR_FILE)))
    pdfmetrics.registerFont(TTFont(PDF_BOLD, str(BOLD_FILE)))
    pdfmetrics.registerFontFamily(PDF_REGULAR, normal=PDF_REGULAR, bold=PDF_BOLD, italic=PDF_REGULAR,
                                  boldItalic=PDF_BOLD)
    addMapping(PDF_REGULAR, 1, 0, PDF_BOLD)
    return PDF_REGULAR, PDF_BOLD


@cache
def register_chart_font() -> str:
    """Adds the bundled files to matplotlib's font manager (once) and returns the family name."""
    from matplotlib import font_manager

    for path in (REGULAR_FILE, BOLD_FILE):
        font_manager.fontManager.addfont(str(path))
    return FAMILY
