"""A kiosk offline for 35 minutes (SQLite and PostgreSQL): the visitor checks in at 10:00, an agent reports
them at 10:01, the kiosk's outbox delivers the check-in at 10:35. Judged when it reaches the store, the
report is valid and the channel credited (README); the kiosk's arrival travels in the journal with the visit
and the store raises `pre_intercept` for a person to decide. A rebuild from the journal gives the same."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import projection
from db.database import read_session
from db.keys import Keyring
from db.models import JournalEntry, Report, Warning
from kiosk.outbox import Outbox, store_writer
from service.store import Store
from tests.db.stores import T0, new_store
from tests.service.test_store import advance

PHONE = "13900001234"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Store:
    return new_store(db_url, tmp_path / "keys", ("李强", "王丽"), {"贝壳": ["小张"]})


def test_a_late_outbox_check_in_after_a_report_is_credited_and_warned(store: Store, tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", Keyring.create(tmp_path / "kiosk-keys"))
    box.put({"phone": PHONE, "channel": "贝壳", "agent": "小张", "verified": False, "ref": "kiosk-1",
             "arrived_at": T0})  # the database was unreachable: queued at the kiosk
    advance(store, minutes=1)
    store.record_report("贝壳", "小张", PHONE)
    advance(store, minutes=34)
    assert box.drain(store_writer(store)) == 1

    customer = store.customer_id(PHONE)
    assert customer is not None
    with read_session(store.engine) as session:
        visit_seq, payload = session.execute(sa.select(JournalEntry.seq, JournalEntry.payload)
                                             .where(JournalEntry.kind == "visit")).one()
        report = session.execute(sa.select(Report.id, Report.status)).one()
        warnings = session.execute(sa.select(Warning.kind, Warning.customer_id, Warning.evidence)).all()
    assert json.loads(payload)["arrived_at"] == T0.isoformat(timespec="microseconds")
    assert report.status == "used"
    assert store.site().customer_view(customer, store.now()).channel == "贝壳"
    assert [(kind, cid, json.loads(evidence)) for kind, cid, evidence in warnings] == [
        ("pre_intercept", customer, [report.id, visit_seq])]

    with read_session(store.engine) as session:
        live = projection.snapshot_rows(session)
    store.rebuild()
    with read_session(store.engine) as session:
        assert projection.snapshot_rows(session) == live


def test_a_check_in_that_reached_the_store_at_once_raises_nothing(store: Store) -> None:
    store.record_report("贝壳", "小张", PHONE)
    advance(store, minutes=31)
    store.register_visit(PHONE, channel="贝壳", agent="小张", verified=False, ref="kiosk-2",
                         arrived_at=store.now() - timedelta(seconds=2))
    with read_session(store.engine) as session:
        assert session.execute(sa.select(Report.status)).scalar_one() == "used"
        assert session.execute(sa.select(sa.func.count()).select_from(Warning)).scalar_one() == 0
