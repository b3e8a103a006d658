"""The kiosk through its real Qt event loop (offscreen): tap on 提交 to the done screen, and start-up.

    python benchmarks/bench_kiosk.py [--visitors N] [--pg URL] [--site DIR]

- submit (budget ≤ 100 ms p95, SQLite and PostgreSQL): a filled-in phone check-in, from the click on
  提交 until the done screen is shown: the blacklist check and the visit written on a worker, the result
  back on the GUI thread. The store already holds a few hundred customers (returning visitors mixed in).
- start (budget ≤ 5 s with a 1,000,000-entry journal): `kiosk.app.main` in a fresh process, from its
  spawn to a shown start screen, and on to the engine loaded (the station's first check-in needs it; the
  window loads it on a worker while the start screen is already usable); see bench_start.py, which times
  the console's start too. --site DIR is a site kept by `bench_rebuild.py --keep DIR` (the
  1,000,000-entry year); without it a 100,000-entry one is generated.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._synthetic import drop_schema, percentile, pg_schema_url  # noqa: E402

SUBMIT_BUDGET_MS = 100.0
START_BUDGET_S = 5.0
CONSULTANTS = ("李强", "王丽", "张敏")


def _store(url: str, keys: Path) -> Any:
    from db import migrate
    from db.database import make_engine
    from db.keys import Keyring
    from service.store import Store

    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(keys), station="kiosk-bench")
    for name in CONSULTANTS:
        store.add_consultant(name)
    store.set_duty(list(CONSULTANTS))
    for n in range(300):  # returning visitors among the new ones
        store.register_visit(f"1390000{n:04d}", name="王先生", actor="kiosk")
    return store


def bench_submit(url: str, keys: Path, visitors: int) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from kiosk.fakes import FakeCamera
    from kiosk.services import KioskServices, Timings
    from kiosk.window import KioskWindow
    from ui.app import create_app

    app = create_app(["bench"], theme="kiosk")
    store = _store(url, keys)
    window = KioskWindow(KioskServices(store=store, camera=FakeCamera(), timings=Timings(done_ms=600_000)))
    window.resize(1080, 1920)
    window.show()
    window.start()
    samples: list[float] = []
    for n in range(visitors):
        window.reset()
        flow = window.begin("phone")
        flow.phone = f"1390000{n * 7 % 600:04d}"  # half of them seen before
        flow.surname, flow.title = "张", "女士"
        window.show_screen("source")
        _spin(app, window)
        done = window.screens["done"]
        started = time.perf_counter()
        window.submit()
        while window.stack.currentWidget() is not done:
            app.processEvents()
        samples.append((time.perf_counter() - started) * 1000)
    window.allow_close = True
    window.close()
    window.runner.wait(5000)
    store.dispose()
    QApplication.processEvents()
    return samples


def _spin(app: Any, window: Any) -> None:
    deadline = time.monotonic() + 10
    while window.runner.pending and time.monotonic() < deadline:
        app.processEvents()
    app.processEvents()


def bench_start(site: Path | None, runs: int) -> tuple[int, list[dict[str, Any]]]:
    """Kiosk starts through `kiosk.app.main` (benchmarks/bench_start.py, which also times the console)."""
    from benchmarks.bench_start import prepare, run_once

    if site is None:
        site = Path(tempfile.mkdtemp(prefix="anchang-bench-kiosk-"))
        subprocess.run([sys.executable, str(Path(__file__).with_name("bench_rebuild.py")), "--entries",
                        "100000", "--keep", str(site), "--pg", ""], check=True, stdout=subprocess.DEVNULL)
    url = f"sqlite:///{site / 'site.sqlite3'}"
    entries = prepare(url, site / "keys")
    return entries, [run_once("kiosk", url, site / "keys") for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--pg", default=os.environ.get("ANCHANG_TEST_PG_URL"))
    parser.add_argument("--site", type=Path, help="a site kept by bench_rebuild.py --keep DIR")
    parser.add_argument("--start-runs", type=int, default=3)
    parser.add_argument("--submit-only", nargs=2, metavar=("URL", "KEYS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.submit_only:  # one database per process: one kiosk window per process, as at a site
        print(json.dumps(bench_submit(args.submit_only[0], Path(args.submit_only[1]), args.visitors)))
        return

    print(f"tap on 提交 → done screen, {args.visitors} phone check-ins — budget ≤ {SUBMIT_BUDGET_MS:.0f} ms p95")
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"SQLite": f"sqlite:///{tmp}/kiosk.sqlite3"}
        schema = None
        if args.pg:
            targets["PostgreSQL"], schema = pg_schema_url(args.pg)
        try:
            for name, url in targets.items():
                out = subprocess.run([sys.executable, __file__, "--visitors", str(args.visitors), "--submit-only",
                                      url, str(Path(tmp) / f"keys-{name}")], check=True, capture_output=True,
                                     text=True)
                samples = json.loads(out.stdout.strip().splitlines()[-1])
                p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
                verdict = "within" if p95 <= SUBMIT_BUDGET_MS else "OVER"
                print(f"  {name:<11} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {max(samples):6.1f} ms  {verdict}")
        finally:
            if schema and args.pg:
                drop_schema(args.pg, schema)

    entries, starts = bench_start(args.site, args.start_runs)
    print(f"\nkiosk start with a {entries:,}-entry journal (SQLite) — budget ≤ {START_BUDGET_S:.0f} s")
    for m in starts:
        print(f"  start screen shown {m['shown']:5.2f} s   engine loaded (first check-in ready) {m['ready']:5.2f} s   "
              f"GUI gap {m['gap_ms']} ms   (load {' '.join(f'{v:.2f}' for v in os.getloadavg())})")


if __name__ == "__main__":
    main()
