"""The daily rollup: the additive figures of closed days (reports/day_counts.py) kept in daily_figures, so
a month or a year is read as a few hundred rows per day instead of grouping every visit again.

A day is closed once the journal holds an entry after its local midnight (entries are stamped in order).
Its rows are counted the first time a period holding it is read, and kept. A closed day's counts change
afterwards only through these entries, so the kept days they touch are dropped and counted again:

- `confirm` and `dismiss` of a check-in: the day of that visit (unverified count; a dismissed visit's group);
  and a dismissed one's customer: every day they visited (the day of the visit before a group, `since`);
- `case_decision` of a channel_conflict case: every day the customer visited (their groups' channel, and
  their first visit's: 带访 by channel);
- `warning_update`: the day the warning was raised (warnings by status); and a warning raised for a
  closed day (a sighting's warning is raised at the deadline it marks, maybe before midnight, once the
  next entry comes): that day. `daily_figures_mark` row 2 holds the newest warning seen.

Nothing else changes a closed day's rows: a visit's day, customer, receiving consultant, first-visit flag
and source are fixed when it is written; a claim's outcome, a case's kind and recommendation and a
decision are fixed; merges only ever join a number never seen to its customer; ownership, which changes
all the time, is not in the rollup (a consultant's own channels, stages, cases and warnings are counted
live), nor are reports (their status changes with later visits) or stage changes (counted as distinct
customers, which days do not add up to). Erasure deletes personal data, not these counts. `daily_figures_mark` row 1 holds the journal entry up
to which those entries were applied; rebuilding the projections empties all three tables.

Writing the rollup is the readers' work, in short transactions of their own (on SQLite queued with the
kiosks' writes, a month of days at a time): a kiosk never waits for a year to be counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.database import read_session, run_write
from db.models import (
    Case,
    Customer,
    DailyFigure,
    DailyFiguresDay,
    DailyFiguresMark,
    JournalEntry,
    VisitRecord,
)
from db.models import Warning as WarningRecord
from reports.day_counts import Row, day_rows
from reports.journal_sql import payload_field
from reports.period import LocalTime, between, local_date
from reports.tally import PER_DAY, Tally

WRITE_DAYS = 7  # days written per transaction (on SQLite a kiosk's check-in waits that long, once)
MARK_LAG = 5000  # entries the mark may fall behind before it is moved on its own
FORMAT = 3  # what day_counts.py counts: kept days of another format are counted again


class Position(NamedTuple):
    """How far the site has come: its last journal entry and its newest warning (and, as marked, the
    format of the kept rows)."""

    seq: int
    warning: int
    format: int = FORMAT


def _position(session: Session) -> tuple[Position, Any]:
    """The journal's last entry and the newest warning, and the time of that entry (None: no journal)."""
    row = session.execute(sa.select(JournalEntry.seq, JournalEntry.at).order_by(JournalEntry.seq.desc())
                          .limit(1)).first()
    warning = int(session.scalar(sa.select(sa.func.max(WarningRecord.id))) or 0)
    return (Position(0, warning), None) if row is None else (Position(int(row[0]), warning), row[1])


def _marked(session: Session, lock: bool = False) -> Position:
    """Where the kept days were last checked (row 1: the journal entry; row 2: the newest warning; row 0:
    the format they were counted in)."""
    query = sa.select(DailyFiguresMark.id, DailyFiguresMark.seq)
    found = dict(session.execute(query.with_for_update() if lock else query).all())
    return Position(int(found.get(1, 0)), int(found.get(2, 0)), int(found.get(0, 1 if found else FORMAT)))


