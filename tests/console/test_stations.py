"""站点 page: the stations with their last write; a manager retires a kiosk (asked twice, with a reason)
and that kiosk's next write is refused (SQLite and PostgreSQL); the key bundle is exported with its
one-time passphrase and QR code, saved owner-only, and opens on a new station; who sees the page."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from console.pages.stations import StationsPage
from db import integrity, station_registry
from db.database import make_engine, run_write
from service import key_bundle
from service.store import Store
from tests.console.helpers import click, open_console, settle

SHOTS = Path(os.environ.get("ANCHANG_TEST_SHOTS", "/tmp/anchang-shots"))


def with_kiosk(store: Store) -> Store:
    """The console's own station and a kiosk on the same database, both registered as at their start."""
    store.register_station("console")
    kiosk = Store(make_engine(store.engine.url.render_as_string(hide_password=False)), store.keyring,
                  clock=store.clock, station="kiosk-2")
    kiosk.register_station("kiosk")
    return kiosk


def stations_page(window: Any) -> StationsPage:
    page = window.open_page("stations")
    settle(window)
    assert isinstance(page, StationsPage)
    return page


def test_a_manager_retires_a_kiosk_whose_next_write_is_refused(qtbot: Any, any_store: Store) -> None:
    kiosk = with_kiosk(any_store)
    kiosk.register_visit("13800000001", consultant="李强")
    window = open_console(qtbot, any_store, "经理")
    page = stations_page(window)
    names = [row.name for row in page.model.rows]
    assert {"console-test", "kiosk-2"} <= set(names)
    kiosk_row = next(row for row in page.model.rows if row.name == "kiosk-2")
    assert kiosk_row.last_write is not None and page._status(kiosk_row) == "在用"
    page.choose("kiosk-2")
    page.reason.setText("x")
    click(qtbot, window, "stations_retire_button")
    assert "停用原因" in page.problem.text() and not page.confirm_button.isVisible()
    page.reason.setText("电脑更换")
    click(qtbot, window, "stations_retire_button")
    assert "不能恢复" in page.problem.text()
    click(qtbot, window, "stations_retire_confirm")
    settle(window)
    retired = next(row for row in page.model.rows if row.name == "kiosk-2")
    assert retired.retired and "经理" in page._status(retired) and "电脑更换" in page._status(retired)
    with pytest.raises(station_registry.StationRetired):
        kiosk.register_visit("13800000002", consultant="李强")
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / f"stations_retired_{any_store.engine.dialect.name}.png"))
    page.choose("console-test")  # this console itself: refused, and said so
    page.reason.setText("电脑更换")
    click(qtbot, window, "stations_retire_button")
    click(qtbot, window, "stations_retire_confirm")
    assert "本机" in page.problem.text()
    kiosk.dispose()


def test_the_key_bundle_is_shown_once_saved_and_opens_on_a_new_station(qtbot: Any, store: Store,
                                                                      tmp_path: Path) -> None:
    run_write(store.engine, lambda session: integrity.record_key_checks(session, store.keyring))
    window = open_console(qtbot, store, "管理员")
    page = stations_page(window)
    click(qtbot, window, "key_export_start")
    passphrase = page.export.passphrase.text()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", passphrase)
    assert page.export.qr.pixmap() is not None and not page.export.qr.pixmap().isNull()
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "stations_key_export.png"))
    target = tmp_path / "site.anchang-keys"
    page.export.save_to(str(target))
    settle(window)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    keyring = key_bundle.import_bundle(target.read_text("utf-8"), passphrase, store.engine, tmp_path / "new",
                                     clock=store.clock)  # its use is journalled: at the site's time
    assert keyring.check_values() == store.keyring.check_values()
    click(qtbot, window, "key_export_done")
    assert page.export.passphrase.text() == "" and not page.export.shown.isVisible()


@pytest.mark.parametrize("user", ["渠道经理", "前台", "李强"])
def test_other_roles_do_not_see_the_page(qtbot: Any, store: Store, user: str) -> None:
    window = open_console(qtbot, store, user)
    with pytest.raises(LookupError):
        window.open_page("stations")
