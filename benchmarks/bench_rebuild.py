"""Full rebuild of a busy site's year: replay a 1,000,000-entry journal and rewrite every projection.

    python benchmarks/bench_rebuild.py [--quick] [--pg URL] [--entries N] [--keep DIR]

The journal is judged by the engine itself (see _synthetic.py) and bulk-written with the real hash
chain. Each measurement runs in a fresh process, so its peak memory is the rebuild's own. --keep DIR
reuses (or leaves) the generated SQLite site there; PostgreSQL gets a fresh schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import journal, migrate
from db.database import make_engine, read_session
from db.keys import Keyring
from service.store import Store

try:
    from benchmarks._synthetic import Stopwatch, drop_schema, pg_schema_url, write_year
except ModuleNotFoundError:  # run as a file: python benchmarks/bench_rebuild.py
    from _synthetic import Stopwatch, drop_schema, pg_schema_url, write_year

BUDGET_S = 60.0


def measure(url: str, key_dir: Path, results: Any) -> None:
    """In its own process: replay alone, full rebuild, journal verify; and the peak memory of it all."""
    store = Store(make_engine(url), Keyring.load(key_dir), station="bench")
    clock = Stopwatch()
    store.site()
    replay_s = clock.seconds()
    clock = Stopwatch()
    site = store.rebuild()
    rebuild_s = clock.seconds()
    clock = Stopwatch()
    with read_session(store.engine) as session:
        verified = journal.verify(session)
    verify_s = clock.seconds()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.put({"replay_s": replay_s, "rebuild_s": rebuild_s, "verify_s": verify_s, "peak_mb": peak_mb,
                 "verified": verified.ok, "entries": verified.entries_checked, "customers": len(site.customers)})


def run_measure(url: str, key_dir: Path) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=measure, args=(url, key_dir, results))
    process.start()
    figures = results.get()
    process.join()
    return dict(figures)


def journal_size(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return int(session.scalar(sa.text("SELECT count(*) FROM journal")) or 0)
    except sa.exc.DBAPIError:  # no schema yet
        return 0
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 entries instead of 1,000,000")
    parser.add_argument("--entries", type=int, help="journal entries (customers: one in ten)")
    parser.add_argument("--pg", default=os.environ.get("ANCHANG_TEST_PG_URL"), help="also on this PostgreSQL")
    parser.add_argument("--keep", type=Path, help="directory for the SQLite site (reused when present)")
    args = parser.parse_args()
    entries = args.entries or (100_000 if args.quick else 1_000_000)

    work = args.keep or Path(tempfile.mkdtemp(prefix="anchang-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sqlite_url, key_dir = f"sqlite:///{work / 'site.sqlite3'}", work / "keys"
    targets = {"SQLite": sqlite_url}
    schema = None
    if args.pg:
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
            print(f"generated and wrote {entries:,} entries, {len(year.people):,} customers, "
                  f"{len(year.site.reports):,} reports, {len(year.site.cases):,} cases, "
                  f"{len(year.site.warnings):,} warnings to {', '.join(fresh)} in {clock.seconds():.0f} s")
            del year

        print(f"\nfull rebuild of a {entries:,}-entry journal — budget ≤ {BUDGET_S:.0f} s (DESIGN.md)")
        print(f"{'database':<11} {'replay s':>9} {'rebuild s':>10} {'entries/s':>10} {'peak MB':>8} "
              f"{'verify s':>9}  budget")
        for name, url in targets.items():
            m = run_measure(url, key_dir)
            assert m["verified"] and m["entries"] == entries, m
            verdict = "within" if m["rebuild_s"] <= BUDGET_S else "OVER"
            print(f"{name:<11} {m['replay_s']:>9.1f} {m['rebuild_s']:>10.1f} {entries / m['rebuild_s']:>10,.0f} "
                  f"{m['peak_mb']:>8.0f} {m['verify_s']:>9.1f}  {verdict} (≤ {BUDGET_S:.0f} s)")
        print("replay: a fresh Store replaying the journal into the engine (what a station does at start);\n"
              "rebuild: Store.rebuild() = replay + rewriting every projection table; verify: journal.verify")
    finally:
        if schema and args.pg:
            drop_schema(args.pg, schema)


if __name__ == "__main__":
    main()
