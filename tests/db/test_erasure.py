"""Erasure must erase: after `forget`, someone holding the site's lookup key and the whole database
(journal, projections, snapshots, lookup tables, the SQLite file and its WAL) cannot recover the
erased customer's number, masked number or surname, nor their free-text notes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import migrate, personal
from db.clock import ManualClock
from db.database import make_engine
from db.keys import Keyring
from db.models import Base, CustomerKey, JournalEntry
from db.notes import ERASED_TEXT
from db.projection import snapshot_rows
from judge import snapshot
from service.store import Store

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
ERASED_PHONE = "13912345678"
SURNAMES = ("张", "王", "李", "赵", "刘")


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="test")
    for name in ("A", "B"):
        s.add_consultant(name)
    s.add_channel("贝壳", ["X"])
    s.set_duty(["A", "B"])
    s.change_rules({"channel.number_mode": "masked_3_4"})
    yield s
    s.dispose()


def advance(store: Store, **delta: float) -> None:
    assert isinstance(store.clock, ManualClock)
    store.clock.at += timedelta(**delta)


def office_with_the_customer_to_erase(store: Store) -> int:
    """The customer is reported masked (隐号报备) and in full, visits, is argued over, warned about."""
    store.record_report("贝壳", "X", "139****5678", name="张先生")
    advance(store, hours=2)
    visit = store.register_visit(ERASED_PHONE, name="张三", channel="贝壳", agent="X", consultant="A")
    store.register_visit("13800000002", name="王五", consultant="B")
    advance(store, hours=1)
    store.register_visit(ERASED_PHONE, consultant="B")  # a competing registration: a case
    for _ in range(3):
        advance(store, days=1)
        store.register_visit(ERASED_PHONE)  # repeat visits without a pledge: a warning
    site = store.site()
    case = next(c for c in site.cases.values() if c.customer == visit.customer_id)
    warning = next(w for w in site.warnings.values() if w.customer == visit.customer_id)
    store.decide_case(case.id, case.recommended, "张三本人电话159.1234.5678确认", by="manager")
    store.update_warning(warning.id, "following", "张三说下周带家人来", by="A")
    assert visit.customer_id is not None
    return visit.customer_id


def database_text(store: Store) -> str:
    """Everything an attacker with the database reads, as one text (binary columns as hex)."""
    parts = []
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.extend(v.hex() if isinstance(v, bytes) else str(v) for v in row)
    return "\n".join(parts)


def candidate_digests(keyring: Keyring) -> set[str]:
    """Every keyed hash the site computes for the 10^4 numbers around the erased one (and the surnames)."""
    found = set()
    for n in range(10_000):
        e164 = f"+86139{n:04d}5678"
        form = personal.masked_form(e164)
        found.add(keyring.lookup_hash("phone", e164))
        found.add(keyring.lookup_hash("phone_mask", form))
        found.update(keyring.lookup_hash("mask_surname", f"{form}\x00{s}") for s in SURNAMES)
    for n in range(10_000):
        found.add(keyring.lookup_hash("phone", f"+861391234{n:04d}"))
    found.update(keyring.lookup_hash("surname", s) for s in SURNAMES)
    return found


def test_attacker_with_the_lookup_key_cannot_recover_the_erased_number(store: Store) -> None:
    erased = office_with_the_customer_to_erase(store)
    store.save_snapshot()  # a snapshot taken before the erasure holds the engine's state then
    store.forget(ERASED_PHONE)
    store.save_snapshot()
    text = database_text(store)
    digests = candidate_digests(store.keyring)
    leaked = [d for d in digests if d in text]
    assert leaked == [], "a keyed hash of the erased customer's number or surname is still stored"
    assert "139****5678" not in text
    # the same attack does find a customer who was not erased: the test can fail
    live = store.keyring.lookup_hash("phone_mask", "138****0002")
    with store.engine.connect() as conn:
        tokens = dict(conn.execute(sa.text("SELECT digest, token FROM pseudonyms")).all())
        payloads = [json.loads(p) for p in conn.scalars(sa.select(JournalEntry.payload))]
    assert any(p.get("mask") == tokens[live] for p in payloads)
    assert all(p.get("customer") != erased or p.get("mask") not in tokens.values() for p in payloads)


def test_free_text_lives_outside_the_journal_and_goes_with_the_customer(store: Store) -> None:
    office_with_the_customer_to_erase(store)
    with store.engine.connect() as conn:
        journal_text = "\n".join(conn.scalars(sa.select(JournalEntry.payload)))
    assert "张三" not in journal_text and "159.1234" not in journal_text and "下周" not in journal_text  # not "159": random hex tokens may hold it
    site = store.site()
    refs = [c.reason for c in site.cases.values() if c.reason] + [w.note for w in site.warnings.values() if w.note]
    assert sorted(store.note_texts(refs).values()) == ["张三本人电话159.1234.5678确认", "张三说下周带家人来"]
    store.forget(ERASED_PHONE)
    assert set(store.note_texts(refs).values()) == {ERASED_TEXT}
    assert "下周" not in database_text(store)


def test_rebuild_after_an_erasure_equals_the_incremental_state(store: Store, db_url: str) -> None:
    office_with_the_customer_to_erase(store)
    store.forget(ERASED_PHONE)
    advance(store, hours=1)
    store.record_report("贝壳", "X", "139****5678", name="张先生")  # the same masked number, after erasure
    with store.engine.connect() as conn:
        before = snapshot_rows(sa.orm.Session(bind=conn))
    live_engine = snapshot.dump(store.site())
    store.rebuild()
    with store.engine.connect() as conn:
        assert snapshot_rows(sa.orm.Session(bind=conn)) == before
    fresh = Store(make_engine(db_url), store.keyring, clock=store.clock, station="other")
    assert snapshot.dump(fresh.site()) == live_engine
    fresh.dispose()


def test_masked_reports_still_match_visitors(store: Store) -> None:
    store.record_report("贝壳", "X", "139****5678", name="张先生")
    advance(store, hours=2)
    result = store.register_visit(ERASED_PHONE, name="张三", channel="贝壳", agent="X")
    view = store.customer_view(ERASED_PHONE)
    assert view is not None and view.channel == "贝壳" and result.customer_id == view.customer
    advance(store, hours=1)
    refused = store.record_report("贝壳", "X", "139****5678", name="张女士")
    assert refused.outcome.report_status == "invalid"  # already visited: same mask and surname
    other = store.record_report("贝壳", "X", "139****5678", name="李先生")
    assert other.outcome.report_status == "pending"  # same mask, another surname: someone else


def test_sqlite_file_and_wal_keep_no_erased_bytes(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="test")
    store.add_consultant("A")
    store.add_consultant("B")
    store.add_channel("贝壳", ["X"])
    store.set_duty(["A", "B"])
    store.change_rules({"channel.number_mode": "masked_3_4"})
    customer = office_with_the_customer_to_erase(store)
    with engine.connect() as conn:
        wrapped = conn.scalar(sa.select(CustomerKey.wrapped_key).where(CustomerKey.customer_id == customer))
        digest = store.keyring.lookup_hash("phone_mask", "139****5678")
    assert wrapped is not None
    store.forget(ERASED_PHONE)
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    stored = database.read_bytes() + (Path(f"{database}-wal").read_bytes() if Path(f"{database}-wal").exists() else b"")
    assert wrapped not in stored
    assert digest.encode() not in stored
    assert b"139****5678" not in stored
    store.dispose()


def test_postgresql_rewrites_the_key_table_after_an_erasure(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="test")
    store.add_consultant("A")
    store.register_visit(ERASED_PHONE, name="张三", consultant="A")
    query = sa.text("SELECT pg_relation_filenode('customer_keys')")
    with engine.connect() as conn:
        before = conn.scalar(query)
    store.forget(ERASED_PHONE)
    with engine.connect() as conn:
        assert conn.scalar(query) != before  # VACUUM FULL wrote the table anew, without the dead row
    store.dispose()


def test_follow_up_notes_live_outside_the_journal_and_go_with_the_customer(store: Store) -> None:
    store.register_visit("13900000077", consultant="A")
    result = store.follow_up("13900000077", "A", note="王先生想要三房，预算 300 万，电话 139 0000 0077")
    with store.engine.connect() as conn:
        payload = json.loads(conn.scalar(sa.select(JournalEntry.payload).where(JournalEntry.seq == result.seq)))
    assert "王" not in json.dumps(payload, ensure_ascii=False) and len(payload["note"]) == 64
    assert store.note_texts([payload["note"]]) == {payload["note"]: "王先生想要三房，预算 300 万，电话 139 0000 0077"}
    store.forget("13900000077")
    assert store.note_texts([payload["note"]]) == {payload["note"]: ERASED_TEXT}
