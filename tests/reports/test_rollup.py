"""The daily rollup (reports/rollup.py) on the seeded site (tests/reports/seed.py), on SQLite and
PostgreSQL: closed days are kept, the figures from kept days equal the figures counted from the
projections, and what changes a closed day afterwards (a check-in confirmed, a channel verdict, a warning
handled, a rebuild) drops it to be counted again. Pool claims keep the engine's outcome.

Added to the seed (D3 is 2026-03-03, read from D4 on, when an entry after D3's midnight closes it):
  D3 19:00 王丽 claims D, 李强's: refused, not in the pool; 19:05 李强 releases D; 19:10 王丽 claims D:
  refused, she released D on D2 (7-day cooldown); 19:15 the manager sets the cooldown to 0 and the daily
  claim limit to 1; 19:20 王丽 claims D: accepted; 19:25 she releases B; 19:30 she claims B: refused,
  her one claim of the day is used; 19:35 李强 claims B: accepted (his last claim was on D2).
  D3 20:00 链家 reports G; 21:00 G arrives declaring 贝壳/周杰: 链家's valid report wins (report_protect),
  a channel_conflict case is opened for 贝壳.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from db.models import DailyFigure, DailyFiguresDay
from reports.data import ChannelFigures, Count, Figures
from reports.figures import figures
from reports.period import day_of, month_of
from tests.reports.seed import CONSULTANTS, ZONE, B, D, G, Seeded, local

MARCH = month_of(date(2026, 3, 1), ZONE)
D1, D2, D3, D4 = (date(2026, 3, d) for d in range(1, 5))



def _at(seeded: Seeded, day: int, hour: int, minute: int = 0) -> None:
    seeded.store.clock.at = local(day, hour, minute)  # type: ignore[attr-defined]


def _kept_days(seeded: Seeded) -> set[date]:
    with seeded.store.engine.connect() as conn:
        return {d if isinstance(d, date) else date.fromisoformat(d)
                for d in conn.scalars(sa.select(DailyFiguresDay.day))}


def _both(seeded: Seeded, consultant: str | None = None) -> Figures:
    """March's figures from the kept days, after checking they equal those counted from the projections."""
    now = seeded.store.clock.at  # type: ignore[attr-defined]
    kept = figures(seeded.store, MARCH, consultant, now=now)
    assert kept == figures(seeded.store, MARCH, consultant, now=now, use_kept=False)
    return kept


def _add_claims_and_a_channel_conflict(seeded: Seeded) -> int:
    store = seeded.store
    _at(seeded, 3, 19, 0)
    assert store.claim(D, "王丽").outcome.claim == "not_in_pool"
    _at(seeded, 3, 19, 5)
    store.release(D, "李强")
    _at(seeded, 3, 19, 10)
    assert store.claim(D, "王丽").outcome.claim == "reclaim_cooldown"
    _at(seeded, 3, 19, 15)
    store.change_rules({"pool.reclaim_cooldown_days": 0, "pool.daily_claim_limit": 1}, actor="经理")
    _at(seeded, 3, 19, 20)
    assert store.claim(D, "王丽").outcome.claim == "accepted"
    _at(seeded, 3, 19, 25)
    store.release(B, "王丽")
    _at(seeded, 3, 19, 30)
    assert store.claim(B, "王丽").outcome.claim == "daily_limit"
    _at(seeded, 3, 19, 35)
    assert store.claim(B, "李强").outcome.claim == "accepted"
    _at(seeded, 3, 20, 0)
    store.record_report("链家", "郑伟", G, name="高先生")
    _at(seeded, 3, 21, 0)
    cases = store.register_visit(G, name="高先生", channel="贝壳", agent="周杰", ref="ref-G",
                                 arrived_at=local(3, 21, 0), source="渠道带看").outcome.new_cases
    assert [(c.kind, c.claimant, c.recommended) for c in cases] == [("channel_conflict", "贝壳", "链家")]
    _at(seeded, 4, 9, 0)
    store.set_busy("李强", True)  # an entry on D4: D3 is closed
    return cases[0].id


def test_closed_days_are_kept_and_equal_the_projections(seeded: Seeded) -> None:
    """Read at D3 18:00: D1 and D2 are closed and kept, D3 (today) is counted live; every period and
    every consultant's own figures are the same from the kept days as from the projections."""
    assert _kept_days(seeded) == set()
    f = _both(seeded)
    assert _kept_days(seeded) == {D1, D2}
    assert (f.visits.groups, f.visits.first, f.visits.registrations, f.visits.unverified) == (8, 6, 9, 1)
    for consultant in CONSULTANTS:
        _both(seeded, consultant)
    now = seeded.store.clock.at  # type: ignore[attr-defined]
    for day in (D1, D2, D3):
        period = day_of(day, ZONE)
        assert figures(seeded.store, period, now=now) == figures(seeded.store, period, now=now, use_kept=False)
    with seeded.store.engine.connect() as conn:  # B's visits at 23:50 and 00:10: a group on each day
        groups = dict(conn.execute(sa.select(DailyFigure.day, DailyFigure.n).where(
            DailyFigure.scope == "", DailyFigure.measure == "groups")).all())
    assert {(d if isinstance(d, date) else date.fromisoformat(d)): n for d, n in groups.items()} == {D1: 5, D2: 3}


