"""The 判客 and 公海 pages' reads on a busy site: a page of cases (first and deep), a case with its evidence,
a page of the pool (first and deep), the pool's size and a consultant's claim allowance.

    python benchmarks/bench_cases_pool.py [--quick] [--entries N] [--keep DIR]

The site is a synthetic year (see _synthetic.py: 1,000,000 entries and 100,000 customers, or --quick a
tenth of that) with its projections rebuilt. Each read runs on a warm store (as a console's worker does)
and is timed RUNS times; the figures are p50 and p95 in milliseconds. No budget in DESIGN.md names these
pages; the customers page's 150 ms for opening a page is the yardstick printed beside them.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from service.desk import Desk
from service.queries import cases, pool
from service.store import ManualClock, Store
from service.users import User

try:
    from benchmarks._synthetic import CONSULTANTS, Stopwatch, percentile, write_year
    from benchmarks.bench_rebuild import journal_size
except ModuleNotFoundError:  # run as a file: python benchmarks/bench_cases_pool.py
    from _synthetic import CONSULTANTS, Stopwatch, percentile, write_year  # type: ignore[no-redef]
    from bench_rebuild import journal_size  # type: ignore[no-redef]

RUNS = 20
YARDSTICK_MS = 150.0  # opening a customer's page (DESIGN.md budgets)
PAGE = 200  # console.widgets.PAGE_SIZE


def timed(read: Callable[[], Any]) -> tuple[float, float, Any]:
    read()  # warm: the engine cache and the database's pages
    times, result = [], None
    for _ in range(RUNS):
        clock = Stopwatch()
        result = read()
        times.append(clock.seconds() * 1000)
    return percentile(times, 0.5), percentile(times, 0.95), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 entries instead of 1,000,000")
    parser.add_argument("--entries", type=int, help="journal entries (customers: one in ten)")
    parser.add_argument("--keep", type=Path, help="directory for the SQLite site (reused when present)")
    args = parser.parse_args()
    entries = args.entries or (100_000 if args.quick else 1_000_000)
    work = args.keep or Path(tempfile.mkdtemp(prefix="anchang-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    url, key_dir = f"sqlite:///{work / 'site.sqlite3'}", work / "keys"
    if journal_size(url) != entries:
        (work / "site.sqlite3").unlink(missing_ok=True)
        migrate.upgrade(make_engine(url))
        keyring = Keyring.load(key_dir) if key_dir.exists() else Keyring.create(key_dir)
        year = write_year([make_engine(url)], keyring, entries, entries // 10)
        del year
        Store(make_engine(url), keyring, station="bench").rebuild()
    store = Store(make_engine(url), Keyring.load(key_dir), station="bench")
    store.site()
    assert store.site().last_at is not None
    store.clock = ManualClock(store.site().last_at)
    manager = Desk(store, User("经理", "manager", None, True))
    consultant = Desk(store, User(CONSULTANTS[0], "consultant", CONSULTANTS[0], True))
    counts = cases.case_counts(manager)
    size = pool.pool_size(manager)
    first_case = cases.list_cases(manager, cases.DECIDED, 0, 1)[0].id
    deep_cases = max(0, min(counts[cases.DECIDED] - PAGE, 50 * PAGE))
    deep_pool = max(0, min(size - PAGE, 100 * PAGE))
    reads: list[tuple[str, Callable[[], Any]]] = [
        ("case counts (manager)", lambda: cases.case_counts(manager)),
        ("decided cases, first page", lambda: cases.list_cases(manager, cases.DECIDED, 0, PAGE)),
        (f"decided cases, page at {deep_cases:,}", lambda: cases.list_cases(manager, cases.DECIDED, deep_cases, PAGE)),
        ("a consultant's decided cases, first page", lambda: cases.list_cases(consultant, cases.DECIDED, 0, PAGE)),
        ("one case with its evidence", lambda: cases.case_detail(manager, first_case)),
        ("pool size", lambda: pool.pool_size(manager)),
        ("pool, first page", lambda: pool.pool_rows(consultant, 0, PAGE)),
        (f"pool, page at {deep_pool:,}", lambda: pool.pool_rows(consultant, deep_pool, PAGE)),
        ("claim allowance", lambda: pool.claim_allowance(consultant)),
    ]
    print(f"判客 / 公海 reads on a {entries:,}-entry site: {counts[cases.OPEN]:,} open and "
          f"{counts[cases.DECIDED]:,} decided cases, {size:,} customers in the pool (SQLite, {RUNS} runs)")
    print(f"{'read':<44} {'p50 ms':>8} {'p95 ms':>8}  vs {YARDSTICK_MS:.0f} ms")
    for name, read in reads:
        p50, p95, _ = timed(read)
        print(f"{name:<44} {p50:>8.1f} {p95:>8.1f}  {'within' if p95 <= YARDSTICK_MS else 'OVER'}")


if __name__ == "__main__":
    main()
