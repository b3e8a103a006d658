"""A station's clock against the journal (db/clock.py): a clock that jumped ahead is refused before it
stamps anything, a slow one is named, a long closure still reopens, and an administrator can always
accept the clock, so the office is never stuck. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import migrate
from db.clock import CLOCK_TOLERANCE, ClockRefused
from db.database import DatabaseUnavailable, make_engine
from db.keys import Keyring
from db.models import JournalEntry
from service.store import ManualClock, Store, SystemClock

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0, checked=True)  # stands for this PC's clock, checked like a real one


@pytest.fixture
def store(db_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=clock, station="kiosk1")
    s.add_consultant("A")
    s.add_consultant("B")
    s.set_duty(["A", "B"])
    yield s
    s.dispose()


def journal_times(store: Store) -> list[datetime]:
    with store.engine.connect() as conn:
        return [at for (at,) in conn.execute(sa.select(JournalEntry.at).order_by(JournalEntry.seq))]


def test_a_clock_that_jumped_years_ahead_stamps_nothing_and_time_goes_on(store: Store, clock: ManualClock) -> None:
    before, engine_cache = journal_times(store), store.site()
    clock.at = datetime(2030, 6, 1, tzinfo=UTC)
    with pytest.raises(ClockRefused, match="max_clock_jump_days") as refused:
        store.register_visit("13800000001")
    assert "anchang clock accept" in str(refused.value) and "时钟" in str(refused.value)
    # like an unreachable database: the kiosk's outbox keeps the check-in for later instead of rejecting it
    assert isinstance(refused.value, DatabaseUnavailable) and not isinstance(refused.value, ValueError)
    assert store.site() is engine_cache  # nothing to reload: the station's engine was never touched
    assert journal_times(store) == before  # nothing written, not even a customer's entry
    with pytest.raises(ClockRefused):
        store.add_consultant("C")  # facts the engine does not judge are refused the same way

    clock.at = T0 + timedelta(hours=1)  # the clock is set right again
    first = store.register_visit("13800000001")
    clock.at = T0 + timedelta(hours=2)
    second = store.register_visit("13800000002")
    assert (first.at, second.at) == (T0 + timedelta(hours=1), T0 + timedelta(hours=2))  # time was not frozen
    assert max(journal_times(store)) < datetime(2027, 1, 1, tzinfo=UTC)


def test_a_closure_within_the_bound_reopens_unasked(store: Store, clock: ManualClock) -> None:
    store.register_visit("13800000001")
    clock.at = T0 + timedelta(days=45)  # Spring Festival and then some: below the 60-day default
    assert store.register_visit("13800000001").at == T0 + timedelta(days=45)


def test_the_bound_is_a_rule(store: Store, clock: ManualClock) -> None:
    store.change_rules({"site.max_clock_jump_days": 400})
    clock.at = T0 + timedelta(days=365)
    assert store.register_visit("13800000001").at == T0 + timedelta(days=365)
    clock.at += timedelta(days=5)
    store.change_rules({"site.max_clock_jump_days": 2})
    clock.at += timedelta(days=3)
    with pytest.raises(ClockRefused):
        store.register_visit("13800000002")


def test_an_administrator_accepts_a_long_jump(store: Store, clock: ManualClock, db_url: str) -> None:
    clock.at = T0 + timedelta(days=200)  # the office was closed for months
    with pytest.raises(ClockRefused):
        store.register_visit("13800000001")
    store.accept_clock(actor="admin")
    assert store.register_visit("13800000001").at == T0 + timedelta(days=200)
    with store.engine.connect() as conn:
        kinds = list(conn.execute(sa.select(JournalEntry.kind, JournalEntry.actor).order_by(JournalEntry.seq)))
    assert ("clock_accepted", "admin") in kinds


def test_a_slow_clock_is_named_and_refused(store: Store, clock: ManualClock) -> None:
    store.register_visit("13800000001")
    clock.at = T0 - timedelta(hours=3)
    with pytest.raises(ClockRefused, match="this station's clock is wrong") as refused:
        store.register_visit("13800000002")
    assert "#4" in str(refused.value) and "kiosk1" in str(refused.value)  # the entry and station it is behind
    clock.at = T0 - CLOCK_TOLERANCE / 2  # a small correction (NTP): kept in order at the journal's time
    assert store.register_visit("13800000002").at == T0


def test_a_journal_ahead_of_the_real_time_does_not_stop_the_office(store: Store, clock: ManualClock,
                                                                   db_url: str, tmp_path: Path) -> None:
    """A fast clock wrote within the bound (3 h ahead), then was set right: writes are refused until an
    administrator accepts; then they carry the journal's time, openly, until the real time passes it."""
    clock.at = T0 + timedelta(hours=3)
    store.register_visit("13800000001")
    clock.at = T0 + timedelta(minutes=10)
    with pytest.raises(ClockRefused):
        store.register_visit("13800000002")
    running = Store(make_engine(db_url), store.keyring, clock=clock, station="kiosk3")
    running.site()  # a station already running, that reads before it writes
    store.accept_clock()
    assert store.register_visit("13800000002").at == T0 + timedelta(hours=3)
    other = Store(make_engine(db_url), store.keyring, clock=clock, station="kiosk2")  # started afterwards
    clock.at = T0 + timedelta(minutes=20)
    assert other.register_visit("13800000003").at == T0 + timedelta(hours=3)
    running.site()
    assert running.register_visit("13800000006").at == T0 + timedelta(hours=3)
    running.dispose()
    clock.at = T0 + timedelta(hours=4)
    assert other.register_visit("13800000004").at == T0 + timedelta(hours=4)
    assert store.register_visit("13800000005").at == T0 + timedelta(hours=4)
    other.dispose()


def test_a_deliberate_clock_is_not_checked(db_url: str, tmp_path: Path) -> None:
    """Scenario replays and imports set their times on purpose (months apart): no refusal."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    clock = ManualClock(T0)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=clock)
    s.add_consultant("A")
    s.set_duty(["A"])
    clock.at = T0 + timedelta(days=400)
    assert s.register_visit("13800000001").at == T0 + timedelta(days=400)
    s.dispose()


def test_postgresql_takes_the_servers_time(pg_url: str, tmp_path: Path) -> None:
    """Several stations: the station's own clock plays no part; the write carries the server's time."""
    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=SystemClock())
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
    s.add_consultant("A")
    s.set_duty(["A"])
    result = s.register_visit("13800000001")
    with engine.connect() as conn:
        after = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
    assert before <= result.at <= after
    s.dispose()


def test_cli_clock_accept(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    from admin.cli import main

    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["clock", "accept"]) == 0
    assert "the station clock is accepted" in capsys.readouterr().out
    with make_engine(db_url).connect() as conn:
        assert conn.execute(sa.select(JournalEntry.actor).where(JournalEntry.kind == "clock_accepted")).scalar_one() \
            == "admin"
