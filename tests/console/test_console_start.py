"""Console start: the engine loads on a thread of its own while the login screen waits (and the console
keeps the site's snapshots fresh after that), and after a login the first page is built and shown at
once, the others once its data is back (or when asked for)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PySide6.QtCore import Qt

from console.app import keep_checkpoints, start_engine_work
from console.pages import PAGES, page_class
from db.database import make_engine
from db.keys import Keyring
from db.models import EngineSnapshot
from service import users
from service.desk import Desk
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import open_console, settle


def shown_to(store: Store, name: str) -> list[str]:
    """The page keys a user may see, in navigation order."""
    desk = Desk(store, users.authenticate(store, name, PASSWORD))
    return [key for key, _module in PAGES if (cls := page_class(key)) is not None and desk.can(cls.permission)]


def test_the_engine_loads_while_the_login_screen_waits_and_snapshots_are_kept_fresh(
        any_store: Store, tmp_path: Path, qtbot: Any) -> None:
    any_store.register_visit("13800000001", name="王先生")
    seq = any_store.save_snapshot()
    station = Store(make_engine(any_store.engine.url.render_as_string(hide_password=False)),
                    Keyring.load(tmp_path / "keys"), station="console-start")
    try:
        assert station._site is None
        station.snapshot_every = 2
        work = start_engine_work(station, snapshot_check_s=0.05)
        qtbot.waitUntil(lambda: station._site is not None, timeout=20_000)
        site = station.site()  # the page's own call finds it loaded
        assert site.last_seq == seq and station.rejected_snapshots == []
        assert not station.snapshot_due()
        any_store.register_visit("13800000002", name="李女士")
        any_store.register_visit("13800000003", name="赵先生")  # two entries on: a snapshot is due
        qtbot.waitUntil(lambda: not station.snapshot_due(), timeout=20_000)  # and the console saved it
        work.set()
        with station.engine.connect() as conn:
            newest = conn.execute(sa.select(sa.func.max(EngineSnapshot.seq))).scalar_one()
        assert newest == seq + 2
    finally:
        station.dispose()


def test_the_console_keeps_the_nightly_checkpoint_in_the_background(store: Store, qtbot: Any) -> None:
    from reports.checkpoint import kept_in, site_folder

    store.register_visit("13800000001", name="王先生")
    stop = threading.Event()
    worker = threading.Thread(target=keep_checkpoints, args=(store, stop), kwargs={"first_after_s": 0.01, "every_s": 0.05})
    worker.start()
    try:
        qtbot.waitUntil(lambda: kept_in(site_folder(store)) != [], timeout=10_000)
    finally:
        stop.set()
        worker.join(5)
    assert not worker.is_alive()
    [kept] = kept_in(site_folder(store))
    assert kept.at <= store.now()


def test_after_a_login_the_first_page_is_shown_before_the_others_are_built(store: Store, qtbot: Any) -> None:
    window = open_console(qtbot, store)
    window.enter(users.authenticate(store, "经理", PASSWORD))
    assert list(window._pages) == ["today"] and window.nav.count() == 1
    assert window.current_page() is window._pages["today"]
    expected = shown_to(store, "经理")
    assert len(expected) > 5
    qtbot.waitUntil(lambda: window.nav.count() == len(expected), timeout=20_000)  # once today's loads are back
    settle(window)
    assert list(window._pages) == expected
    assert [window.nav.item(row).data(Qt.ItemDataRole.UserRole) for row in range(window.nav.count())] == expected
    assert window.current_page() is window._pages["today"]  # building the others did not switch pages


def test_every_page_is_there_when_asked_for_before_it_was_built(store: Store, qtbot: Any) -> None:
    window = open_console(qtbot, store)
    window.enter(users.authenticate(store, "李强", PASSWORD))
    expected = shown_to(store, "李强")
    assert list(window.pages) == expected  # built now, in navigation order
    page = window.open_page(expected[-1])
    settle(window)
    assert window.current_page() is page
    window.logout()
    window.enter(users.authenticate(store, "前台", PASSWORD))
    assert list(window.pages) == shown_to(store, "前台")
