"""Driving the console from tests: open it logged in as a user, wait for store work, click by name."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from console.context import ConsoleContext
from console.window import ConsoleWindow
from service import users
from service.store import Store
from tests.console.conftest import PASSWORD


def open_console(qtbot: Any, store: Store, user: str | None = None, **window_options: Any) -> ConsoleWindow:
    """A shown console window; logged in as `user` (through the real password check) when given."""
    ctx = ConsoleContext(store)
    window = ConsoleWindow(ctx, **window_options)
    qtbot.addWidget(window)
    window.resize(1366, 860)
    window.show()
    if user is not None:
        window.enter(users.authenticate(store, user, PASSWORD))
        settle(window)
    return window


def settle(window: ConsoleWindow, timeout: float = 20.0) -> None:
    """Processes events until the worker pool has reported everything back (and a little after)."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if window.ctx.runner.pending == 0:
            break
        time.sleep(0.005)
    else:
        raise AssertionError(f"store work still pending after {timeout} s")
    for _ in range(3):
        app.processEvents()


def find(root: QWidget, name: str, cls: type[QWidget] = QWidget) -> Any:
    widget = root.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    return widget


def click(qtbot: Any, window: ConsoleWindow, name: str) -> None:
    """Clicks the visible, enabled button `name` on the current page (or the window) and settles."""
    page = window.current_page()
    widget = (page.findChild(QPushButton, name) if page is not None else None) or window.findChild(QPushButton, name)
    assert widget is not None, f"no button {name!r}"
    assert widget.isVisibleTo(window) and widget.isEnabled(), f"button {name!r} hidden or disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    settle(window)
