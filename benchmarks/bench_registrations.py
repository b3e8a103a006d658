"""Registrations per second with 8 kiosks writing at once, each a process with its own Store.

    python benchmarks/bench_registrations.py [--quick] [--pg URL] [--writers 8] [--per-writer 1000] [--only DB]

SQLite is a fresh file; PostgreSQL (--pg or ANCHANG_TEST_PG_URL) a fresh schema, dropped afterwards.
Every writer walks the same phones in its own order, so new and returning visitors interleave and many
registrations of one phone collide. Latency is tap to committed (Store.register_visit) per registration;
`stmts` is the statements each check-in sends to the database: a round trip each, all of them while
the site's write lock is held (commit not counted).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from db.service import Store

try:
    from benchmarks._synthetic import CONSULTANTS, drop_schema, percentile, pg_schema_url, phone_of
except ModuleNotFoundError:  # run as a file: python benchmarks/bench_registrations.py
    from _synthetic import CONSULTANTS, drop_schema, percentile, pg_schema_url, phone_of

CHECKIN_BUDGET_MS = 100.0


def kiosk(url: str, key_dir: Path, number: int, phones: list[str], barrier: Any, results: Any) -> None:
    store = Store(make_engine(url), Keyring.load(key_dir), station=f"kiosk{number}")
    store.site()
    statements = [0]  # sent to the database by the check-ins: each is a round trip, most inside the lock

    @event.listens_for(store.engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        statements[0] += 1
    random.Random(number).shuffle(phones)
    barrier.wait()
    started = time.time()
    latencies = []
    for phone in phones:
        start = time.perf_counter()
        store.register_visit(phone)
        latencies.append((time.perf_counter() - start) * 1000)
    results.put((started, time.time(), latencies, statements[0]))


def run(url: str, writers: int, per_writer: int) -> tuple[float, list[float], float]:
    key_dir = Path(tempfile.mkdtemp(prefix="anchang-keys-"))
    store = Store(make_engine(url), Keyring.create(key_dir / "keys"), station="console")
    migrate.upgrade(store.engine)
    for name in CONSULTANTS[:8]:
        store.add_consultant(name)
    store.set_duty(CONSULTANTS[:8])
    phones = [phone_of(n) for n in range(1, per_writer + 1)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(writers), context.Queue()
    processes = [context.Process(target=kiosk, args=(url, key_dir / "keys", i, phones, barrier, results))
                 for i in range(writers)]
    for process in processes:
        process.start()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    wall = max(end for _, end, _, _ in outcomes) - min(start for start, _, _, _ in outcomes)
    latencies = [latency for _, _, kiosk_latencies, _ in outcomes for latency in kiosk_latencies]
    return wall, latencies, sum(count for *_, count in outcomes) / len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 registrations per writer")
    parser.add_argument("--pg", default=os.environ.get("ANCHANG_TEST_PG_URL"))
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database instead of both")
    args = parser.parse_args()
    per_writer = args.per_writer or (200 if args.quick else 1_000)

    print(f"{args.writers} kiosks x {per_writer:,} registrations — budget: check-in ≤ {CHECKIN_BUDGET_MS:g} ms to "
          "the database; a station stays responsive with 8 kiosks writing to PostgreSQL (DESIGN.md)")
    print(f"{'database':<11} {'regs/s':>7} {'wall s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>8} {'stmts':>6}  "
          "budget at p95")
    targets = []
    if args.only != "postgresql":
        targets.append(("SQLite", f"sqlite:///{Path(tempfile.mkdtemp(prefix='anchang-bench-')) / 'site.sqlite3'}",
                        None))
    if args.pg and args.only != "sqlite":
        targets.append(("PostgreSQL", *pg_schema_url(args.pg)))
    for name, url, schema in targets:
        try:
            wall, latencies, statements = run(url, args.writers, per_writer)
        finally:
            if schema:
                drop_schema(args.pg, schema)
        p95 = percentile(latencies, 0.95)
        verdict = "within" if p95 <= CHECKIN_BUDGET_MS else "OVER"
        print(f"{name:<11} {len(latencies) / wall:>7.0f} {wall:>7.1f} {percentile(latencies, 0.5):>7.1f} "
              f"{p95:>7.1f} {max(latencies):>8.1f} {statements:>6.1f}  {verdict} (≤ {CHECKIN_BUDGET_MS:g} ms)")
    if not args.pg:
        print("PostgreSQL skipped: pass --pg URL or set ANCHANG_TEST_PG_URL")


if __name__ == "__main__":
    main()
