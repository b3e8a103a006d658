"""A phone checked in twice at the kiosk while the first waits for reception, through the store (SQLite and
PostgreSQL): the second is received by the first's consultant (what the kiosk's done screen shows) without
a turn of the rotation, both wait in the queue, reception dismisses or confirms either, the visit rows
follow (both verified at the confirmation), and a rebuild of the projections agrees."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from db.models import VisitRecord
from db.projection import snapshot_rows
from service import reception
from service.queries import today as q
from service.store import Store, WriteResult
from tests.db.stores import new_store
from tests.service.test_store import advance

PHONE = "13912345678"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("赵磊", "李强", "王丽"), {"链家": ["孙丽"]})
    yield s
    s.dispose()


def kiosk(store: Store, phone: str, **fields: Any) -> WriteResult:
    return store.register_visit(phone, verified=False, actor="kiosk", ref=uuid.uuid4().hex,
                                arrived_at=store.now(), **fields)


def visit_rows(store: Store) -> list[tuple[int, str | None, bool, bool]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(  # type: ignore[misc]
            VisitRecord.id, VisitRecord.consultant, VisitRecord.first_visit, VisitRecord.verified)
            .order_by(VisitRecord.id))]


def checked_in_twice(store: Store) -> tuple[WriteResult, WriteResult]:
    first = kiosk(store, PHONE, channel="链家", agent="孙丽", source="渠道带访")
    advance(store, minutes=3)
    board = reception.rotation_board(store)
    again = kiosk(store, PHONE, source="自然来访")
    assert reception.rotation_board(store) == board  # no turn used
    return first, again


def test_the_second_check_in_is_received_by_the_first_consultant_and_both_wait(store: Store) -> None:
    first, again = checked_in_twice(store)
    assert first.assigned_to == again.assigned_to == "赵磊"  # the kiosk's done screen names 赵磊 twice
    assert [(p.visit_seq, p.consultant, p.channel, p.arrival) for p in reception.pending_checkins(store)] == [
        (first.seq, "赵磊", "链家", None), (again.seq, "赵磊", None, first.seq)]
    assert [(r.visit_seq, r.arrival_size) for r in q.queue(store)] == [(first.seq, 2), (again.seq, 2)]
    assert visit_rows(store) == [(first.seq, "赵磊", True, False), (again.seq, "赵磊", False, False)]
    assert q.summary(store).waiting == 2
    assert kiosk(store, "13900000002").assigned_to == "李强"  # the rotation goes on where it was


def test_reception_dismisses_the_later_check_in_then_confirms_the_first(store: Store) -> None:
    first, again = checked_in_twice(store)
    store.dismiss_checkin(again.seq, by="前台")
    assert [p.visit_seq for p in reception.pending_checkins(store)] == [first.seq]
    assert visit_rows(store) == [(first.seq, "赵磊", True, False)]
    store.confirm_visit(PHONE, by="前台")
    assert reception.pending_checkins(store) == [] and visit_rows(store) == [(first.seq, "赵磊", True, True)]


def test_confirming_the_arrival_verifies_both_rows_and_a_rebuild_agrees(store: Store) -> None:
    first, again = checked_in_twice(store)
    advance(store, minutes=2)
    assert store.confirm_visit(PHONE, by="前台").assigned_to == "赵磊"
    assert reception.pending_checkins(store) == [] and q.summary(store).waiting == 0
    assert visit_rows(store) == [(first.seq, "赵磊", True, True), (again.seq, "赵磊", False, True)]
    view = store.customer_view(PHONE)
    assert view is not None and view.owner == "赵磊"
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        incremental = snapshot_rows(session)
    store.rebuild()
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        assert snapshot_rows(session) == incremental


def test_a_check_in_left_waiting_overnight_raises_the_warning_with_the_next_write(store: Store) -> None:
    first, again = checked_in_twice(store)  # 10:00 local on 2026-03-01
    advance(store, days=1)
    store.register_visit("13900000003")
    view = store.customer_view(PHONE)
    assert view is not None and [(w.kind, w.evidence) for w in view.warnings] == [
        ("unconfirmed_checkin", [first.seq, again.seq])]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT kind, status FROM warnings")).all() == [("unconfirmed_checkin", "open")]
