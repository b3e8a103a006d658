"""A kiosk started while the site database is away (issue 16, item 3): it opens on the site's keys alone,
takes check-ins into its outbox, says it is offline, and drains when the database comes back; a damaged
outbox file is set aside instead of stopping the start."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from db.database import DatabaseUnavailable
from db.models import Station, VisitRecord
from kiosk import app
from kiosk.outbox import outbox_path
from kiosk.services import KioskServices
from kiosk.site_link import SiteLink, open_store
from service import users
from service.store import Store
from tests.kiosk.conftest import FAST, PIN, make_store
from tests.kiosk.helpers import open_window, phone_path, tap, text, until, wait_screen

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:9/anchang"  # nothing listens on port 9


def kiosk_services(monkeypatch: pytest.MonkeyPatch, directory: Path, url: str) -> KioskServices:
    """What anchang-kiosk builds at start, from the data folder and URL given (no camera)."""
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(directory))
    monkeypatch.setenv("ANCHANG_DATABASE_URL", url)
    args = argparse.Namespace(camera="none", reader_port=None)
    services: KioskServices = app.build_services(args, {"station": "kiosk-offline"})
    services.faces_factory = None
    services.live = None
    services.timings = FAST
    return services


def visits(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(VisitRecord)).scalar_one())


def test_a_kiosk_started_without_its_database_takes_check_ins_and_drains_when_it_is_back(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    url = f"sqlite:///{folder / 'anchang.sqlite3'}"
    make_store(url, tmp_path).dispose()  # the site: its keys in the data folder, its database in db/
    folder.rename(tmp_path / "away")  # not mounted when the kiosk starts
    services = kiosk_services(monkeypatch, tmp_path, url)
    assert isinstance(services.site_link, SiteLink) and not services.site_link.online
    window = open_window(qtbot, services)
    until(qtbot, lambda: window.submits.pending == 0)  # the first drain found no database either
    assert window.offline and window.screen("start").site_status.isVisible()
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13800004001")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "登记已保存，请到前台"
    assert services.outbox is not None and [c["phone"] for c in services.outbox.pending()] == ["13800004001"]
    tap(qtbot, window, "done_home")
    (tmp_path / "away").rename(folder)  # back: the outbox's retry reaches it
    until(qtbot, lambda: services.outbox is not None and services.outbox.pending() == [])
    until(qtbot, lambda: not window.offline and window.submits.pending == 0)
    assert visits(window.store) == 1 and not window.screen("start").site_status.isVisible()
    with window.store.engine.connect() as conn:  # the start checks ran once it answered
        assert conn.execute(sa.select(Station.kind).where(Station.name == "kiosk-offline")).scalar_one() == "kiosk"
    window.close()
    window.store.dispose()


def test_a_closed_postgresql_port_at_start_gives_a_store_to_reach_later(tmp_path: Path) -> None:
    make_store(f"sqlite:///{tmp_path / 'site.sqlite3'}", tmp_path / "keys").dispose()
    store, link = open_store(CLOSED_PORT_URL, tmp_path / "keys", station="kiosk-pg", budget_s=1.0)
    assert link is not None and store.write_budget_s == 1.0
    with pytest.raises(DatabaseUnavailable):
        link.ensure()
    assert not link.online
    store.dispose()


def test_without_the_site_keys_there_is_no_offline_start(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="(?i)key|密钥"):
        open_store(CLOSED_PORT_URL, tmp_path / "no-site", station="kiosk-pg", budget_s=1.0)


def test_a_truncated_outbox_does_not_stop_the_start_and_staff_are_told(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'anchang.sqlite3'}"
    make_store(url, tmp_path).dispose()
    outbox_path(tmp_path).write_bytes(b"SQLite format 3\x00" + b"\x00" * 40)  # cut short by a power failure
    services = kiosk_services(monkeypatch, tmp_path, url)
    aside = getattr(services.outbox, "quarantined", None)
    assert aside is not None and aside.exists() and aside.name.startswith("outbox.sqlite3.damaged-")
    window = open_window(qtbot, services)
    assert any(str(aside) in alert and "损坏" in alert for alert in services.alerts)
    window.staff_user = users.authenticate(window.store, "前台小王", PIN)
    window.show_screen("staff")
    status = window.screen("staff").status
    until(qtbot, lambda: status.isVisible() and str(aside) in status.text())
    window.close()
    window.store.dispose()
