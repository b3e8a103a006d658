"""A kiosk window on a real store (SQLite, and PostgreSQL where a path writes), with a fake camera,
a scripted face engine and short timers, so every path runs end to end without sleeping."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from db import migrate  # noqa: E402
from db.database import make_engine  # noqa: E402
from db.keys import Keyring  # noqa: E402
from kiosk.fakes import FakeCamera, ScriptedFaceEngine  # noqa: E402
from kiosk.services import KioskServices, Timings  # noqa: E402
from service import users  # noqa: E402
from service.store import Store  # noqa: E402

CONSULTANTS = ("李强", "王丽")
CHANNELS = {"贝壳": ["周杰", "吴芳"], "链家": ["郑伟"]}
PIN = "246813"
# Timers that never fire in the middle of a test on a slow machine; idle tests set short ones themselves.
FAST = Timings(done_ms=60_000, idle_ms=60_000, long_press_ms=50, card_poll_ms=20, card_wait_ms=60_000,
               outbox_retry_ms=50, face_timeout_ms=60_000)


def make_store(url: str, keys: Path) -> Store:
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(keys), station="kiosk-test")
    for name in CONSULTANTS:
        store.add_consultant(name)
    store.set_duty(list(CONSULTANTS))
    for channel, agents in CHANNELS.items():
        store.add_channel(channel, agents)
    users.add_user(store, "前台小王", "receptionist", PIN)
    return store


@pytest.fixture
def store(sqlite_url: str, tmp_path: Path) -> Iterator[Store]:
    s = make_store(sqlite_url, tmp_path / "keys")
    yield s
    s.dispose()


@pytest.fixture
def any_store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """SQLite and PostgreSQL: for the paths that write."""
    s = make_store(db_url, tmp_path / "keys")
    yield s
    s.dispose()


@pytest.fixture
def faces() -> ScriptedFaceEngine:
    return ScriptedFaceEngine()


@pytest.fixture
def camera() -> FakeCamera:
    return FakeCamera()


def services_for(store: Store, **overrides: object) -> KioskServices:
    values: dict[str, object] = {"store": store, "timings": FAST}
    values.update(overrides)
    return KioskServices(**values)  # type: ignore[arg-type]
