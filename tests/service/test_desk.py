"""Desk: the store refuses what a role may not do, keeps a consultant to their own customers, names the
user as the actor, and journals a full-number reveal with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.database import read_session
from db.models import JournalEntry
from judge.reasons import EngineError
from service import users
from service.desk import REVEAL, Desk
from service.roles import PERMISSIONS, PermissionDenied, can, permissions_of
from service.store import Store
from tests.db.stores import new_store

PHONE = "13812345678"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Store:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"))
    for name, role, consultant in (("经理", "manager", None), ("前台", "receptionist", None),
                                   ("李强", "consultant", "李强"), ("王丽", "consultant", "王丽")):
        users.add_user(s, name, role, "pw-123456", consultant=consultant)
    return s


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, "pw-123456"))


def journal_size(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0)


def last_entry(store: Store) -> JournalEntry:
    with read_session(store.engine) as session:
        entry = session.scalars(sa.select(JournalEntry).order_by(JournalEntry.seq.desc()).limit(1)).one()
        return entry


def test_every_permission_names_known_roles() -> None:
    for permission, roles in PERMISSIONS.items():
        assert roles <= set(users.ROLES), permission
    assert can("manager", "cases.decide") and not can("consultant", "cases.decide")
    assert "customers.reveal" not in permissions_of("consultant")
    with pytest.raises(KeyError):
        can("manager", "no.such.permission")


def test_a_refused_write_changes_nothing(store: Store) -> None:
    store.register_visit(PHONE, actor="kiosk")
    customer = store.customer_id(PHONE)
    assert customer is not None
    before = journal_size(store)
    with pytest.raises(PermissionDenied):
        desk(store, "前台").assign(customer, "王丽")
    with pytest.raises(PermissionDenied):
        desk(store, "李强").decide_case(1, "李强", "mine")
    assert journal_size(store) == before


def test_a_consultant_acts_only_on_their_own_customers(store: Store) -> None:
    result = store.register_visit(PHONE, actor="kiosk")
    owner = result.assigned_to
    other = "王丽" if owner == "李强" else "李强"
    customer = store.customer_id(PHONE)
    assert customer is not None and owner is not None
    mine = desk(store, owner).follow_up(customer, "客户关注三房")
    assert mine.seq and last_entry(store).actor == owner
    with pytest.raises(PermissionDenied):
        desk(store, other).follow_up(customer, "想抢客户")
    with pytest.raises(PermissionDenied):
        desk(store, owner).follow_up(customer, "代别人写", consultant=other)  # acts only as themself


def test_a_manager_assigns_and_is_named_as_actor(store: Store) -> None:
    store.register_visit(PHONE, actor="kiosk")
    customer = store.customer_id(PHONE)
    assert customer is not None
    manager = desk(store, "经理")
    manager.assign(customer, "王丽")
    assert last_entry(store).actor == "经理"
    assert manager.owner_of(customer) == "王丽"


def test_reveal_needs_a_reason_and_is_journalled(store: Store) -> None:
    store.register_visit(PHONE, actor="kiosk")
    customer = store.customer_id(PHONE)
    assert customer is not None
    manager = desk(store, "经理")
    before = journal_size(store)
    with pytest.raises(EngineError):
        manager.reveal(customer, " ")
    assert journal_size(store) == before
    assert manager.reveal(customer, "客户来电要求核对合同号码").replace(" ", "") == PHONE
    entry = last_entry(store)
    assert entry.kind == REVEAL and entry.actor == "经理"
    payload = json.loads(entry.payload)
    assert payload["customer"] == customer and PHONE not in entry.payload
    assert store.note_texts([payload["reason"]]) == {payload["reason"]: "客户来电要求核对合同号码"}
    with pytest.raises(PermissionDenied):
        desk(store, "前台").reveal(customer, "想看看号码")
