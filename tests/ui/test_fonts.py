"""The bundled Noto Sans SC: static TrueType, GBK coverage, no tofu in any visible string, Qt and PDF."""

from __future__ import annotations

import ast
import contextlib
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fontTools.ttLib import TTFont

from ui.fonts import BOLD, FAMILY, REGULAR, font_files, load_fonts, missing_glyphs

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]
RARE_NAME_CHARACTERS = "喆堃玥珺"
# The one GBK character the source font itself lacks (≒, U+2252, a maths symbol no screen uses).
KNOWN_GBK_GAPS = {"\u2252"}
# Packages whose strings reach a screen, a PDF or a message shown to a person.
PRODUCT_PACKAGES = ("judge", "db", "vision", "ui", "kiosk", "console")


def _gbk_characters() -> set[str]:
    found = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned in GBK
                found.add(bytes((lead, trail)).decode("gbk"))
    return found


def test_the_files_are_static_truetype_regular_and_bold() -> None:
    assert font_files() == [REGULAR, BOLD]
    for path, weight, style in ((REGULAR, 400, "Regular"), (BOLD, 700, "Bold")):
        font = TTFont(path, lazy=True)
        assert "glyf" in font and "CFF " not in font, "reportlab needs TrueType outlines, not CFF"
        assert "fvar" not in font, "a static instance, not the variable font"
        assert font["name"].getDebugName(1) == FAMILY
        assert font["name"].getDebugName(2) == style
        assert font["OS/2"].usWeightClass == weight
        assert path.stat().st_size < 8_500_000
    assert (REGULAR.parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") >= 1


def test_every_gbk_character_is_covered_including_rare_name_characters() -> None:
    for char in RARE_NAME_CHARACTERS:  # why GBK and not GB2312: these names would be boxes otherwise
        with pytest.raises(UnicodeEncodeError):
            char.encode("gb2312")
    gbk = _gbk_characters()
    assert len(gbk) > 21_000
    for path in font_files():
        assert missing_glyphs("".join(gbk), path) == KNOWN_GBK_GAPS
        assert missing_glyphs(RARE_NAME_CHARACTERS + "，。：（）【】、…—·¥℃①★✓→", path) == set()


def test_missing_glyphs_names_the_characters_that_would_be_boxes() -> None:
    assert missing_glyphs("欢迎光临 张三 138****5678 Welcome\n") == set()
    assert missing_glyphs("你好😀𠀀") == {"😀", "𠀀"}  # an emoji, a CJK Extension B character


def _not_shown(tree: ast.AST) -> set[int]:
    """Literals never drawn: docstrings and the bounds of character-range comparisons ("\u4e00" <= c)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            if node.body and isinstance(node.body[0], ast.Expr):
                ids.add(id(node.body[0].value))
        elif isinstance(node, ast.Compare):
            ids.update(id(operand) for operand in (node.left, *node.comparators))
    return ids


def _visible_strings_in_code() -> list[tuple[str, str]]:
    """Every string literal with a non-ASCII character in the product's Python files."""
    found = []
    for package in PRODUCT_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skipped = _not_shown(tree)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and not node.value.isascii() and id(node) not in skipped):
                    found.append((f"{path.relative_to(REPO)}:{node.lineno}", node.value))
    return found


def test_no_string_in_the_code_has_a_character_the_font_lacks() -> None:
    strings = _visible_strings_in_code()
    assert any("案场通" in text for _, text in strings)  # the scan does reach the product's strings
    gaps = {where: missing_glyphs(text) for where, text in strings if missing_glyphs(text)}
    assert gaps == {}


def test_no_resource_text_has_a_character_the_font_lacks() -> None:
    texts = {}
    for pattern in ("rules/*.toml", "themes/*.qss"):
        for path in sorted((REPO / "resources").glob(pattern)):
            texts[path.name] = path.read_text(encoding="utf-8")
    ts = ElementTree.parse(REPO / "resources/translations/anchang_en.ts")
    for number, element in enumerate(ts.iter()):
        if element.tag in ("source", "translation", "numerusform") and element.text:
            texts[f"anchang_en.ts #{number}"] = element.text
    assert any(re.search(r"[\u4e00-\u9fff]", text) for text in texts.values())
    gaps = {name: missing_glyphs(text) for name, text in texts.items() if missing_glyphs(text)}
    assert gaps == {}


def test_reportlab_accepts_and_embeds_the_fonts(tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(ReportlabTTFont("AnchangTest-Regular", str(REGULAR)))
    pdfmetrics.registerFont(ReportlabTTFont("AnchangTest-Bold", str(BOLD)))
    pdf = tmp_path / "names.pdf"
    page = canvas.Canvas(str(pdf))
    page.setFont("AnchangTest-Regular", 14)
    page.drawString(50, 700, "到访确认单 " + RARE_NAME_CHARACTERS)
    page.setFont("AnchangTest-Bold", 14)
    page.drawString(50, 680, "判客结果 Attribution")
    page.save()
    data = pdf.read_bytes()
    assert data.count(b"/FontFile2") == 2  # both embedded as TrueType
    assert pdfmetrics.stringWidth(RARE_NAME_CHARACTERS, "AnchangTest-Regular", 10) == pytest.approx(40, abs=1)


def test_qt_loads_both_weights_and_draws_the_rare_characters(qapp) -> None:
    from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QFontMetrics, QImage, QPainter

    assert load_fonts() == FAMILY
    assert {"Regular", "Bold"} <= set(QFontDatabase.styles(FAMILY))
    font = QFont(FAMILY, 32)
    assert QFontInfo(font).family() == FAMILY
    metrics = QFontMetrics(font)
    assert all(metrics.inFontUcs4(ord(char)) for char in RARE_NAME_CHARACTERS)

    def render(text: str) -> QImage:
        image = QImage(200, 60, QImage.Format.Format_Grayscale8)
        image.fill(255)
        painter = QPainter(image)
        painter.setFont(font)
        painter.drawText(5, 45, text)
        painter.end()
        return image

    drawn = [render(char) for char in RARE_NAME_CHARACTERS]
    blank = render("")
    assert all(image != blank for image in drawn)
    assert len({bytes(image.constBits()) for image in drawn}) == len(RARE_NAME_CHARACTERS)  # four glyphs
