"""Live updates: this process's writes, other stations over LISTEN/NOTIFY, other programs on one SQLite
file; and the owner's "your protected customer is here"."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.database import make_engine
from db.keys import Keyring
from db.models import JournalEntry
from service.live import Arrival, LiveFeed, owner_arrivals
from service.store import Store
from tests.db.stores import new_store
from tests.service.test_store import T0, advance

WAIT_S = 5.0


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("A", "B"), station="console")
    yield s
    s.dispose()


def head(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(JournalEntry.seq))).scalar_one())


def received(inbox: queue.Queue[int], count: int) -> list[int]:
    return [inbox.get(timeout=WAIT_S) for _ in range(count)]


def test_this_process_writes_reach_subscribers_at_once_in_order(store: Store) -> None:
    feed = LiveFeed(store, poll_interval=600, listen=False)  # no polling, no LISTEN: only the write hook
    inbox: queue.Queue[int] = queue.Queue()
    feed.subscribe(inbox.put)
    try:
        first = head(store)
        store.register_visit("13900000001")
        store.add_consultant("C")  # journal-only entries are news too
        store.register_visit("13900000002")
        assert received(inbox, 3) == [first + 1, first + 2, first + 3]
        with pytest.raises(queue.Empty):
            inbox.get(timeout=0.3)  # each once
    finally:
        feed.close()


def test_a_broken_subscriber_does_not_starve_the_others(store: Store) -> None:
    feed = LiveFeed(store, poll_interval=600, listen=False)
    inbox: queue.Queue[int] = queue.Queue()

    def broken(seq: int) -> None:
        raise RuntimeError("subscriber bug")

    feed.subscribe(broken)
    feed.subscribe(inbox.put)
    try:
        store.register_visit("13900000003")
        store.register_visit("13900000004")
        assert received(inbox, 2) == [head(store) - 1, head(store)]
    finally:
        feed.close()


def test_a_refused_write_is_no_news(store: Store) -> None:
    feed = LiveFeed(store, poll_interval=600, listen=False)
    inbox: queue.Queue[int] = queue.Queue()
    feed.subscribe(inbox.put)
    try:
        with pytest.raises(ValueError):
            store.register_visit("13900000005", consultant="nobody")
        with pytest.raises(queue.Empty):
            inbox.get(timeout=0.5)
    finally:
        feed.close()


def test_another_station_on_postgresql_is_heard_through_listen(pg_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    kiosk = new_store(pg_url, keys, ("A",), station="kiosk")
    console = Store(make_engine(pg_url), Keyring.load(keys), station="console")  # its own connections
    feed = LiveFeed(console, poll_interval=600)  # a poll this slow cannot be what delivers
    inbox: queue.Queue[int] = queue.Queue()
    feed.subscribe(inbox.put)
    try:
        # the LISTEN thread's first connection wakes the feed once; let that pass before writing
        with pytest.raises(queue.Empty):
            inbox.get(timeout=1.0)
        written = kiosk.register_visit("13900000006")
        assert received(inbox, 1) == [written.seq]
    finally:
        feed.close()
        kiosk.dispose()
        console.dispose()


def test_another_program_on_one_sqlite_file_is_polled(sqlite_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    kiosk = new_store(sqlite_url, keys, ("A",), station="kiosk")
    console = Store(make_engine(sqlite_url), Keyring.load(keys), station="console")
    feed = LiveFeed(console, poll_interval=0.2)
    inbox: queue.Queue[int] = queue.Queue()
    feed.subscribe(inbox.put)
    try:
        written = kiosk.register_visit("13900000007")
        assert received(inbox, 1) == [written.seq]
    finally:
        feed.close()
        kiosk.dispose()
        console.dispose()


def test_owner_is_told_when_a_protected_customer_checks_in(store: Store) -> None:
    store.register_visit("13900000008", name="张女士", consultant="B")  # B owns her from now on
    store.register_visit("13900000009", name="李四", consultant="A")  # a lapsing one
    since = head(store)
    advance(store, days=3)
    back = store.register_visit("13900000008", verified=False, ref="k-1", arrived_at=T0 + timedelta(days=3, minutes=-2))
    store.register_visit("13900000010", name="王五")  # a new walk-in: nobody to tell
    advance(store, days=40)  # 李四's protection lapsed long ago
    store.register_visit("13900000009")
    assert owner_arrivals(store, since) == [
        Arrival(seq=back.seq, owner="B", phone_masked="139****0008", surname="张女士",
                at=T0 + timedelta(days=3, minutes=-2)),
    ]
    assert owner_arrivals(store, back.seq) == []


def test_a_second_check_in_by_the_protected_owner_counts(store: Store) -> None:
    first = store.register_visit("13900000011", name="赵六")  # A takes the walk-in and owns him
    again = store.register_visit("13900000011")
    arrivals = owner_arrivals(store, first.seq - 1)
    assert [(a.seq, a.owner, a.surname) for a in arrivals] == [(again.seq, first.assigned_to, "赵*")]
