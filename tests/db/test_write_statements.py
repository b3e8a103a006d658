"""The statements a check-in sends while it holds the site's write lock: every one is a round trip that
every other kiosk waits for (issue 6, item 15). If the write path grows them back, this fails and lists
them. Counted on the real clock (PostgreSQL: the server's, read in the same statement as the journal)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from service.store import Store

# statements after the lock is taken, up to the commit (BEGIN, the lock and COMMIT not counted)
INSIDE_LOCK = {
    # PostgreSQL: the journal's news with every lookup, then the entry, its NOTIFY and all its rows
    "postgresql": {"new": 2, "returning": 2},
    # SQLite (in-process, no CTE writes): the read, then one statement per table written
    "sqlite": {"new": 9, "returning": 4},  # a new customer: its search keys are one table more
}
LOCK_STATEMENTS = ("BEGIN IMMEDIATE", "pg_advisory_xact_lock")


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(tmp_path / "keys"), station="kiosk1")  # the system clock
    for name in ("李强", "王丽"):
        store.add_consultant(name)
    store.add_channel("贝壳", ["周杰"])
    store.set_duty(["李强", "王丽"])
    yield store
    store.dispose()


def statements_inside_lock(store: Store, write: Any) -> list[str]:
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split())[:120])

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        write()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    locked = [i for i, text in enumerate(sent) if any(mark in text for mark in LOCK_STATEMENTS)]
    assert len(locked) == 1, sent  # one transaction, one lock
    return sent[locked[0] + 1:]


@pytest.mark.parametrize("visitor", ["new", "returning"])
def test_a_check_in_sends_few_statements_inside_the_lock(store: Store, visitor: str) -> None:
    dialect = store.engine.dialect.name
    first = None
    if visitor == "returning":
        first = store.register_visit("13800000001", name="张先生", channel="贝壳", agent="周杰", consultant="李强")

    def check_in() -> None:
        result = store.register_visit("13800000001", name="张先生", channel="贝壳", agent="周杰",
                                      consultant="李强")
        assert result.outcome.customer == (first.outcome.customer if first else result.customer_id)

    inside = statements_inside_lock(store, check_in)
    assert len(inside) <= INSIDE_LOCK[dialect][visitor], "\n".join(inside)
    assert sum(text.startswith(("SELECT", "WITH probe")) for text in inside) == 1, "\n".join(inside)


def test_the_counted_path_still_refuses_unknown_names(store: Store) -> None:
    """The lookups ride on the journal's statement; a refusal still names what is unknown."""
    from service.store import UnknownName

    with pytest.raises(UnknownName, match="赵六"):
        store.register_visit("13800000002", consultant="赵六")
    with pytest.raises(UnknownName, match="链家"):
        store.register_visit("13800000002", channel="链家")
    with pytest.raises(UnknownName, match="吴芳"):
        store.register_visit("13800000002", channel="贝壳", agent="吴芳")
    assert store.customer_id("13800000002") is None  # nothing was written
