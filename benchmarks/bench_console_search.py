"""客户 page over 100,000 customers: search (first page of results, and its count), the list unfiltered and
deep in it, a consultant's scoped list, and opening a customer's page. Budgets (DESIGN.md, issue 8):
search ≤ 100 ms p95, opening a customer's page ≤ 150 ms p95.

    python benchmarks/bench_console_search.py [--quick] [--keep DIR] [--pg URL] [--samples N] [--only SQLite]

With --keep the SQLite file and the PostgreSQL schema stay for the next run (drop the schema by hand).
The site is the synthetic busy year (_synthetic.py: every fact judged by the engine) of 1,100,000 journal
entries (about 100,000 customers; --quick: a tenth), then Store.rebuild() for the projections. The
customers were written without search keys, so the first thing measured is the catch-up that indexes
them (what an existing site pays once, on the first search); then the customer page's journal index
is read once (what the page starts in the background when first shown). Timings are from the call to
the returned rows, on this process's Store, after one warm-up call of each kind. On PostgreSQL the
bulk-written tables are vacuumed and analysed as autovacuum would (see `vacuum`).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from db import migrate, search_keys
from db.database import make_engine
from db.keys import Keyring
from service.desk import Desk
from service.queries.customer_page import customer_page
from service.queries.customers import CustomerFilter, count_customers, list_customers
from service.queries.journal_index import index_of, warm
from service.store import ManualClock, Store
from service.users import User

try:
    from benchmarks._synthetic import (
        CONSULTANTS,
        SURNAMES,
        Stopwatch,
        drop_schema,
        percentile,
        pg_schema_url,
        write_year,
    )
    from benchmarks.bench_rebuild import journal_size
except ModuleNotFoundError:  # run as a file: python benchmarks/bench_console_search.py
    from _synthetic import (
        CONSULTANTS,
        SURNAMES,
        Stopwatch,
        drop_schema,
        percentile,
        pg_schema_url,
        write_year,
    )
    from bench_rebuild import journal_size

SEARCH_BUDGET_MS = 100.0
OPEN_BUDGET_MS = 150.0
PAGE = 200  # console.widgets.PAGE_SIZE


def timed(samples: int, call: Callable[[int], Any]) -> list[float]:
    call(0)  # warm-up: statement caches, the first import of pypinyin
    times = []
    for i in range(samples):
        clock = Stopwatch()
        call(i)
        times.append(clock.seconds() * 1000)
    return times


def row(name: str, times: list[float], budget: float | None = None) -> None:
    verdict = "" if budget is None else ("within" if percentile(times, 0.95) <= budget else "OVER") + \
        f" (≤ {budget:.0f} ms)"
    print(f"{name:<44} {len(times):>5} {percentile(times, 0.5):>8.1f} {percentile(times, 0.95):>8.1f} "
          f"{max(times):>8.1f}  {verdict}")


def prepare(url: str, work: Path, key_dir: Path, entries: int) -> None:
    if journal_size(url) == entries:
        return
    if url.startswith("sqlite"):
        (work / "site.sqlite3").unlink(missing_ok=True)
    migrate.upgrade(make_engine(url))
    keyring = Keyring.load(key_dir) if key_dir.exists() else Keyring.create(key_dir)
    clock = Stopwatch()
    year = write_year([make_engine(url)], keyring, entries, entries // 10,
                      progress=lambda n: print(f"  generated {n:,} entries ({clock.seconds():.0f} s)", flush=True))
    print(f"wrote {entries:,} entries, {len(year.people):,} customers in {clock.seconds():.0f} s", flush=True)
    del year
    clock = Stopwatch()
    store = Store(make_engine(url), keyring, station="bench")
    store.rebuild()
    print(f"projections rebuilt in {clock.seconds():.0f} s", flush=True)
    vacuum(store)
    store.dispose()


def vacuum(store: Store) -> None:
    """PostgreSQL: what autovacuum does soon after a bulk load, the planner's statistics and the visibility
    map (without it no index-only scan: the search keys' index would send every match to the table). The
    test cluster here runs with autovacuum off; a site's server runs it (PostgreSQL's default)."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")


