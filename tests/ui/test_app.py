"""create_app: one QApplication with the bundled font, the translator for the language and the theme."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from ui.app import create_app
from ui.fonts import FAMILY
from ui.i18n import install_translator


def test_create_app_installs_font_theme_and_language(qapp: Any) -> None:
    app = create_app([], lang="en", theme="kiosk")
    try:
        assert app is qapp  # the one application
        assert app.font().family() == FAMILY
        assert app.property("anchang_theme") == "kiosk"
        assert app.styleSheet()
        assert QCoreApplication.translate("PhoneScreen", "请输入您的手机号") != "请输入您的手机号"
    finally:
        install_translator(app, "zh")
    assert QCoreApplication.translate("PhoneScreen", "请输入您的手机号") == "请输入您的手机号"


def test_a_second_window_of_the_same_program_keeps_the_style_it_has(qapp: Any, monkeypatch: Any) -> None:
    """The console's start-problem window, then its wizard: create_app twice in one start. Styling again
    would replace the style under every live widget (it crashed a test run that had windows left over)."""
    import ui.app

    create_app([], lang="zh", theme="console")
    style = qapp.style()
    applied: list[str] = []
    monkeypatch.setattr(ui.app, "apply_theme", lambda app, name: applied.append(name))
    assert create_app([], lang="zh", theme="console") is qapp
    assert applied == [] and qapp.style() is style
    create_app([], lang="zh", theme="kiosk")  # another program's theme (tests make both in one process)
    assert applied == ["kiosk"]
