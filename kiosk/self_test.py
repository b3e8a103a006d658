"""`anchang-kiosk --self-test` (operations/self_test.py's checks, then Qt's and the start screen rendered off
screen) and `anchang-kiosk --exit-when-ready` (cold start: the time until the start screen is shown)."""

from __future__ import annotations

import time
from typing import Any

from operations.self_test import Check, Site, run_self_test

PROGRAM = "anchang-kiosk"
PORTRAIT = (1080, 1920)  # the kiosk's screen


def qt_checks(site: Site) -> list[Check]:
    from ui import self_test as qt

    app = qt.offscreen_app(PROGRAM, "kiosk")
    sample: dict[str, str] = {}

    def start_screen() -> str:
        from kiosk.fakes import FakeCamera, demo_frame
        from kiosk.services import KioskServices
        from kiosk.window import KioskWindow

        window = KioskWindow(KioskServices(store=site.store, camera=FakeCamera(demo_frame())))
        window.allow_close = True
        try:
            window.start()
            detail = qt.render(app, window, "start screen", PORTRAIT)
            if window.current != "start":
                raise RuntimeError(f"kiosk opened on {window.current!r}, not the start screen")
            sample.update(context=type(window).__name__, source=window.windowTitle())
            return detail
        finally:
            window.close()
            window.runner.wait(5000)
            window.deleteLater()
            app.processEvents()

    def translations() -> str:  # English for the title of the window just rendered
        if not sample:
            raise RuntimeError("需要先绘制开始页 / needs the start screen, which failed above")
        return qt.check_translation(app, sample["context"], sample["source"])

    return [Check("Qt", lambda: qt.check_qt(app)), Check("font", lambda: qt.check_font(app)),
            Check("start screen", start_screen), Check("translations", translations)]


def run() -> int:
    return run_self_test(PROGRAM, qt_checks)


def exit_when_ready(app: Any, window: Any) -> None:
    """Once the event loop has shown and painted the start screen: prints the moment (epoch seconds, for
    installer/smoke.sh to measure the cold start against its own clock) and closes the kiosk."""
    from PySide6.QtCore import QTimer

    def ready() -> None:
        window.grab()  # the start screen fully painted
        print(f"anchang-kiosk ready {time.time():.3f} (start screen {window.current})", flush=True)
        window.allow_close = True
        window.close()
        app.quit()

    QTimer.singleShot(0, ready)
