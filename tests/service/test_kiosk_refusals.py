"""Kiosk check-ins refused at the outbox's flush: a task for reception in the site database, kept sealed,
recorded once per ref, listed until someone with reception's role handles it (journalled with who)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import refused_checkins
from db.database import read_session
from db.models import JournalEntry, RefusedCheckin
from judge.reasons import EngineError
from service import kiosk_refusals, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import ManualClock, Store
from tests.db.stores import T0, new_store
from tests.db.test_erasure import database_text

PHONE = "13812345678"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Store:
    s = new_store(db_url, tmp_path / "keys", ("李强",), station="kiosk-1")
    users.add_user(s, "前台", "receptionist", "pw-123456")
    users.add_user(s, "李强", "consultant", "pw-123456", consultant="李强")
    return s


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, "pw-123456"))


def refused(ref: str = "ref-1", **extra: object) -> dict[str, object]:
    return {"ref": ref, "phone": PHONE, "name": "张女士", "channel": "贝壳", "agent": "周杰",
            "arrived_at": T0 - timedelta(minutes=30), "verified": False, **extra}


def entries(store: Store, kind: str) -> list[JournalEntry]:
    with read_session(store.engine) as session:
        return list(session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == kind)))


def test_a_refusal_is_listed_for_reception_with_its_masked_phone_arrival_and_reason(store: Store) -> None:
    seq = kiosk_refusals.record(store, refused(), "没有值班顾问 / no consultant on duty")
    [task] = kiosk_refusals.open_refusals(store)
    assert (task.ref, task.station, task.phone_masked, task.name) == ("ref-1", "kiosk-1", "138****5678", "张女士")
    assert task.arrived_at == T0 - timedelta(minutes=30) and task.refused_at == T0
    assert (task.channel, task.agent) == ("贝壳", "周杰") and task.reason.startswith("没有值班顾问")
    [entry] = entries(store, kiosk_refusals.REFUSED)
    assert entry.seq == seq and entry.actor == "kiosk" and entry.station == "kiosk-1"
    assert set(json.loads(entry.payload)) == {"ref", "kiosk", "arrived_at", "detail"}


def test_the_phone_name_and_reason_are_not_readable_in_the_database(store: Store) -> None:
    kiosk_refusals.record(store, refused(), f"手机号 {PHONE} 不正确 / invalid")
    text = database_text(store)
    assert PHONE not in text and "张女士" not in text and "不正确" not in text


def test_a_ref_resent_after_a_lost_answer_is_recorded_once(store: Store) -> None:
    first = kiosk_refusals.record(store, refused(), "refused")
    assert kiosk_refusals.record(store, refused(), "refused") == first
    assert len(entries(store, kiosk_refusals.REFUSED)) == 1 and len(kiosk_refusals.open_refusals(store)) == 1


def test_handled_by_reception_leaves_the_list_and_is_journalled_with_who(store: Store) -> None:
    kiosk_refusals.record(store, refused("ref-1"), "refused")
    kiosk_refusals.record(store, refused("ref-2", phone="13900000000"), "refused")
    with pytest.raises(PermissionDenied):
        kiosk_refusals.handle(desk(store, "李强"), "ref-1")
    kiosk_refusals.handle(desk(store, "前台"), "ref-1")
    assert [t.ref for t in kiosk_refusals.open_refusals(store)] == ["ref-2"]
    [entry] = entries(store, kiosk_refusals.HANDLED)
    assert entry.actor == "前台" and json.loads(entry.payload)["ref"] == "ref-1"
    with read_session(store.engine) as session:
        row = session.get(RefusedCheckin, "ref-1")
        assert row is not None and row.handled_by == "前台" and row.handled_at == T0
    with pytest.raises(kiosk_refusals.RefusalHandled, match="前台"):
        kiosk_refusals.handle(desk(store, "前台"), "ref-1")
    with pytest.raises(kiosk_refusals.RefusalNotFound):
        kiosk_refusals.handle(desk(store, "前台"), "no-such-ref")
    assert len(entries(store, kiosk_refusals.HANDLED)) == 1


def shredded(store: Store, ref: str) -> RefusedCheckin:
    with read_session(store.engine) as session:
        row = session.get(RefusedCheckin, ref)
        assert row is not None
        return row


def test_a_refusal_is_found_by_the_phones_keyed_hash_not_by_the_number(store: Store) -> None:
    kiosk_refusals.record(store, refused(), "refused")
    row = shredded(store, "ref-1")
    assert row.phone_lookup == store.keyring.lookup_hash("phone", "+8613812345678")


def test_forget_by_phone_shreds_the_refusals_of_a_visitor_who_never_became_a_customer(store: Store) -> None:
    kiosk_refusals.record(store, refused("ref-1"), "refused")
    kiosk_refusals.record(store, refused("ref-2", phone="13900000000", name="李先生"), "refused")
    assert store.customer_id(PHONE) is None
    forgotten = store.forget(PHONE, actor="admin")
    assert forgotten.customer is None and forgotten.refused_checkins == ("ref-1",)
    row = shredded(store, "ref-1")
    assert (row.wrapped_key, row.detail_enc, row.phone_masked, row.phone_lookup) == (None, None, None, None)
    assert row.handled_by == "admin" and row.handled_at == T0  # the task is closed by the erasure
    assert [t.ref for t in kiosk_refusals.open_refusals(store)] == ["ref-2"]  # the other visitor's stays
    [entry] = entries(store, refused_checkins.ERASED)
    assert json.loads(entry.payload) == {"refs": ["ref-1"], "reason": "request"} and entry.actor == "admin"
    text = database_text(store)
    assert store.keyring.lookup_hash("phone", "+8613812345678") not in text and "138****5678" not in text
    with pytest.raises(EngineError, match="no customer and no refused check-in"):
        store.forget(PHONE)  # nothing is left to erase for that number


def test_forgetting_a_customer_shreds_their_refused_check_ins_in_the_same_write(store: Store) -> None:
    kiosk_refusals.record(store, refused(), "refused")
    kiosk_refusals.handle(desk(store, "前台"), "ref-1")  # reception registered them at the console
    customer = store.register_visit(PHONE, name="张女士").customer_id
    forgotten = store.forget(PHONE)
    assert forgotten.customer == customer and forgotten.refused_checkins == ("ref-1",)
    assert shredded(store, "ref-1").wrapped_key is None and shredded(store, "ref-1").handled_by == "前台"
    erasure, refusals = entries(store, "erasure"), entries(store, refused_checkins.ERASED)
    assert refusals[0].seq == erasure[0].seq + 1  # one write: the customer's erasure, then the refusals'


def test_retention_shreds_handled_refusals_handled_before_the_cutoff(store: Store) -> None:
    kiosk_refusals.record(store, refused("old"), "refused")
    kiosk_refusals.record(store, refused("open", phone="13900000000"), "refused")
    kiosk_refusals.handle(desk(store, "前台"), "old")
    assert isinstance(store.clock, ManualClock)
    store.clock.at = T0 + timedelta(days=10)
    kiosk_refusals.record(store, refused("recent", phone="13700000000"), "refused")
    kiosk_refusals.handle(desk(store, "前台"), "recent")
    assert kiosk_refusals.erase_expired(store, T0 + timedelta(days=5), "admin") == ["old"]
    assert shredded(store, "old").detail_enc is None
    assert shredded(store, "recent").detail_enc is not None and shredded(store, "open").detail_enc is not None
    [entry] = entries(store, refused_checkins.ERASED)
    assert json.loads(entry.payload) == {"refs": ["old"], "reason": "retention"}
    assert kiosk_refusals.erase_expired(store, T0 + timedelta(days=5), "admin") == []  # nothing journalled twice
    assert len(entries(store, refused_checkins.ERASED)) == 1


def test_a_customer_erased_by_retention_leaves_a_recent_open_refusal_to_its_own_age(store: Store) -> None:
    customer = store.register_visit(PHONE, name="张女士").customer_id
    assert customer is not None
    kiosk_refusals.record(store, refused(), "refused")  # came back: reception has yet to call them
    forgotten = store.forget_customer(customer, "retention")
    assert forgotten.refused_checkins == () and [t.ref for t in kiosk_refusals.open_refusals(store)] == ["ref-1"]
