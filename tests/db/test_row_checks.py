"""verify against the journal: what a station's database role can still write (users, identities, notes)
is compared with what the journal says, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import integrity, migrate
from db.clock import ManualClock
from db.database import make_engine, read_session
from db.identity import customer_key, find_customer, phone_keys
from db.keys import Keyring, decrypt_field, encrypt_field
from db.models import Identity, JournalEntry, Note, UserAccount
from service import users
from service.store import Store

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
PHONE_A, PHONE_B = "13912345678", "13800001111"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="test")
    for name in ("王丽", "李强"):
        s.add_consultant(name)
    s.set_duty(["王丽", "李强"])
    users.add_user(s, "王丽", "consultant", "secret-1")
    users.add_user(s, "经理", "manager", "secret-2")
    s.register_visit(PHONE_A, consultant="王丽")
    s.register_visit(PHONE_B, consultant="李强")
    s.follow_up(PHONE_A, "王丽", "客户想要三居")
    yield s
    s.dispose()


def differences(store: Store) -> list[str]:
    with read_session(store.engine) as session:
        return integrity.derived_differences(session, store.keyring).differences


def customer_of(store: Store, phone: str) -> int:
    with read_session(store.engine) as session:
        found = find_customer(session, "phone", phone_keys(store.keyring, phone).lookup)
    assert found is not None
    return found


def test_an_untouched_site_agrees_with_its_journal(store: Store) -> None:
    assert differences(store) == []


def test_a_consultant_made_manager_outside_the_journal(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.update(UserAccount).where(UserAccount.name == "王丽").values(role="manager"))
    found = differences(store)
    assert len(found) == 1
    assert "users differ" in found[0] and "王丽: role" in found[0]
    assert "role is 'manager', the journal says 'consultant'" in found[0]


def test_a_user_added_outside_the_journal(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.insert(UserAccount).values(name="mole", role="admin", active=True, failed_attempts=0,
                                                   created_at=T0))
    assert any("mole: 日志中没有此用户" in d for d in differences(store))


def test_a_phone_re_pointed_to_another_customer(store: Store) -> None:
    a, b = customer_of(store, PHONE_A), customer_of(store, PHONE_B)
    with store.engine.begin() as conn:
        conn.execute(sa.update(Identity).where(Identity.customer_id == a, Identity.kind == "phone")
                     .values(customer_id=b))
    found = differences(store)
    assert len(found) == 1 and "identities differ" in found[0] and f"customer #{b})" in found[0]
    assert "not this customer's number" in found[0]


def test_a_phone_re_pointed_and_re_encrypted_with_the_site_keys(store: Store) -> None:
    """A station holds the keys: re-encrypted under the other customer's key, the journal still says whose
    number it is."""
    a, b = customer_of(store, PHONE_A), customer_of(store, PHONE_B)
    with store.engine.begin() as conn, read_session(store.engine) as session:
        key_a, key_b = customer_key(session, store.keyring, a), customer_key(session, store.keyring, b)
        assert key_a is not None and key_b is not None
        row = session.scalars(sa.select(Identity).where(Identity.customer_id == a, Identity.kind == "phone")).one()
        number = decrypt_field(key_a, row.ciphertext, f"identity:phone:{a}".encode())
        conn.execute(sa.update(Identity).where(Identity.id == row.id).values(
            customer_id=b, ciphertext=encrypt_field(key_b, number, f"identity:phone:{b}".encode())))
    found = differences(store)
    assert len(found) == 1 and f"give this number to customer #{a}, not #{b}" in found[0]


def test_a_deleted_note_is_not_an_erasure(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.delete(Note))
    found = differences(store)
    assert len(found) == 1 and "notes differ" in found[0] and "no erasure of its customer" in found[0]


def test_an_erased_customers_notes_may_be_gone(store: Store) -> None:
    store.forget(PHONE_A)
    with read_session(store.engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Note)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                              .where(JournalEntry.kind == "erasure")) == 1
    assert differences(store) == []
