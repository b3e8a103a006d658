"""Registrations per second with 8 kiosks writing at once, each a process with its own Store.

    python benchmarks/bench_registrations.py [--quick] [--pg URL] [--writers 8] [--per-writer 1000] [--only DB]

SQLite is a fresh file; PostgreSQL (--pg or ANCHANG_TEST_PG_URL) a fresh schema, dropped afterwards.
Every writer walks the same phones in its own order, so new and returning visitors interleave and many
registrations of one phone collide. Latency is tap to committed (Store.register_visit) per registration.
`hold` is how long a check-in holds the site's write lock (from the lock granted to the commit done):
every other kiosk waits that long, so it sets the latency. `stmts` is the statements a check-in sends,
`in lock` those of them sent while it holds the lock (the lock itself, BEGIN and COMMIT not counted).
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
from sqlalchemy.orm import Session

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from service.store import Store

try:
    from benchmarks._synthetic import CONSULTANTS, drop_schema, percentile, pg_schema_url, phone_of
except ModuleNotFoundError:  # run as a file: python benchmarks/bench_registrations.py
    from _synthetic import CONSULTANTS, drop_schema, percentile, pg_schema_url, phone_of

CHECKIN_BUDGET_MS = 100.0


LOCK_STATEMENTS = ("BEGIN IMMEDIATE", "pg_advisory_xact_lock")


class LockWatch:
    """Counts a kiosk's statements (all, and those inside the site's lock) and times the lock's hold."""

    def __init__(self, store: Store) -> None:
        self.statements = self.inside = 0
        self.holds: list[float] = []
        self._locked: float | None = None
        event.listen(store.engine, "before_cursor_execute", self._sent)
        event.listen(store.engine, "after_cursor_execute", self._answered)
        event.listen(Session, "after_commit", self._committed)

    def _sent(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements += 1
        if self._locked is not None:
            self.inside += 1

    def _answered(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(LOCK_STATEMENTS) or LOCK_STATEMENTS[1] in statement[:40]:
            self._locked = time.perf_counter()

    def _committed(self, _session: Session) -> None:
        if self._locked is not None:
            self.holds.append((time.perf_counter() - self._locked) * 1000)
            self._locked = None


def kiosk(url: str, key_dir: Path, number: int, phones: list[str], barrier: Any, results: Any) -> None:
    store = Store(make_engine(url), Keyring.load(key_dir), station=f"kiosk{number}")
    store.site()
    watch = LockWatch(store)
    random.Random(number).shuffle(phones)
    barrier.wait()
    started = time.time()
    latencies = []
    for phone in phones:
        start = time.perf_counter()
        store.register_visit(phone)
        latencies.append((time.perf_counter() - start) * 1000)
    results.put((started, time.time(), latencies, watch.holds, watch.statements, watch.inside))


def run(url: str, writers: int, per_writer: int) -> dict[str, Any]:
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
    latencies = [latency for outcome in outcomes for latency in outcome[2]]
    return {"wall": max(o[1] for o in outcomes) - min(o[0] for o in outcomes), "latencies": latencies,
            "holds": [hold for outcome in outcomes for hold in outcome[3]],
            "statements": sum(o[4] for o in outcomes) / len(latencies),
            "inside": sum(o[5] for o in outcomes) / len(latencies)}


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
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'database':<11} {'regs/s':>7} {'wall s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>8} "
          f"{'hold p50':>9} {'hold p95':>9} {'stmts':>6} {'in lock':>8}  budget at p95")
    targets = []
    if args.only != "postgresql":
        targets.append(("SQLite", f"sqlite:///{Path(tempfile.mkdtemp(prefix='anchang-bench-')) / 'site.sqlite3'}",
                        None))
    if args.pg and args.only != "sqlite":
        targets.append(("PostgreSQL", *pg_schema_url(args.pg)))
    for name, url, schema in targets:
        try:
            measured = run(url, args.writers, per_writer)
        finally:
            if schema:
                drop_schema(args.pg, schema)
        latencies, holds = measured["latencies"], measured["holds"]
        p95 = percentile(latencies, 0.95)
        verdict = "within" if p95 <= CHECKIN_BUDGET_MS else "OVER"
        print(f"{name:<11} {len(latencies) / measured['wall']:>7.0f} {measured['wall']:>7.1f} "
              f"{percentile(latencies, 0.5):>7.1f} {p95:>7.1f} {max(latencies):>8.1f} "
              f"{percentile(holds, 0.5):>9.2f} {percentile(holds, 0.95):>9.2f} {measured['statements']:>6.1f} "
              f"{measured['inside']:>8.1f}  {verdict} (≤ {CHECKIN_BUDGET_MS:g} ms)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if not args.pg:
        print("PostgreSQL skipped: pass --pg URL or set ANCHANG_TEST_PG_URL")


if __name__ == "__main__":
    main()
