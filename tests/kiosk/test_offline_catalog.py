"""A kiosk started while the site database is away offers the channels and agents it last read (issue 16,
follow-up): a channel's visitor names who brought them, the check-in drains with that channel and agent,
and the fresh catalogue replaces the kept one once the database is back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from db.database import make_engine
from db.keys import Keyring
from kiosk.catalog_cache import CatalogCache, cache_path
from kiosk.site_link import SiteLink
from service import reception, site_settings
from service.store import Store
from tests.kiosk.conftest import make_store, services_for
from tests.kiosk.helpers import open_window, phone_path, tap, until, wait_screen
from tests.kiosk.test_offline_start import kiosk_services

SITE_NOTICE = "本案场使用人脸识别登记来访，仅用于判客"


def run_once_online(qtbot: Any, monkeypatch: pytest.MonkeyPatch, data: Path, url: str) -> None:
    """A day with the database there: the kiosk reads its catalogue (and keeps it), then is shut down."""
    services = kiosk_services(monkeypatch, data, url)
    assert services.site_link is None
    window = open_window(qtbot, services)
    until(qtbot, lambda: window.catalog.loaded and window.runner.pending == 0)
    window.close()
    window.store.dispose()


def site_with_its_database_away(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    folder = tmp_path / "db"
    folder.mkdir()
    url = f"sqlite:///{folder / 'anchang.sqlite3'}"
    store = make_store(url, tmp_path)
    site_settings.set_consent_notice(store, SITE_NOTICE, actor="manager")
    store.dispose()
    run_once_online(qtbot, monkeypatch, tmp_path, url)
    folder.rename(tmp_path / "away")
    return url, folder


def test_started_offline_it_offers_the_channels_and_a_channel_check_in_drains_with_them(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, folder = site_with_its_database_away(qtbot, tmp_path, monkeypatch)
    services = kiosk_services(monkeypatch, tmp_path, url)
    assert services.site_link is not None and not services.site_link.online
    assert services.notice_text == SITE_NOTICE  # the site's notice, not the default
    window = open_window(qtbot, services)
    until(qtbot, lambda: window.submits.pending == 0 and window.runner.pending == 0)
    assert window.offline and not window.catalog.loaded
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13800005001")
    # as read on the last day online (全民经纪人 is no registered channel at this site)
    assert [s.name for s in window.screen("source").sources] == ["自然来访", "渠道带访", "线上平台", "老业主推荐"]
    tap(qtbot, window, "source_1")  # 渠道带访
    tap(qtbot, window, "channel_贝壳")
    tap(qtbot, window, "agent_周杰")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert services.outbox is not None
    assert [(c["channel"], c["agent"]) for c in services.outbox.pending()] == [("贝壳", "周杰")]
    tap(qtbot, window, "done_home")

    away = Store(make_engine(f"sqlite:///{tmp_path / 'away' / 'anchang.sqlite3'}"), Keyring.load(tmp_path),
                 station="console-test")
    away.add_channel("我爱我家", ["钱多"])  # a manager's change the kiosk has not seen
    away.dispose()
    (tmp_path / "away").rename(folder)
    until(qtbot, lambda: services.outbox is not None and services.outbox.pending() == [])
    until(qtbot, lambda: not window.offline and "我爱我家" in window.catalog.channels)
    [checkin] = reception.pending_checkins(window.store)
    assert (checkin.phone_masked, checkin.channel, checkin.agent) == ("138****5001", "贝壳", "周杰")
    until(qtbot, lambda: window.runner.pending == 0)
    kept = CatalogCache(cache_path(tmp_path), window.store.keyring).read()
    assert kept is not None and kept.channels["我爱我家"] == ["钱多"]
    window.close()
    window.store.dispose()


def test_a_damaged_cache_is_set_aside_and_the_kiosk_starts_with_the_natural_sources(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = site_with_its_database_away(qtbot, tmp_path, monkeypatch)
    cache_path(tmp_path).write_bytes(cache_path(tmp_path).read_bytes()[:-7])  # cut short
    services = kiosk_services(monkeypatch, tmp_path, url)
    assert services.notice_text is None  # the default notice
    [aside] = tmp_path.glob("catalog.cache.damaged-*")
    assert not cache_path(tmp_path).exists()
    window = open_window(qtbot, services)
    until(qtbot, lambda: window.submits.pending == 0 and window.runner.pending == 0)
    assert window.offline and window.catalog.channels == {}
    assert [s.registers_as for s in window.catalog.sources] == ["natural"] * 3
    assert aside.exists()
    window.close()
    window.store.dispose()


def test_a_catalogue_is_kept_only_once_the_start_checks_passed(qtbot: Any, store: Store, tmp_path: Path) -> None:
    """A database that answers but that the kiosk has not yet accepted (another site's, a retired station)
    is shown, never kept: the cache keeps what this site's database said."""
    link = SiteLink(store)
    cache = CatalogCache(cache_path(tmp_path / "data"), store.keyring)
    window = open_window(qtbot, services_for(store, site_link=link, catalog_cache=cache), start=False)
    window.refresh_catalog()
    until(qtbot, lambda: window.catalog.loaded and window.runner.pending == 0)
    assert cache.read() is None
    link.ensure()
    window.refresh_catalog()
    until(qtbot, lambda: window.runner.pending == 0 and cache.read() is not None)
    kept = cache.read()
    assert kept is not None and kept.channels == window.catalog.channels
    window.close()
