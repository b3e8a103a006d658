"""`anchang-console --tour DIR`: the login screen and every page, as the demo manager sees them after the
demo week (operations.demo), rendered to numbered PNGs; then the pages a consultant sees. Each page
renders its own states (`Page.tour`)."""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

SIZE = (1366, 860)  # a common office monitor; the pages must fit it without cutting anything off
TOUR_CONSULTANT = "李强"


class Tour:
    def __init__(self, app: QApplication, out: Path, window: Any) -> None:
        self.app, self.out, self.window = app, out, window
        self.count = 0

    def settle(self, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.app.processEvents()
            if self.window.ctx.runner.pending == 0:
                break
            time.sleep(0.01)
        for _ in range(5):  # deleteLater, layout requests, models' fetchMore
            self.app.processEvents()
            time.sleep(0.02)
            if self.window.ctx.runner.pending:
                self.settle(seconds)

    def quiet(self) -> None:
        """Closes what a page before left floating over the pages (a message, the consultant's arrival
        pop-up): each picture shows its own page only."""
        from console.pages.today_parts import ArrivalToast

        self.window.message_bar.hide()
        for toast in self.window.findChildren(ArrivalToast):
            toast.dismiss()

    def snap(self, name: str, widget: Any = None) -> None:
        """The console window (or `widget`, another window such as the big screen) to the next PNG."""
        self.settle()
        self.count += 1
        (widget if widget is not None else self.window).grab().save(str(self.out / f"{self.count:02d}_{name}.png"))


def demo_store(directory: Path) -> Any:
    """The demo week on a temporary SQLite database, with a login for every role."""
    from db import migrate
    from db.database import make_engine
    from db.keys import Keyring
    from judge.rules import RuleSet
    from operations.demo import DemoWeek, add_demo_users
    from service.store import ManualClock, Store

    engine = make_engine(f"sqlite:///{directory / 'tour.sqlite3'}")
    migrate.upgrade(engine)
    zone = RuleSet().timezone
    clock = ManualClock(datetime.now(UTC))
    store = Store(engine, Keyring.create(directory / "keys"), clock=clock, station="console-tour")
    end = DemoWeek(store, clock, datetime.now(zone).date(), zone).play()
    clock.at = end
    add_demo_users(store)

    store.register_station("console")
    Store(engine, store.keyring, clock=clock, station="kiosk-前台").register_station("kiosk")
    return store


def run_tour(app: QApplication, out: Path, lang: str) -> int:
    from console.context import ConsoleContext
    from console.window import ConsoleWindow
    from operations.demo import DEMO_MANAGER, DEMO_PASSWORD
    from service import users

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="anchang-console-tour-") as tmp:
        store = demo_store(Path(tmp))
        window = ConsoleWindow(ConsoleContext(store))
        window.resize(*SIZE)
        window.show()
        tour = Tour(app, out, window)
        tour.snap("login")
        window.login.name.setText(DEMO_MANAGER)
        window.login.password.setText("wrong")
        window.login.submit()
        tour.snap("login_wrong_password")
        window.enter(users.authenticate(store, DEMO_MANAGER, DEMO_PASSWORD))
        for key in list(window.pages):
            page = window.open_page(key)
            tour.settle()
            tour.quiet()
            page.tour(tour.snap)
        from console.bigscreen.launch import open_from_console

        big_screen = open_from_console(window, full_screen=False)  # 大屏 at the hall TV's 1920 x 1080
        tour.snap("big_screen", big_screen)
        big_screen.close()
        from console.first_run.wizard import FirstRunWizard

        wizard = FirstRunWizard()  # what a new computer shows first (its own window, its own size)
        wizard.show()
        wizard.tour(lambda name: tour.snap(name, wizard))
        wizard.close()
        window.show_message(window.tr("数据库连接中断，正在重连…"), "error")
        window.banner.show()
        tour.snap("database_lost")
        window.banner.hide()
        window.logout()
        window.enter(users.authenticate(store, TOUR_CONSULTANT, DEMO_PASSWORD))
        for key in list(window.pages):
            page = window.open_page(key)
            tour.settle()
            tour.quiet()  # the arrival pop-up of the 今日 page's tour stays there
            if key == "today":  # the page, then a consultant's own state: the arrivals pop-up
                page.tour(lambda name: tour.snap(f"consultant_{name}"))
            else:
                tour.snap(f"consultant_{key}")
        window.close()
        window.ctx.runner.wait(5000)
        window.deleteLater()
        app.processEvents()
        store.dispose()
    print(f"{tour.count} screens → {out} ({lang})")
    return 0
