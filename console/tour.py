"""`anchang-console --tour DIR`: the login screen and every page, as the demo manager sees them after the
demo week (db.admin.demo), rendered to numbered PNGs; then the pages a consultant sees. Each page
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

    def snap(self, name: str) -> None:
        self.settle()
        self.count += 1
        self.window.grab().save(str(self.out / f"{self.count:02d}_{name}.png"))


def demo_store(directory: Path) -> Any:
    """The demo week on a temporary SQLite database, with a login for every role."""
    from db import migrate
    from db.admin.demo import DemoWeek, add_demo_users
    from db.database import make_engine
    from db.keys import Keyring
    from db.service import ManualClock, Store
    from judge.rules import RuleSet

    engine = make_engine(f"sqlite:///{directory / 'tour.sqlite3'}")
    migrate.upgrade(engine)
    zone = RuleSet().timezone
    clock = ManualClock(datetime.now(UTC))
    store = Store(engine, Keyring.create(directory / "keys"), clock=clock, station="console-tour")
    end = DemoWeek(store, clock, datetime.now(zone).date(), zone).play()
    clock.at = end
    add_demo_users(store)
    return store


def run_tour(app: QApplication, out: Path, lang: str) -> int:
    from console.context import ConsoleContext
    from console.window import ConsoleWindow
    from db import users
    from db.admin.demo import DEMO_MANAGER, DEMO_PASSWORD

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
            window.message_bar.hide()  # a message from the page before is not part of this one
            page.tour(tour.snap)
        window.show_message(window.tr("数据库连接中断，正在重连…"), "error")
        window.banner.show()
        tour.snap("database_lost")
        window.banner.hide()
        window.logout()
        window.enter(users.authenticate(store, TOUR_CONSULTANT, DEMO_PASSWORD))
        for key in list(window.pages):
            page = window.open_page(key)
            window.message_bar.hide()
            tour.snap(f"consultant_{key}")
            if key == "today":  # a consultant's own states: the arrivals pop-up
                page.tour(lambda name: tour.snap(f"consultant_{name}"))
        window.close()
        window.ctx.runner.wait(5000)
        window.deleteLater()
        app.processEvents()
        store.dispose()
    print(f"{tour.count} screens → {out} ({lang})")
    return 0
