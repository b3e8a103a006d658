"""Store input at the edges, on SQLite and PostgreSQL: claims on unknown phones, names, phones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from db.models import Customer, JournalEntry
from service.store import InvalidName, ManualClock, Store, UnknownName

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="test")
    s.add_consultant("A")
    s.set_duty(["A"])
    yield s
    s.dispose()


def _count(store: Store, table: type) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_claim_on_a_phone_never_seen_is_not_in_pool(store: Store) -> None:
    entries = _count(store, JournalEntry)
    result = store.claim("13912345678", "A")
    assert result.outcome.claim == "not_in_pool"
    assert result.phone_masked == "139****5678"
    assert result.seq == 0  # nothing was written
    assert _count(store, JournalEntry) == entries
    assert _count(store, Customer) == 0
    with pytest.raises(UnknownName):
        store.claim("13912345678", "nobody")  # an unknown consultant is still an input error


@pytest.mark.parametrize("name", ["", "   ", "甲" * 65])
def test_bad_staff_names_are_refused_clearly(store: Store, name: str) -> None:
    entries = _count(store, JournalEntry)
    with pytest.raises(InvalidName, match="名称"):
        store.add_consultant(name)
    with pytest.raises(InvalidName, match="名称"):
        store.add_channel(name, ["agent"])
    with pytest.raises(InvalidName, match="名称"):
        store.add_channel("贝壳", [name])
    assert _count(store, JournalEntry) == entries
