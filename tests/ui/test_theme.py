"""QSS themes: they parse, kiosk touch targets are large, the big screen is dark, roles restyle."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui import theme
from ui.fonts import FAMILY, load_fonts

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QCheckBox,
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

BUTTON_ROLES = (None, "primary", "danger", "choice", "key", "link")
LABEL_ROLES = ("hint", "error", "success", "warning", "masked", "next", "busy")


@pytest.fixture
def qt_warnings(qapp) -> Iterator[list[str]]:
    messages: list[str] = []

    def handler(kind: QtMsgType, _context: object, text: str) -> None:
        if kind != QtMsgType.QtDebugMsg and "propagateSizeHints" not in text:  # offscreen plugin noise
            messages.append(text)

    previous, font = qInstallMessageHandler(handler), qapp.font()
    try:
        yield messages
    finally:
        qInstallMessageHandler(previous)
        qapp.setStyleSheet("")
        qapp.setProperty("anchang_theme", None)  # no theme: the next create_app styles the application
        qapp.setFont(font)


def _screen() -> tuple[QWidget, dict[str, QWidget]]:
    """One widget of every kind and role the themes style, laid out and shown offscreen."""
    window = QWidget()
    layout = QVBoxLayout(window)
    widgets: dict[str, QWidget] = {}
    for name in ("title", "subtitle"):
        label = QLabel("欢迎光临 喆堃玥珺")
        label.setObjectName(name)
        widgets[name] = label
    for role in BUTTON_ROLES:
        button = QPushButton("确认 Confirm")
        theme.set_role(button, role)
        widgets[f"button:{role}"] = button
    for role in LABEL_ROLES:
        label = QLabel("138****5678")
        theme.set_role(label, role)
        widgets[f"label:{role}"] = label
    frame = QFrame()
    theme.set_role(frame, "card")
    widgets.update(card=frame, line=QLineEdit("13800138000"), combo=QComboBox(), check=QCheckBox("同意 Agree"),
                   table=QTableWidget(3, 2))
    widgets["combo"].addItems(["自然来访", "渠道带访"])  # type: ignore[attr-defined]
    for widget in widgets.values():
        layout.addWidget(widget)
    window.resize(800, 1600)
    window.show()
    return window, widgets


@pytest.mark.parametrize("name", theme.THEMES)
def test_every_theme_parses_and_styles_without_a_qt_warning(qapp, qt_warnings: list[str], name: str) -> None:
    theme.apply_theme(qapp, name)
    window, _ = _screen()
    qapp.processEvents()
    window.close()
    assert qapp.styleSheet().strip() and qapp.property("anchang_theme") == name
    assert qt_warnings == []


def test_a_broken_sheet_is_noticed(qapp, qt_warnings: list[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kiosk.qss").write_text("QPushButton { min-height: 64px; ", encoding="utf-8")
    monkeypatch.setattr(theme, "THEMES_DIR", tmp_path)
    theme.apply_theme(qapp, "kiosk")
    window, _ = _screen()
    qapp.processEvents()
    window.close()
    assert any("style" in message.lower() for message in qt_warnings)


def test_kiosk_touch_targets_are_at_least_48_px(qapp, qt_warnings: list[str]) -> None:
    theme.apply_theme(qapp, "kiosk")
    window, widgets = _screen()
    qapp.processEvents()
    for key in [f"button:{role}" for role in BUTTON_ROLES] + ["line", "combo", "check"]:
        assert widgets[key].height() >= 48, key
    assert widgets["button:choice"].height() >= 96  # the start screen's big choices
    assert widgets["title"].fontInfo().pixelSize() >= 40
    assert widgets["label:hint"].fontInfo().pixelSize() >= 20
    window.close()


@pytest.mark.parametrize(("name", "least"), [("console", 48), ("big_screen", 48)])
def test_other_themes_keep_buttons_clickable(qapp, qt_warnings: list[str], name: str, least: int) -> None:
    theme.apply_theme(qapp, name)
    window, widgets = _screen()
    qapp.processEvents()
    for role in BUTTON_ROLES:
        if role != "link":
            assert widgets[f"button:{role}"].height() >= least, role
    window.close()


def test_heights_and_fonts_set_in_code_survive_the_theme(qapp, qt_warnings: list[str]) -> None:
    """The sheets must not shrink what a screen asks for: QSS min-height or font-size would."""
    load_fonts()
    theme.apply_theme(qapp, "kiosk")
    window = QWidget()
    layout = QVBoxLayout(window)
    tall = QPushButton("刷脸登记")
    theme.set_role(tall, "choice")
    tall.setMinimumHeight(180)
    key = QPushButton("A")
    theme.set_role(key, "key")
    key.setMinimumHeight(90)
    heading = QLabel("欢迎光临")
    font = heading.font()
    font.setPixelSize(52)
    heading.setFont(font)
    plain = QLabel("请选择登记方式")
    for widget in (tall, key, heading, plain):
        layout.addWidget(widget)
    window.show()
    qapp.processEvents()
    assert tall.height() >= 180 and key.height() >= 90
    assert heading.fontInfo().pixelSize() == 52
    assert plain.fontInfo().pixelSize() == theme.BASE_PIXEL_SIZE["kiosk"]
    assert plain.fontInfo().family() == FAMILY
    window.close()


def test_set_role_restyles_a_widget_already_shown(qapp, qt_warnings: list[str]) -> None:
    theme.apply_theme(qapp, "kiosk")
    button = QPushButton("我是新客户")
    button.show()
    qapp.processEvents()
    plain = button.sizeHint().height()
    theme.set_role(button, "choice")
    assert button.sizeHint().height() >= plain + 30
    button.close()


def _background_lightness(qapp, name: str) -> int:
    theme.apply_theme(qapp, name)
    window, _ = _screen()
    qapp.processEvents()
    lightness = window.grab().toImage().pixelColor(2, 2).lightness()
    window.close()
    return lightness


def test_the_big_screen_is_dark_and_the_kiosk_light(qapp, qt_warnings: list[str]) -> None:
    assert _background_lightness(qapp, "big_screen") < 60
    assert _background_lightness(qapp, "kiosk") > 200


def test_an_unknown_theme_is_refused(qapp) -> None:
    with pytest.raises(ValueError, match="unknown theme"):
        theme.apply_theme(qapp, "neon")