def measure(name: str, url: str, key_dir: Path, samples: int) -> None:
    store = Store(make_engine(url), Keyring.load(key_dir), station="bench")
    clock = Stopwatch()
    site = store.site()
    store.clock = ManualClock(site.last_at or store.now())  # the year's last day: protections still running
    print(f"\n{name}: engine loaded in {clock.seconds():.1f} s, {len(site.customers):,} customers")
    clock = Stopwatch()
    indexed = search_keys.ensure_indexed(store.engine, store.keyring)
    print(f"search keys caught up for {indexed:,} customers in {clock.seconds():.1f} s (once per site)")
    if indexed:
        vacuum(store)
    clock = Stopwatch()
    warm(store)
    print(f"journal index read in {clock.seconds():.1f} s ({len(index_of(store).refs):,} keys; once per station)")

    manager = Desk(store, User(name="经理", role="manager", consultant=None, active=True))
    consultant = Desk(store, User(name=CONSULTANTS[0], role="consultant", consultant=CONSULTANTS[0], active=True))
    draw = random.Random(7)
    surnames = [draw.choice(SURNAMES) for _ in range(samples)]
    last4 = [f"{draw.randrange(10_000):04d}" for _ in range(samples)]
    initials = [f"{draw.choice('wlzcyhs')}n" for _ in range(samples)]  # 王女士 -> wns: "wn" finds a surname's women
    customers = [draw.choice(list(site.customers)) for _ in range(samples)]

    print(f"\n{'query':<44} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  budget")
    row("search by surname: first page", timed(samples, lambda i: list_customers(
        manager, CustomerFilter(text=surnames[i]), 0, PAGE)), SEARCH_BUDGET_MS)
    row("search by last 4 digits: first page", timed(samples, lambda i: list_customers(
        manager, CustomerFilter(text=last4[i]), 0, PAGE)), SEARCH_BUDGET_MS)
    row("search by pinyin initials: first page", timed(samples, lambda i: list_customers(
        manager, CustomerFilter(text=initials[i]), 0, PAGE)), SEARCH_BUDGET_MS)
    row("search by surname: count", timed(samples, lambda i: count_customers(
        manager, CustomerFilter(text=surnames[i]))), SEARCH_BUDGET_MS)
    row("list, no filter: first page", timed(samples, lambda i: list_customers(
        manager, CustomerFilter(), 0, PAGE)))
    row("list, no filter: page at row 50,000", timed(samples, lambda i: list_customers(
        manager, CustomerFilter(), 50_000, PAGE)))
    row("list, no filter: count", timed(samples, lambda i: count_customers(manager, CustomerFilter())))
    row("list, protected + channel filter: first page", timed(samples, lambda i: list_customers(
        manager, CustomerFilter(status="protected", channel="渠道A"), 0, PAGE)))
    row("consultant's own and pool: first page", timed(samples, lambda i: list_customers(
        consultant, CustomerFilter(), 0, PAGE)))
    row("consultant's search by surname: first page", timed(samples, lambda i: list_customers(
        consultant, CustomerFilter(text=surnames[i]), 0, PAGE)), SEARCH_BUDGET_MS)
    row("open a customer's page", timed(samples, lambda i: customer_page(manager, customers[i])), OPEN_BUDGET_MS)
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="110,000 entries (about 10,000 customers)")
    parser.add_argument("--keep", type=Path, help="directory for the SQLite site (reused when present)")
    parser.add_argument("--pg", default=os.environ.get("ANCHANG_BENCH_PG_URL"), help="also on this PostgreSQL")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--only", nargs="+", default=["SQLite", "PostgreSQL"], help="SQLite and/or PostgreSQL")
    args = parser.parse_args()
    entries = 110_000 if args.quick else 1_100_000
    work = args.keep or Path(tempfile.mkdtemp(prefix="anchang-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    key_dir = work / "keys"
    targets = {"SQLite": f"sqlite:///{work / 'site.sqlite3'}"}
    schema, kept = None, work / "pg_schema.txt"  # with --keep, the PostgreSQL schema is kept for the next run
    if args.pg:
        if args.keep and kept.exists():
            schema = kept.read_text().strip()
            sep = "&" if "?" in args.pg else "?"
            targets["PostgreSQL"] = f"{args.pg}{sep}options=-csearch_path%3D{schema}"
        else:
            targets["PostgreSQL"], schema = pg_schema_url(args.pg)
            if args.keep:
                kept.write_text(schema)
    try:
        for name, url in targets.items():
            if name in args.only:
                prepare(url, work, key_dir, entries)
                measure(name, url, key_dir, args.samples)
    finally:
        if schema and args.pg and not args.keep:
            drop_schema(args.pg, schema)


if __name__ == "__main__":
    main()