def changed_days(session: Session, since: Position, upto: Position, zone: ZoneInfo) -> set[date]:
    """The local days whose kept counts what happened after `since` may have changed (see the module's text)."""
    moments: list[Any] = []
    if upto.warning > since.warning:  # a warning is raised at the deadline it marks, maybe a closed day
        moments += session.scalars(sa.select(WarningRecord.raised_at).where(WarningRecord.id > since.warning))
    if upto.seq > since.seq:
        dialect = session.get_bind().dialect.name
        in_range = [JournalEntry.seq > since.seq, JournalEntry.seq <= upto.seq]

        def field_of(kinds: tuple[str, ...], name: str) -> Any:
            return sa.select(payload_field(dialect, name, integer=True)).where(JournalEntry.kind.in_(kinds), *in_range)

        visit_entry = sa.orm.aliased(JournalEntry)
        moments += session.scalars(sa.select(visit_entry.at).where(
            visit_entry.seq.in_(field_of(("confirm", "dismiss"), "visit"))))
        moments += session.scalars(sa.select(VisitRecord.at).where(
            VisitRecord.customer_id.in_(field_of(("dismiss",), "customer"))))
        moments += session.scalars(sa.select(WarningRecord.raised_at).where(
            WarningRecord.id.in_(field_of(("warning_update",), "warning_id"))))
        customers = sa.select(Case.customer_id).where(Case.id.in_(field_of(("case_decision",), "case_id")),
                                                      Case.kind == "channel_conflict")
        moments += session.scalars(sa.select(VisitRecord.at).where(sa.or_(
            VisitRecord.customer_id.in_(customers),
            VisitRecord.customer_id.in_(sa.select(Customer.id).where(Customer.merged_into.in_(customers))))))
    return {local_date(at, zone) for at in moments}


