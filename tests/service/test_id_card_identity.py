"""One ID card, two phones (一证多号): judged as the card's holder, with a case and a warning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.models import Identity
from service.store import Store
from tests.db.stores import new_store
from tests.service.test_store import advance

ID = "11010519491231002X"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("A", "B"))
    yield s
    s.dispose()


def id_rows(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.scalars(sa.select(Identity.customer_id).where(Identity.kind == "id_card")))


def test_same_id_card_on_a_new_phone_is_the_holder(store: Store) -> None:
    first = store.register_visit("13900000001", consultant="A", id_card=ID)
    advance(store, days=1)
    second = store.register_visit("13900000002", consultant="B", id_card=ID.lower())
    assert second.assigned_to == "A"  # judged as the holder, who is protected
    assert second.customer_id == first.customer_id
    view = store.customer_view("13900000002")
    assert view.owner == "A"
    assert [(c.kind, c.recommended, c.rule) for c in view.cases] == [("identity_conflict", "A", "identity.id_card")]
    assert [w.kind for w in view.warnings] == ["identity_split"]
    assert id_rows(store) == [first.customer_id]  # the card stays with its holder, stored once


def test_the_holders_own_card_again_is_no_conflict(store: Store) -> None:
    store.register_visit("13900000003", consultant="A", id_card=ID)
    advance(store, days=1)
    again = store.register_visit("13900000003", id_card=ID)
    assert again.outcome.new_cases == [] and again.outcome.new_warnings == []
    assert store.customer_view("13900000003").cases == ()
