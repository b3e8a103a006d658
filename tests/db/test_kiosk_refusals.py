"""Kiosk check-ins refused at the outbox's flush: a task for reception in the site database, kept sealed,
recorded once per ref, listed until someone with reception's role handles it (journalled with who)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import kiosk_refusals, users
from db.database import read_session
from db.desk import Desk
from db.models import JournalEntry, RefusedCheckin
from db.roles import PermissionDenied
from db.service import Store
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