def test_pool_claims_count_their_outcomes(seeded: Seeded) -> None:
    _add_claims_and_a_channel_conflict(seeded)
    f = _both(seeded)  # D3 now kept too
    assert D3 in _kept_days(seeded)
    board = {c.consultant: c for c in f.consultants}
    assert (board["王丽"].claims, board["王丽"].claimed) == (4, 1)
    assert board["王丽"].refused == (Count("daily_limit", 1), Count("not_in_pool", 1), Count("reclaim_cooldown", 1))
    assert (board["李强"].claims, board["李强"].claimed, board["李强"].refused) == (2, 2, ())  # D on D2, B on D3
    own = _both(seeded, "王丽").consultants
    assert [(c.consultant, c.claims, c.claimed, len(c.refused)) for c in own] == [("王丽", 4, 1, 3)]
    d2 = figures(seeded.store, day_of(D2, ZONE)).consultants
    assert [(c.consultant, c.claims, c.claimed) for c in d2 if c.claims] == [("李强", 1, 1)]


def test_what_changes_a_closed_day_drops_it(seeded: Seeded) -> None:
    store = seeded.store
    case_id = _add_claims_and_a_channel_conflict(seeded)
    before = _both(seeded)
    assert _kept_days(seeded) == {D1, D2, D3}
    assert before.visits.by_channel == (Count("natural", 6), Count("链家", 2), Count("贝壳", 1))  # G: 链家's
    assert [(c.channel, c.visits) for c in before.channels] == [("natural", 3), ("贝壳", 1), ("链家", 2)]
    assert before.visits.unverified == 1  # E's check-in of D2

    _at(seeded, 4, 10, 0)
    store.confirm_visit("13800000005", by="前台")  # E's check-in of D2 confirmed a day later
    after = _both(seeded)
    assert (after.visits.unverified, after.visits.registrations) == (0, 10)
    assert after.channels[0] == ChannelFigures("natural", reports=0, valid_reports=0, visits=4, pledges=1, deals=0,
                                               commissioned=0)  # 带访 (natural): E's first visit is D2's now
    assert _kept_days(seeded) == {D1, D2, D3}  # D2 dropped and counted again in the same refresh

    _at(seeded, 4, 11, 0)
    store.decide_case(case_id, "贝壳", "渠道经理核实：周杰先带看", by="经理")  # G's channel, on D3, is 贝壳's now
    after = _both(seeded)
    assert after.visits.by_channel == (Count("natural", 6), Count("贝壳", 2), Count("链家", 1))
    assert [(c.channel, c.visits) for c in after.channels] == [("natural", 4), ("贝壳", 2), ("链家", 1)]

    _at(seeded, 4, 12, 0)
    store.update_warning(seeded.warnings["repeat_visits_no_pledge"], "resolved", "已跟进", by="经理")  # raised D2
    after = _both(seeded)
    repeat = next(k for k in after.warnings.by_kind if k.kind == "repeat_visits_no_pledge")
    assert (repeat.raised, repeat.active, repeat.resolved) == (1, 0, 1)

    with store.engine.connect() as conn:
        rows = conn.scalar(sa.select(sa.func.count()).select_from(DailyFigure))
    assert rows
    store.rebuild()  # the projections rewritten: the rollup is emptied, then counted again when read
    assert _kept_days(seeded) == set()
    assert _both(seeded) == after


def test_a_read_that_finds_nothing_to_keep_writes_nothing(seeded: Seeded) -> None:
    """Today's figures refreshed again and again (the big screen) send no write."""
    store = seeded.store
    figures(store, day_of(D3, ZONE))
    written: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            written.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            figures(store, day_of(D3, ZONE))
            figures(store, MARCH)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    assert written == []


def test_many_days_counted_at_once_leave_the_planner_statistics(seeded: Seeded) -> None:
    """PostgreSQL: a read that keeps more than a week of days (the first after a rebuild) analyses the
    rollup, so the next reads' plans see its rows (autovacuum may come minutes later)."""
    store = seeded.store
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's")

    def rows_known() -> float:
        with store.engine.connect() as conn:
            return float(conn.scalar(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'daily_figures'::regclass")))

    _at(seeded, 20, 9, 0)
    store.set_busy("李强", True)  # an entry on D20: 19 closed days to keep
    before = rows_known()
    f = figures(store, MARCH)
    assert len(_kept_days(seeded)) == 19 and f.visits.groups == 8
    assert before <= 0 < rows_known()  # -1 (never analysed) before, the kept rows after
