"""A station's write budget (Store.open(write_budget_s=...), the kiosk's 3 s): a write that cannot have the
site's lock or the server in time raises LockTimeout, a DatabaseUnavailable, instead of waiting minutes."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import migrate
from db.database import DatabaseUnavailable, LockTimeout, make_engine
from db.keys import Keyring
from service.store import Store


def test_postgresql_keeps_the_urls_own_options_beside_the_budget(pg_url: str) -> None:
    """The budget's lock_timeout is added to the URL's options (a search_path), never put in their place:
    a kiosk on a schema of its own found no schema after an upgrade."""
    engine = make_engine(pg_url, lock_budget_s=2.0)
    try:
        with engine.connect() as conn:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            timeout = conn.execute(sa.text("SHOW lock_timeout")).scalar_one()
    finally:
        engine.dispose()
    assert schema.startswith("t_") and timeout == "2s"


def test_a_held_sqlite_database_refuses_within_the_budget(tmp_path: Path) -> None:
    path = tmp_path / "anchang.sqlite3"
    engine = make_engine(f"sqlite:///{path}", lock_budget_s=0.5)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(tmp_path / "keys"), station="kiosk")
    store.write_budget_s = 0.5
    store.add_consultant("李强")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program
    try:
        started = time.monotonic()
        with pytest.raises(LockTimeout) as refused:
            store.register_visit("13800009001", consultant="李强")
        assert time.monotonic() - started < 3.0  # not 30 s x 8 attempts
        assert isinstance(refused.value, DatabaseUnavailable)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.register_visit("13800009001", consultant="李强").assigned_to == "李强"
    store.dispose()


def test_the_writer_queue_lock_is_given_up_in_time_and_released_when_granted_late(tmp_path: Path) -> None:
    """Another kiosk holds the site's write lock (the flock beside the file): the wait is abandoned at the
    budget, and the abandoned waiter lets the lock go as soon as it gets it, so nobody waits behind it."""
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "anchang.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(tmp_path / "keys"), station="kiosk")
    store.add_consultant("李强")
    store.write_budget_s = 0.3
    with open(f"{path}-writer.lock", "a+b") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        with pytest.raises(LockTimeout):
            store.register_visit("13800009002", consultant="李强")
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
    time.sleep(0.2)  # the abandoned waiter takes the lock and lets it go
    started = time.monotonic()
    assert store.register_visit("13800009002", consultant="李强").assigned_to == "李强"
    assert time.monotonic() - started < 0.3  # within the budget: nobody was left holding the lock
    store.dispose()
