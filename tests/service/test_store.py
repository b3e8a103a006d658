"""The service API on SQLite and on PostgreSQL: transactions, projections, rebuilds, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from db import identity, journal, migrate
from db.database import DatabaseUnavailable, make_engine
from db.keys import Keyring
from db.models import Base, Customer, Identity, JournalEntry
from db.personal import InvalidIdCard, InvalidPhone
from db.projection import snapshot_rows
from judge.reasons import EngineError
from service.store import ManualClock, Store, SystemClock, UnknownName

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="test")
    for name in ("A", "B", "C"):
        s.add_consultant(name)
    s.add_channel("贝壳", ["X"])
    s.add_channel("中原", ["Y"])
    s.set_duty(["A", "B", "C"])
    yield s
    s.dispose()


def advance(store: Store, **delta: float) -> None:
    clock = store.clock
    assert isinstance(clock, ManualClock)
    clock.at = clock.at + timedelta(**delta)


def journal_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one())


def busy_office(store: Store) -> None:
    store.record_report("贝壳", "X", "13800000005", name="赵六")
    advance(store, hours=20)
    for i in range(1, 8):
        store.register_visit(f"1380000000{i}", name="测试", channel="贝壳" if i == 5 else "natural",
                             agent="X" if i == 5 else None)
        advance(store, minutes=17)
    store.register_visit("13800000001", consultant="C")  # competing registration -> case
    store.follow_up("13800000002", "B")
    store.change_stage("13800000003", "C", "pledge")
    store.record_report("中原", "Y", "13800000004")  # already visited -> invalid
    advance(store, days=9)
    store.claim("13800000006", "A")
    store.register_visit("13900000009", consultant="B", face="F1")
    advance(store, hours=1)
    store.register_visit("13900000010", consultant="A", face="F1")  # identity conflict


def test_rebuild_equals_incremental(store: Store) -> None:
    busy_office(store)
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        incremental = snapshot_rows(session)
    assert len(incremental["customers"]) == 9 and incremental["cases"] and incremental["warnings"]
    store.rebuild()
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        assert snapshot_rows(session) == incremental


def test_a_second_station_sees_the_first(store: Store, db_url: str) -> None:
    other = Store(make_engine(db_url), store.keyring, clock=store.clock, station="kiosk2")
    store.register_visit("13800000001", consultant="A")
    advance(store, hours=2)
    result = other.register_visit("13800000001", consultant="B")
    assert result.assigned_to == "A"
    assert {c.kind for c in result.outcome.new_cases} == {"ownership_conflict"}
    advance(store, hours=1)
    assert store.register_visit("13800000002").assigned_to == "B"  # rotation moved on the other station
    other.dispose()


def test_journal_holds_no_plain_personal_data(store: Store) -> None:
    store.register_visit("13812345678", name="欧阳娜娜", id_card="11010519491231002X", consultant="A")
    with store.engine.connect() as conn:
        payloads = " ".join(conn.execute(sa.select(JournalEntry.payload)).scalars())
        identities = conn.execute(sa.select(Identity.kind, Identity.masked, Identity.ciphertext)).all()
    for secret in ("13812345678", "12345678", "欧阳", "娜娜", "11010519491231002X"):
        assert secret not in payloads
    assert {(kind, masked) for kind, masked, _ in identities} == {
        ("phone", "138****5678"), ("id_card", "110***********002X")}
    assert all(b"13812345678" not in blob for _, _, blob in identities)


def test_phone_lookup_normalises(store: Store) -> None:
    first = store.register_visit("138 1234 5678", consultant="A")
    advance(store, minutes=5)
    again = store.register_visit("+86 138-1234-5678")
    assert first.customer_id == again.customer_id and again.assigned_to == "A"
    assert first.phone_masked == "138****5678"


@pytest.mark.parametrize(("call", "error"), [
    (lambda s: s.register_visit("1380000", consultant="A"), InvalidPhone),
    (lambda s: s.register_visit("abc"), InvalidPhone),
    (lambda s: s.register_visit("13800000001", id_card="110105194912310021"), InvalidIdCard),
    (lambda s: s.register_visit("13800000001", consultant="Z"), UnknownName),
    (lambda s: s.register_visit("13800000001", channel="无此渠道", agent="X"), UnknownName),
    (lambda s: s.register_visit("13800000001", channel="中原", agent="X"), UnknownName),
    (lambda s: s.record_report("贝壳", "X", "138****0001"), EngineError),  # masked in full-number mode
    (lambda s: s.record_report("贝壳", "X", "138**0001"), InvalidPhone),
    (lambda s: s.follow_up("13800000099", "A"), EngineError),  # nobody with that phone
    (lambda s: s.change_stage("13800000001", "A", "refund"), EngineError),
    (lambda s: s.change_rules({"pool.daily_claim_limit": "many"}), ValueError),
    (lambda s: s.decide_case(12345, "A", "", "mgr"), EngineError),
    (lambda s: s.blacklist(agent="nobody"), UnknownName),
])
def test_bad_input_gets_a_clear_error_and_changes_nothing(store: Store, call, error) -> None:  # type: ignore[no-untyped-def]
    store.register_visit("13800000001", consultant="A")
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        before = (journal_count(store), snapshot_rows(session))
    with pytest.raises(error) as info:
        call(store)
    assert str(info.value)
    with store.engine.connect() as conn, sa.orm.Session(bind=conn) as session:
        assert (journal_count(store), snapshot_rows(session)) == before
    advance(store, minutes=1)
    assert store.register_visit("13800000002").assigned_to == "B"  # the store still works afterwards


def test_refused_release_keeps_the_cache_consistent(store: Store) -> None:
    store.register_visit("13800000001", consultant="A")
    with pytest.raises(EngineError, match="only the owner"):
        store.release("13800000001", "B")
    store.release("13800000001", "A")
    view = store.customer_view("13800000001")
    assert view is not None and view.owner == "pool"


def test_forget_shreds_the_customer_and_the_journal_still_verifies(store: Store) -> None:
    result = store.register_visit("13800000001", consultant="A", name="张三")
    customer = result.customer_id
    assert customer is not None
    with sa.orm.Session(store.engine) as session:
        assert identity.reveal_phone(session, store.keyring, customer) == "+8613800000001"
        assert identity.customer_name(session, store.keyring, customer) == "张三"
    store.forget("13800000001")
    with sa.orm.Session(store.engine) as session:
        assert identity.reveal_phone(session, store.keyring, customer) is None
        assert identity.customer_name(session, store.keyring, customer) is None
        row = session.get(Customer, customer)
        assert row is not None and row.forgotten and row.phone_masked is None
        assert journal.verify(session).ok
    assert store.customer_id("13800000001") is None


def test_system_clock_uses_the_database_server_on_postgresql(store: Store) -> None:
    with sa.orm.Session(store.engine) as session:
        now = SystemClock().now(session)
        assert now.tzinfo is not None
        assert abs(now - datetime.now(UTC)) < timedelta(seconds=30)


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    engine.dispose()


def test_database_newer_than_the_program_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(migrate.SchemaTooNew, match="newer than this program"):
        migrate.check(engine)
    with pytest.raises(migrate.SchemaTooNew):
        migrate.upgrade(engine)
    engine.dispose()


def test_migration_backs_up_the_sqlite_file_first(tmp_path: Path) -> None:
    path = tmp_path / "site.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    config = migrate._config()
    from alembic import command

    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with pytest.raises(migrate.SchemaMissing, match="older"):
        migrate.check(engine)
    backup = migrate.upgrade(engine, backup_dir=tmp_path / "backups")
    assert backup is not None and backup.exists()
    assert migrate.current_revision(make_engine(f"sqlite:///{backup}")) == "0001"
    migrate.check(engine)
    engine.dispose()


def test_missing_database_gives_a_clear_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gone' / 'site.sqlite3'}")
    with pytest.raises(DatabaseUnavailable, match="unavailable"):
        Store(engine, Keyring.create(tmp_path / "k")).register_visit("13800000001", consultant="A")


def test_locked_sqlite_database_gives_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    engine = make_engine(url, busy_timeout_ms=200)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(tmp_path / "k"), clock=ManualClock(T0))
    store.add_consultant("A")
    import sqlite3

    holder = sqlite3.connect(tmp_path / "site.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseUnavailable, match="locked|unavailable"):
            store.register_visit("13800000001", consultant="A")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.register_visit("13800000001", consultant="A").assigned_to == "A"


def test_unknown_postgres_server_gives_a_clear_error(tmp_path: Path) -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with pytest.raises(DatabaseUnavailable):
        Store(engine, Keyring.create(tmp_path / "k")).register_visit("13800000001", consultant="A")


def test_journal_payload_is_canonical_json(store: Store) -> None:
    store.register_visit("13800000001", consultant="A")
    with store.engine.connect() as conn:
        kind, payload = conn.execute(sa.select(JournalEntry.kind, JournalEntry.payload)
                                     .order_by(JournalEntry.seq.desc()).limit(1)).one()
    assert kind == "visit"
    assert journal.canonical_json(json.loads(payload)) == payload


def test_a_station_starts_from_the_snapshot_and_replays_the_rest(store: Store, db_url: str) -> None:
    busy_office(store)
    seq = store.save_snapshot()
    advance(store, hours=1)
    store.register_visit("13700000001", consultant="A")
    fresh = Store(make_engine(db_url), store.keyring, clock=store.clock, station="kiosk9")
    with sa.orm.Session(fresh.engine) as session:
        site, loaded = fresh._load_snapshot(session)
    assert loaded == seq and site.last_seq <= seq
    fresh_site, full = fresh.site(), store.rebuild()
    now = store.now()
    assert set(fresh_site.customers) == set(full.customers)
    for customer in full.customers:
        assert fresh_site.customer_view(customer, now) == full.customer_view(customer, now)
    fresh.dispose()


def test_a_snapshot_that_no_longer_matches_the_journal_is_ignored(store: Store, db_url: str) -> None:
    store.register_visit("13800000001", consultant="A")
    seq = store.save_snapshot()
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE engine_snapshots SET state = replace(state, :a, :b)"),
                     {"a": '"journal_hash":"', "b": '"journal_hash":"0'})
    fresh = Store(make_engine(db_url), store.keyring, clock=store.clock)
    with sa.orm.Session(fresh.engine) as session:
        _, loaded = fresh._load_snapshot(session)
    assert loaded == 0 and seq > 0
    assert fresh.customer_view("13800000001") is not None
    fresh.dispose()


def test_other_stations_are_notified_of_new_entries_on_postgresql(store: Store, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; one SQLite station shares its process")
    import psycopg

    from service.store import NOTIFY_CHANNEL

    libpq_url = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        result = store.register_visit("13800000001", consultant="A")
        received = []  # other test runs may write to this server at the same time: look for ours
        for notice in listener.notifies(timeout=5):
            received.append(notice.payload)
            if notice.payload == str(result.seq):
                break
    assert received[-1:] == [str(result.seq)]


def test_snapshots_are_saved_in_the_background_when_due(store: Store) -> None:
    import time

    from db.models import EngineSnapshot

    store.snapshot_every = 5
    store.register_visit("13800000001", consultant="A")
    assert store.snapshot_due()
    stop = store.start_maintenance(interval_s=0.05)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with store.engine.connect() as conn:
                if conn.execute(sa.select(sa.func.count()).select_from(EngineSnapshot)).scalar_one():
                    break
            time.sleep(0.05)
    finally:
        stop.set()
    assert not store.snapshot_due()
    advance(store, minutes=1)
    assert store.register_visit("13800000002").assigned_to == "B"


def test_visits_projection_records_who_received_each_visit(store: Store) -> None:
    first = store.register_visit("13800000001")
    advance(store, minutes=10)
    second = store.register_visit("13800000001", consultant="C")  # competing: still the owner's
    advance(store, minutes=10)
    store.register_visit("13900000009", consultant="B", face="F1")
    advance(store, minutes=10)
    merged = store.register_visit("13900000010", face="F1")  # one face, new phone: judged as the first
    with sa.orm.Session(store.engine) as session:
        rows = snapshot_rows(session)["visits"]
    got = [(seq, customer, registered, consultant, first_visit) for seq, _, customer, registered, consultant, _,
           first_visit, _ in rows]
    assert got == [
        (first.seq, first.customer_id, first.customer_id, "A", True),
        (second.seq, first.customer_id, first.customer_id, "A", False),
        (got[2][0], got[2][1], got[2][1], "B", True),
        (merged.seq, got[2][1], store.customer_id("13900000010"), "B", False),
    ]


def test_init_after_a_migration_fills_new_projection_tables(data_dir: Path) -> None:
    from admin.cli import main

    assert main(["init"]) == 0
    url = f"sqlite:///{data_dir / 'anchang.sqlite3'}"
    store = Store(make_engine(url), Keyring.load(data_dir), clock=ManualClock(T0))
    store.add_consultant("A")
    store.register_visit("13800000001", consultant="A")
    with sa.orm.Session(store.engine) as session:
        before = snapshot_rows(session)
    store.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:  # the database as the previous program version left it (no visits table)
        config = migrate._config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    engine.dispose()
    assert main(["init"]) == 0
    engine = make_engine(url)
    with sa.orm.Session(engine) as session:
        assert snapshot_rows(session) == before and before["visits"]
    engine.dispose()
