"""前台确认 through the store: the visit row turns verified, a rebuild agrees, nothing to confirm is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.models import JournalEntry, VisitRecord
from db.projection import snapshot_rows
from judge.reasons import EngineError
from service.store import Store
from tests.db.stores import new_store
from tests.service.test_store import advance, journal_count


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("A", "B"))
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


def test_a_mistaken_check_in_is_dismissed_and_the_number_stays_unseen(store: Store) -> None:
    checked_in = store.register_visit("13900000007", verified=False)
    advance(store, minutes=2)
    store.dismiss_checkin(checked_in.seq, by="前台")
    assert visit_rows(store) == []
    with pytest.raises(EngineError, match="待确认"):
        store.confirm_visit("13900000007")
    store.add_channel("贝壳", ["X"])
    advance(store, hours=1)
    report = store.record_report("贝壳", "X", "13900000007")
    assert report.outcome.report_status == "pending"  # the real owner of the number is not "seen" by a typo


def test_a_dismissed_check_in_that_settled_a_report_still_counts_as_seen(store: Store) -> None:
    store.add_channel("贝壳", ["X"])
    store.record_report("贝壳", "X", "13900000008")
    advance(store, hours=1)
    checked_in = store.register_visit("13900000008", channel="贝壳", agent="X", verified=False)
    store.dismiss_checkin(checked_in.seq)
    assert store.customer_view("13900000008").channel == "贝壳"


def test_correcting_the_number_registers_the_right_customer(store: Store) -> None:
    wrong = store.register_visit("13900000009", name="张三", verified=False)
    advance(store, minutes=3)
    before = journal_count(store)
    with pytest.raises(ValueError):
        store.correct_checkin(wrong.seq, "1390000")  # a bad number writes nothing
    assert journal_count(store) == before
    fixed = store.correct_checkin(wrong.seq, "13900000010", by="前台")
    assert fixed.assigned_to == "A" and fixed.phone_masked == "139****0010"
    assert store.customer_view("13900000010").owner == "A"
    assert store.customer_view("13900000009").owner == "none"
    assert visit_rows(store) == [(fixed.seq, "A", True)]
    with pytest.raises(EngineError, match="待确认"):
        store.dismiss_checkin(wrong.seq)


def test_rebuild_after_dismissals_equals_incremental(store: Store) -> None:
    first = store.register_visit("13900000011", verified=False)
    store.register_visit("13900000012", verified=False)
    store.dismiss_checkin(first.seq)
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        incremental = snapshot_rows(session)
    store.rebuild()
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        assert snapshot_rows(session) == incremental
