"""前台确认 through the store: the visit row turns verified, a rebuild agrees, nothing to confirm is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from db.models import JournalEntry, VisitRecord
from db.projection import snapshot_rows
from db.service import ManualClock, Store
from judge.reasons import EngineError
from tests.db.test_store import T0, advance, journal_count


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="test")
    for name in ("A", "B"):
        s.add_consultant(name)
    s.set_duty(["A", "B"])
    yield s
    s.dispose()


def visit_rows(store: Store) -> list[tuple[int, str | None, bool]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            sa.select(VisitRecord.id, VisitRecord.consultant, VisitRecord.verified).order_by(VisitRecord.id))]


def test_confirm_makes_the_check_in_a_verified_visit(store: Store) -> None:
    checked_in = store.register_visit("13900000001", verified=False)
    assert store.customer_view("13900000001").owner == "none"
    advance(store, minutes=4)
    result = store.confirm_visit("13900000001", by="前台")
    assert result.assigned_to == "A"
    assert result.phone_masked == "139****0001"
    view = store.customer_view("13900000001")
    assert view.owner == "A"
    assert view.protected_until == result.at + timedelta(days=7)  # counted from the confirmation
    assert visit_rows(store) == [(checked_in.seq, "A", True)]
    with store.engine.connect() as conn:
        entry = conn.execute(sa.select(JournalEntry).where(JournalEntry.seq == result.seq)).one()
    assert entry.kind == "confirm" and entry.actor == "前台"


def test_nothing_to_confirm_is_refused_and_changes_nothing(store: Store) -> None:
    store.register_visit("13900000002")  # verified already
    before = journal_count(store)
    with pytest.raises(EngineError, match="待确认"):
        store.confirm_visit("13900000002")
    with pytest.raises(EngineError, match="没有此客户"):
        store.confirm_visit("13900000003")
    assert journal_count(store) == before


def test_a_check_in_is_confirmed_once(store: Store) -> None:
    store.register_visit("13900000004", verified=False)
    store.confirm_visit("13900000004")
    with pytest.raises(EngineError):
        store.confirm_visit("13900000004")


def test_rebuild_after_confirmations_equals_incremental(store: Store) -> None:
    store.register_visit("13900000005", verified=False)
    advance(store, minutes=5)
    store.register_visit("13900000005", consultant="B")  # someone else registers meanwhile
    store.register_visit("13900000006", verified=False)
    advance(store, minutes=5)
    store.confirm_visit("13900000005")
    store.confirm_visit("13900000006")
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        incremental = snapshot_rows(session)
    store.rebuild()
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        assert snapshot_rows(session) == incremental
    assert all(verified for _, _, verified in visit_rows(store))
    assert [(c.kind, c.recommended) for c in store.customer_view("13900000005").cases] == [
        ("ownership_conflict", "B")]
