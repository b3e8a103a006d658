"""Driving the kiosk window from tests: open it, tap buttons by objectName, type on the keypads."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.services import KioskServices
from kiosk.window import KioskWindow


def open_window(qtbot: Any, services: KioskServices, start: bool = True) -> KioskWindow:
    window = KioskWindow(services)
    window.allow_close = True
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    if start:
        window.start()
    return window


def find(window: KioskWindow, name: str) -> Any:
    screen = window.stack.currentWidget()
    widget = screen.findChild(QPushButton, name) or screen.findChild(QLabel, name)
    assert widget is not None, f"{name} not on screen {window.current}"
    return widget


def tap(qtbot: Any, window: KioskWindow, name: str) -> None:
    widget = find(window, name)
    assert isinstance(widget, QPushButton)
    assert widget.isEnabled(), f"{name} is disabled on {window.current}"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def text(window: KioskWindow, name: str) -> str:
    return str(find(window, name).text())


def type_digits(qtbot: Any, window: KioskWindow, digits: str, pad: str = "digits") -> None:
    for digit in digits:
        tap(qtbot, window, f"{pad}_{digit}")


PATIENCE_MS = 20_000  # a loaded machine (2 cores, tests in parallel) can stall for seconds


def until(qtbot: Any, condition: Any, timeout: int = PATIENCE_MS) -> None:
    qtbot.waitUntil(condition, timeout=timeout)


def wait_screen(qtbot: Any, window: KioskWindow, name: str, timeout: int = PATIENCE_MS) -> None:
    qtbot.waitUntil(lambda: window.current == name, timeout=timeout)


def phone_path(qtbot: Any, window: KioskWindow, phone: str, surname: str = "张", title: str = "title_ms") -> None:
    """From the phone screen to the source screen, by the surname and title given: a number the site knows
    is asked about first ("张女士 · 138****5678，是您吗？"), answered 不是 so the surname is picked as given."""
    wait_screen(qtbot, window, "phone")
    type_digits(qtbot, window, phone)
    tap(qtbot, window, "phone_next")
    until(qtbot, lambda: window.current in ("visitor", "returning"))
    if window.current == "returning":
        tap(qtbot, window, "returning_no")
    wait_screen(qtbot, window, "visitor")
    tap(qtbot, window, f"surname_{surname}")
    tap(qtbot, window, title)
    tap(qtbot, window, "visitor_next")
    wait_screen(qtbot, window, "source")
    until(qtbot, lambda: window.screen("source").loaded)