def _ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days, as (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _count(session: Session, days: Iterable[date], zone: ZoneInfo, consultant: str | None = None) -> list[Row]:
    dialect = session.get_bind().dialect.name
    rows: list[Row] = []
    for first, last in _ranges(days):
        rows += day_rows(session, LocalTime(dialect, between(first, last, zone)), consultant)
    return rows


def refresh(engine: Engine, zone: ZoneInfo, first: date, last: date) -> None:
    """Keeps the closed days of first..last counted, and drops kept days that entries since the mark
    changed. Writes nothing when there is nothing to do (the common case: a refresh of today's figures)."""
    with read_session(engine) as session:
        now, head_at = _position(session)
        if head_at is None:
            return
        mark = _marked(session)
        closed_last = min(last, local_date(head_at, zone) - timedelta(days=1))
        wanted = {first + timedelta(days=i) for i in range((closed_last - first).days + 1)}
        kept = dict(session.execute(sa.select(DailyFiguresDay.day, DailyFiguresDay.zone)
                                    .where(DailyFiguresDay.day >= first, DailyFiguresDay.day <= last)).all())
        other_zone = mark.format != FORMAT or session.scalar(
            sa.select(sa.func.count()).select_from(DailyFiguresDay).where(DailyFiguresDay.zone != zone.key))
        stale = changed_days(session, mark, now, zone) if mark.seq or kept else set()
        # kept days something has changed since are counted again now (the write drops them first)
        missing = sorted(d for d in wanted if other_zone or kept.get(d) != zone.key or d in stale)
        if not missing and not other_zone and not (stale & set(kept)) and now.seq - mark.seq < MARK_LAG:
            return
        rows = _count(session, missing, zone)
    by_day: dict[date, list[Row]] = defaultdict(list)
    for row in rows:
        by_day[row[1]].append(row)
    chunks = [missing[i:i + WRITE_DAYS] for i in range(0, len(missing), WRITE_DAYS)] or [[]]
    for chunk in chunks:
        def work(session: Session, days: list[date] = chunk) -> None:
            _write(session, zone, now, days, by_day)

        run_write(engine, work, site_lock=engine.dialect.name == "sqlite")
    if engine.dialect.name == "postgresql" and len(missing) > WRITE_DAYS:
        # many days counted at once (the first read after a rebuild): without statistics until autovacuum
        # comes, the planner sorts a year's kept rows to group them (40 ms) instead of hashing them (18 ms)
        with engine.connect() as connection:
            connection.execute(sa.text("ANALYZE daily_figures, daily_figures_days"))
            connection.commit()


def _write(session: Session, zone: ZoneInfo, counted: Position, days: list[date], rows: dict[date, list[Row]]) -> None:
    """One transaction: applies what happened since the mark, then keeps `days` as counted at `counted`,
    but for those something since then has changed (they are counted another time)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # one rollup writer at a time (the kiosks' lock is not taken)
        session.execute(pg_insert(DailyFiguresMark).values([{"id": i, "seq": 0} for i in (0, 1, 2)])
                        .on_conflict_do_nothing())
    mark = _marked(session, lock=dialect == "postgresql")
    now, _ = _position(session)
    if mark.format != FORMAT or session.scalar(
            sa.select(sa.func.count()).select_from(DailyFiguresDay).where(DailyFiguresDay.zone != zone.key)):
        _drop(session, None)  # counted otherwise, or the site's time zone changed: every kept day is another day
    _drop(session, changed_days(session, mark, now, zone))
    keep = sorted(set(days) - changed_days(session, counted, now, zone))
    _drop(session, set(keep))
    values = [dict(zip(("scope", "day", "measure", "key", "detail", "n", "m"), row, strict=True))
              for day in keep for row in rows.get(day, [])]
    if values:
        session.execute(sa.insert(DailyFigure), values)
    if keep:
        session.execute(sa.insert(DailyFiguresDay),
                        [{"day": d, "zone": zone.key, "built_seq": counted.seq} for d in keep])
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = upsert(DailyFiguresMark).values([{"id": 0, "seq": FORMAT}, {"id": 1, "seq": max(mark.seq, now.seq)},
                                                 {"id": 2, "seq": max(mark.warning, now.warning)}])
    session.execute(statement.on_conflict_do_update(index_elements=["id"], set_={"seq": statement.excluded.seq}))


def _drop(session: Session, days: set[date] | None) -> None:
    """Forgets the kept counts of `days` (None: of every day)."""
    if days is not None and not days:
        return
    for model in (DailyFigure, DailyFiguresDay):
        statement = sa.delete(model)
        session.execute(statement if days is None else statement.where(model.day.in_(sorted(days))))


def tally(session: Session, zone: ZoneInfo, first: date, last: date, consultant: str | None = None,
          use_kept: bool = True) -> Tally:
    """The rows of first..last for the site (or `consultant`'s scope): kept days from the rollup, the
    others (today, or a day not kept yet) counted now."""
    scope = consultant or ""
    result = Tally()
    kept: set[date] = set()
    if use_kept:
        kept = set(session.scalars(sa.select(DailyFiguresDay.day).where(
            DailyFiguresDay.day >= first, DailyFiguresDay.day <= last, DailyFiguresDay.zone == zone.key)))
    if kept:
        within = [DailyFigure.scope == scope, DailyFigure.day >= first, DailyFigure.day <= last,
                  DailyFigure.day.in_(sorted(kept)) if len(kept) < (last - first).days + 1 else sa.true()]
        for day, measure, n, m in session.execute(
                sa.select(DailyFigure.day, DailyFigure.measure, DailyFigure.n, DailyFigure.m)
                .where(*within, DailyFigure.measure.in_(PER_DAY))):
            result.add(day, measure, "", "", n, m)
        for measure, key, detail, n, m in session.execute(
                sa.select(DailyFigure.measure, DailyFigure.key, DailyFigure.detail, sa.func.sum(DailyFigure.n),
                          sa.func.sum(DailyFigure.m))
                .where(*within, DailyFigure.measure.not_in(PER_DAY))
                .group_by(DailyFigure.measure, DailyFigure.key, DailyFigure.detail)):
            result.add(first, measure, key, detail, n, m)
    live = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    for row in _count(session, [d for d in live if d not in kept], zone, consultant):
        if row[0] == scope:
            result.add(*row[1:])
    return result
