"""The kiosk's sealed copy of the last catalogue it read (kiosk/catalog_cache.py): what a kiosk started
without its database offers, so a channel's visitor can still name who brought them."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from db.keys import Keyring
from kiosk import catalog, catalog_cache
from kiosk.catalog import Catalog
from kiosk.catalog_cache import CatalogCache, cache_path
from service import reception, site_settings
from service.store import Store

CHANNEL_LED = Catalog(
    sources=[reception.Source("自然来访"), reception.Source("渠道带访", "channel"),
             reception.Source("全民经纪人", "channel", "全民经纪人")],
    channels={"贝壳": ["周杰", "吴芳"], "全民经纪人": ["钱七"]},
    notice=("本案场使用人脸识别登记来访，仅用于判客。", "notice-0123456789ab"),
    loaded=True)


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring.create(tmp_path / "keys")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The kiosk's data folder, the cache alone in it."""
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def test_what_was_saved_is_read_back_as_the_last_catalogue(folder: Path, keyring: Keyring) -> None:
    cache = CatalogCache(cache_path(folder), keyring)
    cache.save(CHANNEL_LED)
    found = CatalogCache(cache_path(folder), keyring).read()
    assert found is not None
    assert found.sources == CHANNEL_LED.sources and found.channels == CHANNEL_LED.channels
    assert found.notice == CHANNEL_LED.notice
    assert not found.loaded and found.saved_at is not None  # the last one read, not a fresh one
    assert stat.S_IMODE(cache_path(folder).stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [catalog_cache.FILE_NAME]  # no temp file left


def test_the_same_catalogue_again_is_not_rewritten_a_changed_one_is(folder: Path, keyring: Keyring) -> None:
    cache = CatalogCache(cache_path(folder), keyring)
    cache.save(CHANNEL_LED)
    first = cache_path(folder).stat().st_ino
    cache.save(Catalog(sources=list(CHANNEL_LED.sources), channels=dict(CHANNEL_LED.channels),
                       notice=CHANNEL_LED.notice, loaded=True))
    assert cache_path(folder).stat().st_ino == first  # each write is a new file renamed over the old
    changed = {**CHANNEL_LED.channels, "链家": ["郑伟"]}
    cache.save(Catalog(sources=list(CHANNEL_LED.sources), channels=changed, notice=CHANNEL_LED.notice))
    assert cache_path(folder).stat().st_ino != first
    found = CatalogCache(cache_path(folder), keyring).read()
    assert found is not None and found.channels == changed


def test_no_name_or_notice_is_in_the_file_in_plain_text(folder: Path, keyring: Keyring) -> None:
    CatalogCache(cache_path(folder), keyring).save(CHANNEL_LED)
    raw = cache_path(folder).read_bytes()
    names = ["周杰", "吴芳", "钱七", "贝壳", "渠道带访", CHANNEL_LED.notice[0] if CHANNEL_LED.notice else ""]
    for name in names:
        for form in (name.encode("utf-8"), name.encode("utf-16-le"), json.dumps(name).encode("ascii")):
            assert form not in raw, name


def test_no_file_yet_is_no_catalogue_and_nothing_set_aside(folder: Path, keyring: Keyring) -> None:
    cache = CatalogCache(cache_path(folder), keyring)
    assert cache.read() is None and cache.set_aside is None
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("damage", [
    lambda raw: raw[: len(raw) // 2],  # cut short by a power failure
    lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),  # one bit changed
    lambda raw: b"\x00" * len(raw),  # overwritten
    lambda raw: b"",
])
def test_a_damaged_file_is_set_aside_and_ignored_with_a_log_line(
        folder: Path, keyring: Keyring, caplog: pytest.LogCaptureFixture, damage: object) -> None:
    path = cache_path(folder)
    CatalogCache(path, keyring).save(CHANNEL_LED)
    damaged = damage(path.read_bytes())  # type: ignore[operator]
    path.write_bytes(damaged)
    cache = CatalogCache(path, keyring)
    with caplog.at_level(logging.ERROR, logger="kiosk.catalog_cache"):
        assert cache.read() is None
    assert not path.exists() and cache.set_aside is not None
    assert cache.set_aside.read_bytes() == damaged  # renamed, never deleted
    assert cache.set_aside.name.startswith(f"{catalog_cache.FILE_NAME}.damaged-")
    assert any(str(cache.set_aside) in record.getMessage() for record in caplog.records)


def test_another_sites_cache_is_set_aside(folder: Path, keyring: Keyring) -> None:
    path = cache_path(folder)
    CatalogCache(path, Keyring.create(folder.parent / "other-site")).save(CHANNEL_LED)
    cache = CatalogCache(path, keyring)
    assert cache.read() is None
    assert cache.set_aside is not None and cache.set_aside.exists() and not path.exists()


def test_a_sealed_file_that_says_something_else_is_set_aside(folder: Path, keyring: Keyring) -> None:
    path = cache_path(folder)
    cache = CatalogCache(path, keyring)
    cache._write(json.dumps({"sources": "自然来访", "channels": []}).encode("utf-8"))  # sealed, but not ours
    assert cache.read() is None and cache.set_aside is not None


def test_a_save_that_fails_leaves_the_last_catalogue(
        folder: Path, keyring: Keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = CatalogCache(cache_path(folder), keyring)
    cache.save(CHANNEL_LED)

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        cache.save(Catalog(channels={"链家": ["郑伟"]}, loaded=True))
    monkeypatch.undo()
    found = cache.read()
    assert found is not None and found.channels == CHANNEL_LED.channels
    assert [p.name for p in folder.iterdir()] == [catalog_cache.FILE_NAME]


def test_a_fresh_load_is_saved_with_the_sites_notice(store: Store, tmp_path: Path) -> None:
    site_settings.set_consent_notice(store, "本案场的告知书", actor="manager")
    cache = CatalogCache(cache_path(tmp_path), store.keyring)
    fresh = catalog.load(store, cache)
    assert fresh.loaded and fresh.notice is not None and fresh.notice[0] == "本案场的告知书"
    kept = cache.read()
    assert kept is not None and kept.channels == fresh.channels == {"贝壳": ["吴芳", "周杰"], "链家": ["郑伟"]}
    assert kept.sources == fresh.sources and kept.notice == fresh.notice


def test_a_cache_that_cannot_be_written_does_not_lose_the_fresh_load(
        store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "blocked").write_text("a file where the data folder should be")
    cache = CatalogCache(cache_path(tmp_path / "blocked"), store.keyring)
    with caplog.at_level(logging.WARNING, logger="kiosk.catalog"):
        fresh = catalog.load(store, cache)
    assert fresh.loaded and "贝壳" in fresh.channels
    assert any("cache" in record.getMessage() for record in caplog.records)
