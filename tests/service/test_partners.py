"""Partners' API keys: made and shown once, kept only as a keyed hash, scoped, suspended, resumed and
revoked (never back), each change journalled with who did it; only a manager or channel manager makes
them (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.database import read_session
from db.models import JournalEntry, PartnerKey
from service import partners, users
from service.desk import Desk
from service.partners import PartnerRefused
from service.roles import PermissionDenied
from service.store import Store
from tests.db.stores import new_store

SECRET = "pw-123456"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Store:
    s = new_store(db_url, tmp_path / "keys", ("李强",), {"链家": ["张三"]})
    for name, role in (("经理", "manager"), ("渠道经理", "channel_manager"), ("前台", "receptionist")):
        users.add_user(s, name, role, SECRET)
    return s


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, SECRET))


def test_a_key_is_shown_once_and_kept_only_as_a_keyed_hash(store: Store) -> None:
    partner, key = partners.add(desk(store, "渠道经理"), "链家接口", "channel", "链家")
    assert key.startswith("ak_") and len(key) > 40
    assert (partner.kind, partner.channel, partner.status, partner.created_by) == ("channel", "链家", "active", "渠道经理")
    with read_session(store.engine) as session:
        row = session.get(PartnerKey, partner.id)
        assert row is not None and key not in row.key_hash
        entry = session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == partners.ADDED)).one()
    assert entry.actor == "渠道经理" and key not in entry.payload and json.loads(entry.payload)["id"] == partner.id
    assert partners.authenticate(store, key) == partner
    assert partners.authenticate(store, key + "x") is None and partners.authenticate(store, "garbage") is None


def test_suspended_and_revoked_keys_are_refused_and_revoked_stays_revoked(store: Store) -> None:
    manager = desk(store, "经理")
    partner, key = partners.add(manager, "财务系统", "finance")
    partners.set_status(manager, partner.id, partners.SUSPENDED)
    assert partners.authenticate(store, key) is None
    partners.set_status(manager, partner.id, partners.ACTIVE)
    assert partners.authenticate(store, key) is not None
    partners.set_status(manager, partner.id, partners.REVOKED)
    assert partners.authenticate(store, key) is None
    with pytest.raises(PartnerRefused, match="已吊销"):
        partners.set_status(manager, partner.id, partners.ACTIVE)
    with read_session(store.engine) as session:
        changes = [json.loads(p)["status"] for p in session.scalars(
            sa.select(JournalEntry.payload).where(JournalEntry.kind == partners.CHANGED).order_by(JournalEntry.seq))]
    assert changes == ["suspended", "active", "revoked"]


def test_bad_scopes_and_roles_are_refused_before_anything_is_written(store: Store) -> None:
    manager = desk(store, "经理")
    with pytest.raises(PartnerRefused, match="没有此渠道"):
        partners.add(manager, "某中介", "channel", "不存在的渠道")
    with pytest.raises(PartnerRefused):
        partners.add(manager, "财务", "finance", "链家")  # a finance key names no channel
    with pytest.raises(PartnerRefused):
        partners.add(manager, "某中介", "channel")  # a channel key names its channel
    with pytest.raises(PartnerRefused):
        partners.add(manager, "x", "webhooks")
    with pytest.raises(PermissionDenied):
        partners.add(desk(store, "前台"), "小程序", "appointments")
    assert partners.listed(manager) == []
