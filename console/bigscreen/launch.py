"""Opening the big screen: on its own (`anchang-console --big-screen`) or from the console's top bar.

Login: the screen shows aggregates, surname displays and masked phones — what the hall TV shows
anyone standing in the hall — so started on its own it needs no login, like the kiosk. It still runs
only on a configured station: the database and the site's keys must open (as `anchang init` leaves
them), else the program says so and exits. From the console it opens for a logged-in user only: the
button is on the console's logged-in window, and the screen shares the console's worker pool, live
journal news and outage banner.

On a PC with a second screen (the TV beside the console's monitor) it goes full screen on the
largest screen the console is not on.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication, QWidget

from console.bigscreen.window import BigScreenWindow
from console.context import ConsoleContext
from service.appointments import DEFAULT_PROJECT, project_name
from service.store import Store

if TYPE_CHECKING:
    from console.window import ConsoleWindow


def run_standalone(store: Store, lang: str,
                   open_kiosk: Callable[[], subprocess.Popen[bytes]] | None = None) -> int:
    """`anchang-console --big-screen`: the application in the big screen's theme, the screen full screen
    (and with --demo the kiosk beside it); the store is disposed of when the screen closes."""
    from ui.app import create_app

    app = create_app(["anchang-console"], lang=lang, theme="big_screen")
    kiosk = open_kiosk() if open_kiosk is not None else None
    try:
        return run_big_screen(app, store)
    finally:
        if kiosk is not None:
            kiosk.terminate()
        store.dispose()


def run_big_screen(app: QApplication, store: Store, *, full_screen: bool = True) -> int:
    """The big screen as the program's only window, fed by its own live journal feed; returns the exit
    code when it is closed."""
    from service.live import LiveFeed

    ctx = ConsoleContext(store)
    live = LiveFeed(store)
    live.subscribe(ctx.journal.emit)  # from the feed's thread: a queued signal to the GUI thread
    screen = BigScreenWindow(ctx, project=_project(), escape_closes=False)
    _place(screen, avoid=None)
    screen.present(full_screen)
    try:
        return app.exec()
    finally:
        live.close()
        ctx.runner.wait(5_000)


def open_from_console(console: ConsoleWindow, *, full_screen: bool = True) -> BigScreenWindow:
    """The big screen over the console (the one already open, if any); Esc brings the console back."""
    for existing in console.findChildren(BigScreenWindow):
        if not existing.closed:
            existing.raise_()
            existing.activateWindow()
            return existing
    screen = BigScreenWindow(console.ctx, project=_project(), escape_closes=True, parent=console)
    screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _place(screen, avoid=console)
    screen.present(full_screen)
    return screen


def _project() -> str:
    """`[kiosk] project` in anchang.toml, as the kiosk shows it; none when the site has not named it."""
    name = project_name()
    return "" if name == DEFAULT_PROJECT else name


def _place(window: QWidget, avoid: QWidget | None) -> None:
    target = _target_screen(avoid.screen() if avoid is not None else None)
    if target is not None:
        window.setScreen(target)
        window.move(target.geometry().topLeft())


def _target_screen(avoid: QScreen | None) -> QScreen | None:
    screens = [s for s in QGuiApplication.screens() if s is not avoid] or QGuiApplication.screens()
    if not screens:
        return None
    return max(screens, key=lambda s: s.geometry().width() * s.geometry().height())
