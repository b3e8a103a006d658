"""Judgment of one new event on a site already holding a busy year, and a phone check-in through the Store.

    python benchmarks/bench_judge.py [--quick] [--entries N] [--events N] [--checkins N]

1. Site.apply: the year (1,000,000 entries, ~100,000 customers) is judged first, then the next events
   of the same stream are timed one by one, per kind. Budget: ≤ 5 ms per event.
2. Store.register_visit on SQLite holding that year: tap (phone typed) to confirmation (committed),
   returning visitors and new ones. Budget: ≤ 100 ms to the database.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from service.store import Store

try:
    from benchmarks._synthetic import Stopwatch, new_phone, percentile, phone_of, write_year
except ModuleNotFoundError:  # run as a file: python benchmarks/bench_judge.py
    from _synthetic import Stopwatch, new_phone, percentile, phone_of, write_year

EVENT_BUDGET_MS = 5.0
CHECKIN_BUDGET_MS = 100.0


def row(label: str, samples_ms: list[float], budget_ms: float) -> str:
    p95 = percentile(samples_ms, 0.95)
    verdict = "within" if p95 <= budget_ms else "OVER"
    return (f"{label:<16} {len(samples_ms):>6} {percentile(samples_ms, 0.5):>8.3f} {p95:>8.3f} "
            f"{max(samples_ms):>8.3f}  {verdict} (≤ {budget_ms:g} ms)")


def header(title: str) -> str:
    return f"\n{title}\n{'':<16} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  budget at p95"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 100,000-entry year, fewer samples")
    parser.add_argument("--entries", type=int)
    parser.add_argument("--events", type=int)
    parser.add_argument("--checkins", type=int)
    args = parser.parse_args()
    entries = args.entries or (100_000 if args.quick else 1_000_000)
    events = args.events or (5_000 if args.quick else 20_000)
    checkins = args.checkins or (100 if args.quick else 400)

    work = Path(tempfile.mkdtemp(prefix="anchang-bench-"))
    url = f"sqlite:///{work / 'site.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    keyring = Keyring.create(work / "keys")
    clock = Stopwatch()
    year = write_year([engine], keyring, entries, entries // 10)
    print(f"a busy year: {entries:,} journal entries, {len(year.site.customers):,} customers in the engine "
          f"(generated and written in {clock.seconds():.0f} s)")

    by_kind: dict[str, list[float]] = defaultdict(list)
    for _ in range(events):
        entry = next(year.stream)
        assert entry.fact is not None
        start = time.perf_counter()
        year.site.apply(entry.fact)
        by_kind[entry.kind].append((time.perf_counter() - start) * 1000)
    print(header(f"Site.apply, one new event on that site ({events:,} events)"))
    for kind, samples in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        print(row(kind, samples, EVENT_BUDGET_MS))
    print(row("all", [s for samples in by_kind.values() for s in samples], EVENT_BUDGET_MS))
    del year

    store = Store(engine, keyring, station="kiosk1")
    clock = Stopwatch()
    store.site()
    print(f"\nStore on SQLite: a kiosk starting with no engine snapshot replays the journal in "
          f"{clock.seconds():.1f} s")
    store.accept_clock()  # the synthetic year ended months ago: an administrator confirms today's date once
    draw = random.Random(7)
    samples: dict[str, list[float]] = {"returning visitor": [], "new visitor": []}
    for i in range(checkins):
        returning = i % 2 == 0
        phone = phone_of(draw.randrange(1, entries // 20)) if returning else new_phone(i)
        start = time.perf_counter()
        store.register_visit(phone)
        samples["returning visitor" if returning else "new visitor"].append((time.perf_counter() - start) * 1000)
    print(header(f"phone check-in, tap to committed (Store.register_visit, {checkins} check-ins)"))
    for label, values in samples.items():
        if values:
            print(row(label, values, CHECKIN_BUDGET_MS))

    clock = Stopwatch()
    store.save_snapshot()
    print(f"\nsaving an engine snapshot (background thread, off the check-in path): {clock.seconds():.1f} s")
    clock = Stopwatch()
    Store(engine, keyring, station="kiosk2").site()
    print(f"a kiosk starting from the latest engine snapshot: {clock.seconds():.1f} s (kiosk start ≤ 5 s)")



if __name__ == "__main__":
    main()
