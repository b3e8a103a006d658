"""The one place that creates the QApplication: attributes, bundled font, translator, theme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication

from ui.fonts import load_fonts
from ui.i18n import install_translator
from ui.theme import apply_theme


def create_app(argv: list[str], *, lang: str = "zh", theme: str = "kiosk") -> QApplication:
    """A QApplication (the existing one, in tests) with the bundled CJK font, `lang` and `theme`."""
    if QApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    if app.property("anchang_theme") == theme and app.property("anchang_lang") == lang:
        # made already for this program (the console's start-problem window, then its wizard): styling it
        # again would replace the style under every live widget and polish them all again, for nothing
        return app
    app.setApplicationName("anchang")
    app.setApplicationDisplayName("案场通")
    font = QFont(load_fonts())
    font.setPointSize(14)
    app.setFont(font)
    install_translator(app, lang)
    apply_theme(app, theme)
    from ui import probe

    if app.property("anchang_probe") is None:  # ANCHANG_UI_PROBE: the end-to-end tests' view of the screens
        probe.install(app)
    return app


def running_app() -> QApplication:
    """The QApplication create_app made (a station's windows are built after it)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("no QApplication: call ui.app.create_app first")
    return app
