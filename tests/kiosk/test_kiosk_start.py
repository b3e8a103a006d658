"""Kiosk start: the start screen comes up at once, and the engine loads on a worker from the newest
snapshot (not on the first visitor's check-in, which would then wait for it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db.database import make_engine
from db.keys import Keyring
from kiosk.fakes import FakeCamera
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, until


def test_a_starting_kiosk_shows_its_start_screen_and_loads_the_engine_from_the_snapshot(
        qtbot: Any, any_store: Store, tmp_path: Path) -> None:
    any_store.register_visit("13800000001", name="王先生")
    seq = any_store.save_snapshot()
    any_store.register_visit("13800000002", name="李女士")  # after the snapshot: replayed at start
    station = Store(make_engine(str(any_store.engine.url.render_as_string(hide_password=False))),
                    Keyring.load(tmp_path / "keys"), station="kiosk-start")
    window = open_window(qtbot, services_for(station, camera=FakeCamera()), start=False)
    try:
        assert window.current == "start" and station._site is None
        window.start()
        until(qtbot, lambda: station._site is not None and window.runner.pending == 0)
        site = station._site
        assert site is not None and station.rejected_snapshots == []
        assert site.last_seq == seq + 1 and len(site.customers) == 2
    finally:
        window.close()
        station.dispose()
