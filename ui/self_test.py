"""The Qt half of `--self-test` (operations/self_test.py has the rest): the application with the bundled font,
the translations, the Qt plugins a station needs, and one screen rendered off screen.

Each function returns a short detail line or raises with what is missing; the stations
(kiosk/self_test.py, console/self_test.py) put them in their list of checks.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QStandardPaths
from PySide6.QtGui import QFontDatabase, QGuiApplication, QImage, QImageReader, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWidget

from ui.app import create_app
from ui.fonts import FAMILY, font_files, missing_glyphs
from ui.i18n import install_translator

# The native platform plugin of each system, besides the offscreen one the self-test renders with.
NATIVE_PLATFORMS = {"win32": ("qwindows",), "darwin": ("qcocoa",)}
LINUX_PLATFORMS = ("qxcb", "qwayland")
IMAGE_FORMATS = ("png", "jpeg", "svg")
SAMPLE_TEXT = "案场通来访登记置业顾问判客报备"


def offscreen_app(program: str, theme: str) -> QApplication:
    """The program's application on the offscreen platform (a self-test opens no window, needs no display)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return create_app([program], lang="zh", theme=theme)


def check_qt(app: QApplication) -> str:
    """Platform plugins (offscreen and the native ones), image formats, print support (a PDF page)."""
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    present = {path.name.split(".")[0].removeprefix("lib") for path in (plugins / "platforms").glob("*")}
    wanted = ("qoffscreen", *NATIVE_PLATFORMS.get(sys.platform, LINUX_PLATFORMS))
    missing = [name for name in wanted if name not in present]
    if missing:
        raise FileNotFoundError(f"缺少 Qt 平台插件 / Qt platform plugins missing in {plugins / 'platforms'}: "
                                f"{', '.join(missing)}")
    formats = {bytes(name.data()).decode() for name in QImageReader.supportedImageFormats()}
    if absent := [name for name in IMAGE_FORMATS if name not in formats]:
        raise FileNotFoundError(f"缺少图片格式插件 / Qt image format plugins missing: {', '.join(absent)}")
    if not any((plugins / "printsupport").glob("*")) and sys.platform != "darwin":
        raise FileNotFoundError(f"缺少打印插件 / no Qt print support plugin in {plugins / 'printsupport'}")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    pdf = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.TempLocation)) / \
        f"anchang-self-test-{os.getpid()}.pdf"
    printer.setOutputFileName(str(pdf))
    painter = QPainter(printer)
    painter.drawText(100, 100, SAMPLE_TEXT)
    painter.end()
    size = pdf.stat().st_size if pdf.exists() else 0
    pdf.unlink(missing_ok=True)
    if size == 0:
        raise RuntimeError("打印到 PDF 失败 / Qt print support wrote no PDF page")
    return (f"{QGuiApplication.platformName()} platform, plugins {', '.join(wanted)}; "
            f"{', '.join(IMAGE_FORMATS)} images; a PDF page printed")


def check_font(app: QApplication) -> str:
    families = QFontDatabase.families()
    if FAMILY not in families:
        raise RuntimeError(f"字体未加载 / the bundled font {FAMILY} is not registered with Qt")
    if app.font().family() != FAMILY:
        raise RuntimeError(f"界面字体不符 / the application font is {app.font().family()}, not {FAMILY}")
    if missing := missing_glyphs(SAMPLE_TEXT):
        raise RuntimeError(f"字体缺字 / the bundled font lacks {''.join(sorted(missing))}")
    return f"{FAMILY} ({', '.join(path.name for path in font_files())})"


# One of Qt's own strings (qtbase_zh_CN), held apart from the call: a literal translate() call would
# put it into our catalogue for pyside6-lupdate, which would then want an English for Qt's "Cancel".
QT_PROBE = ("QPlatformTheme", "Cancel")


def check_translation(app: QApplication, context: str, source: str) -> str:
    """English for one of the program's own strings (the .qm is there and loads), then Chinese again with
    Qt's own catalogue (qtbase_zh_CN)."""
    install_translator(app, "en")
    english = QCoreApplication.translate(context, source)
    install_translator(app, "zh")
    if english == source:
        raise RuntimeError(f"英文翻译未生效 / no English for {context}: {source!r} (anchang_en.qm)")
    chinese_qt = QCoreApplication.translate(*QT_PROBE)
    if chinese_qt == QT_PROBE[1]:
        raise FileNotFoundError("缺少 Qt 中文翻译 / Qt's own qtbase_zh_CN.qm is not loaded")
    return f"en: {source} → {english}; Qt zh: Cancel → {chinese_qt}"


def render(app: QApplication, widget: QWidget, name: str, size: tuple[int, int]) -> str:
    """Shows `widget` off screen at `size`, lets the event loop lay it out and paint, and grabs it."""
    started = time.monotonic()
    widget.resize(*size)
    widget.show()
    for _ in range(5):
        app.processEvents()
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    if image.isNull() or (image.width(), image.height()) != size:
        raise RuntimeError(f"{name} 未能绘制 / {name} did not render ({image.width()}×{image.height()})")
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 37)}
    if len(colours) < 3:
        raise RuntimeError(f"{name} 画面为空 / {name} rendered blank")
    return f"{name} rendered {size[0]}×{size[1]} in {(time.monotonic() - started) * 1000:.0f} ms"
