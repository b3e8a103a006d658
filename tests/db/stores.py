"""A fresh store on a migrated database with a manual clock: the setting most store tests start from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from service.store import ManualClock, Store

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def new_store(db_url: str, keys_dir: Path, consultants: tuple[str, ...],
              channels: dict[str, list[str]] | None = None, station: str = "test") -> Store:
    """Consultants registered and on duty in the order given, channels with their agents."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(keys_dir), clock=ManualClock(T0), station=station)
    for name in consultants:
        store.add_consultant(name)
    for channel, agents in (channels or {}).items():
        store.add_channel(channel, agents)
    store.set_duty(list(consultants))
    return store
