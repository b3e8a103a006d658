"""Dashboard figures and printed reports on a busy site.

    python benchmarks/bench_reports.py [--quick] [--entries N] [--pg URL] [--keep DIR] [--pg-schema NAME]

The site is a synthetic year (see _synthetic.py: 1,000,000 journal entries, or --quick a tenth) with its
projections rebuilt; with --pg (or ANCHANG_TEST_PG_URL) the same year on PostgreSQL too. Reads run on a
warm store, as the console's worker does: the figures (reports/figures.py) for the last day, its week,
its month and the whole year, and a consultant's month, RUNS times each (p50 / p95 ms), after the
year's closed days have been counted into the daily rollup once (timed: the first read after a rebuild);
then the daily PDF (with the previous evening's checkpoint kept, as the daily reports keep them, and once without any:
the chain then is checked from the first entry), the monthly PDF with its charts, the monthly workbook
and a channel's commission statement.

Budgets (issue 9): dashboard figures over 1,000,000 visits ≤ 300 ms; a month's PDF ≤ 5 s; a daily PDF ≤ 1 s.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from db import migrate
from db.database import make_engine, read_session
from db.keys import Keyring
from db.models import DailyFigure, DailyFiguresDay, DailyFiguresMark, VisitRecord
from reports import rollup
from reports.checkpoint import signed_checkpoint
from reports.documents import commission_document, daily_document, periodic_document
from reports.figures import figures
from reports.pdf import render_pdf
from reports.period import between, day_of, month_of, week_of
from reports.xlsx import render_xlsx
from service.store import ManualClock, Store

try:
    from benchmarks._synthetic import (
        CHANNELS,
        CONSULTANTS,
        Stopwatch,
        drop_schema,
        percentile,
        pg_schema_url,
        write_year,
    )
    from benchmarks.bench_rebuild import journal_size
except ModuleNotFoundError:  # run as a file: python benchmarks/bench_reports.py
    from _synthetic import (  # type: ignore[no-redef]
        CHANNELS,
        CONSULTANTS,
        Stopwatch,
        drop_schema,
        percentile,
        pg_schema_url,
        write_year,
    )
    from bench_rebuild import journal_size  # type: ignore[no-redef]

RUNS = 10
FIGURES_BUDGET_MS, DAILY_BUDGET_S, MONTHLY_BUDGET_S = 300.0, 1.0, 5.0


def timed(work: Callable[[], Any], runs: int = RUNS) -> tuple[float, float, float]:
    """(first, p50, p95) in seconds: the first call, then `runs` warm ones."""
    clock = Stopwatch()
    work()
    first = clock.seconds()
    times = []
    for _ in range(runs):
        clock = Stopwatch()
        work()
        times.append(clock.seconds())
    return first, percentile(times, 0.5), percentile(times, 0.95)


def _pdf(document: Any) -> int:
    buffer = io.BytesIO()
    render_pdf(document, buffer)
    return len(buffer.getvalue())


def _xlsx(document: Any) -> int:
    buffer = io.BytesIO()
    render_xlsx(document, buffer)
    return len(buffer.getvalue())


def measure(name: str, url: str, key_dir: Path) -> None:
    store = Store(make_engine(url), Keyring.load(key_dir), station="bench")
    last_at = store.site().last_at
    assert last_at is not None
    store.clock = ManualClock(last_at)
    zone = store.rules_at(last_at).timezone
    last_day = last_at.astimezone(zone).date() - timedelta(days=1)  # the last complete day
    last_month = last_day if last_day.day >= 28 else last_day - timedelta(days=last_day.day)  # and month
    with read_session(store.engine) as session:
        visits = session.scalar(sa.select(sa.func.count()).select_from(VisitRecord)) or 0
        first_at = session.scalar(sa.select(sa.func.min(VisitRecord.at)))
    assert first_at is not None
    periods = {"day": day_of(last_day, zone), "week": week_of(last_day, zone), "month": month_of(last_month, zone),
               "year": between(first_at.astimezone(zone).date(), last_day, zone)}
    print(f"\n{name}: {visits:,} visits in the visits table; the day {last_day}, the month {last_month:%Y-%m}; "
          f"load average {os.getloadavg()[0]:.1f}")
    with store.engine.begin() as conn:  # as after a rebuild: no closed day kept yet
        for model in (DailyFigure, DailyFiguresDay, DailyFiguresMark):
            conn.execute(sa.delete(model))
    clock = Stopwatch()
    year = periods["year"]
    rollup.refresh(store.engine, zone, year.first, year.last)
    print(f"counting and keeping the year's closed days (the first read after a rebuild): {clock.seconds():.1f} s")
    print(f"{'figures':<28} {'visits in period':>16} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}  budget")
    for label, period in periods.items():
        with read_session(store.engine) as session:
            inside = session.scalar(sa.select(sa.func.count()).select_from(VisitRecord)
                                    .where(VisitRecord.at >= period.start, VisitRecord.at < period.end)) or 0
        first, p50, p95 = timed(lambda period=period: figures(store, period))
        verdict = "within" if p95 * 1000 <= FIGURES_BUDGET_MS else "OVER"
        print(f"{'site, ' + label:<28} {inside:>16,} {first * 1000:>9.0f} {p50 * 1000:>8.0f} {p95 * 1000:>8.0f}  "
              f"{verdict} (≤ {FIGURES_BUDGET_MS:.0f} ms)")
    first, p50, p95 = timed(lambda: figures(store, periods["month"], consultant=CONSULTANTS[0]))
    print(f"{'consultant ' + CONSULTANTS[0] + ', month':<26} {'':>16} {first * 1000:>9.0f} {p50 * 1000:>8.0f} "
          f"{p95 * 1000:>8.0f}")

    day = periods["day"]
    evening_before = signed_checkpoint(store, day.start)  # what yesterday's daily report kept
    print(f"{'printed':<28} {'size KB':>16} {'first s':>9} {'p50 s':>8} {'p95 s':>8}  budget")
    rows: list[tuple[str, Callable[[], int], float | None, int]] = [
        ("daily PDF", lambda: _pdf(daily_document(store, day, kept=[evening_before])), DAILY_BUDGET_S, 5),
        ("daily PDF, no kept checkpoint", lambda: _pdf(daily_document(store, day)), DAILY_BUDGET_S, 1),
        ("monthly PDF (charts)", lambda: _pdf(periodic_document(store, periods["month"])), MONTHLY_BUDGET_S, 3),
        ("monthly workbook", lambda: _xlsx(periodic_document(store, periods["month"])), None, 3),
        ("commission statement PDF",
         lambda: _pdf(commission_document(store, next(iter(CHANNELS)), periods["month"], kept=[evening_before])),
         None, 3),
    ]
    for label, work, budget, runs in rows:
        size = work()
        first, p50, p95 = timed(work, runs)
        verdict = "" if budget is None else ("within" if p95 <= budget else "OVER") + f" (≤ {budget:.0f} s)"
        print(f"{label:<28} {size / 1024:>16,.0f} {first:>9.2f} {p50:>8.2f} {p95:>8.2f}  {verdict}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    store.dispose()


def kept_schema_url(base: str, schema: str) -> str:
    """The URL of a PostgreSQL schema that outlives the run (made when absent)."""
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 entries instead of 1,000,000")
    parser.add_argument("--entries", type=int, help="journal entries (customers: one in ten)")
    parser.add_argument("--pg", default=os.environ.get("ANCHANG_TEST_PG_URL"), help="also on this PostgreSQL")
    parser.add_argument("--keep", type=Path, help="directory for the SQLite site (reused when present)")
    parser.add_argument("--pg-schema", help="PostgreSQL schema for the site, kept (reused when present)")
    args = parser.parse_args()
    entries = args.entries or (100_000 if args.quick else 1_000_000)
    work = args.keep or Path(tempfile.mkdtemp(prefix="anchang-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    key_dir = work / "keys"
    targets = {"SQLite": f"sqlite:///{work / 'site.sqlite3'}"}
    schema = None
    if args.pg and args.pg_schema:
        targets["PostgreSQL"] = kept_schema_url(args.pg, args.pg_schema)
    elif args.pg:
        targets["PostgreSQL"], schema = pg_schema_url(args.pg)
    try:
        fresh = {name: url for name, url in targets.items() if journal_size(url) != entries}
        if fresh:
            for url in fresh.values():
                if url.startswith("sqlite"):
                    (work / "site.sqlite3").unlink(missing_ok=True)
                migrate.upgrade(make_engine(url))
            keyring = Keyring.load(key_dir) if key_dir.exists() else Keyring.create(key_dir)
            clock = Stopwatch()
            year = write_year([make_engine(url) for url in fresh.values()], keyring, entries, entries // 10,
                              progress=lambda n: print(f"  generated {n:,} entries ({clock.seconds():.0f} s)"))
            days = (year.site.last_at - year.people[0].created_at) / timedelta(days=1) if year.site.last_at else 0
            del year
            for url in fresh.values():
                Store(make_engine(url), keyring, station="bench").rebuild()
            print(f"wrote {entries:,} entries over {days:.0f} days and rebuilt the projections in "
                  f"{clock.seconds():.0f} s ({', '.join(fresh)})")
        for name, url in targets.items():
            migrate.upgrade(make_engine(url))  # a kept site made by an older program
            measure(name, url, key_dir)
    finally:
        if schema and args.pg:
            drop_schema(args.pg, schema)


if __name__ == "__main__":
    main()
