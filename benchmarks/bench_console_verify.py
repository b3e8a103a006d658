"""The 审计 page's journal verification on a large journal: how long it takes in the console, how well
the window keeps answering meanwhile, and how soon 取消 stops it.

    python benchmarks/bench_console_verify.py [--quick] [--entries N] [--keep DIR]

The journal is a busy site's year judged by the engine itself (_synthetic.py), with its projections
rebuilt and an engine snapshot saved, on SQLite. Measured: `check_site` alone (chain + replay, in this
thread, no Qt); then the console (offscreen, logged in as a manager) running the same check through its
ProgressPanel (the page runs it in a process of its own: operations.audit_desk.check_site_apart) while a 10 ms
QTimer ticks on the GUI thread: the longest and the 99th-percentile gap between two ticks is how long
the window could not answer; then a second run cancelled halfway, timed from the click to the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from db import journal, migrate  # noqa: E402
from db.database import make_engine, read_session  # noqa: E402
from db.keys import Keyring  # noqa: E402
from operations import audit_desk  # noqa: E402
from service import users  # noqa: E402
from service.desk import Desk  # noqa: E402
from service.store import ManualClock, Store  # noqa: E402

try:
    from benchmarks._synthetic import Stopwatch, percentile, write_year
except ModuleNotFoundError:  # run as a file: python benchmarks/bench_console_verify.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks._synthetic import Stopwatch, percentile, write_year

MANAGER, PASSWORD = "经理", "bench-password"
TICK_MS = 10


def open_store(url: str, keys: Path) -> Store:
    """The site as of just after its last entry (the synthetic year is in the past: a real clock would
    be refused as having jumped, see db/clock.py)."""
    engine = make_engine(url)
    with read_session(engine) as session:
        last = journal.read_head(session).at
    assert last is not None
    return Store(engine, Keyring.load(keys), clock=ManualClock(last + timedelta(minutes=1)), station="bench")


def prepare(work: Path, entries: int) -> tuple[str, Path]:
    """A SQLite site with `entries` judged journal entries and their projections (reused with --keep)."""
    url, keys = f"sqlite:///{work / 'site.sqlite3'}", work / "keys"
    marker = work / f"ready-{entries}-snapshot"
    if marker.exists():
        return url, keys
    (work / "site.sqlite3").unlink(missing_ok=True)
    engine = make_engine(url)
    migrate.upgrade(engine)
    keyring = Keyring.load(keys) if keys.exists() else Keyring.create(keys)
    clock = Stopwatch()
    write_year([engine], keyring, entries, entries // 10,
               progress=lambda n: print(f"  generated {n:,} entries ({clock.seconds():.0f} s)"))
    store = open_store(url, keys)
    store.rebuild()  # the projections the replay is compared with
    users.add_user(store, MANAGER, "manager", PASSWORD)
    store.save_snapshot()  # as a station's maintenance thread keeps them: the check compares each
    store.dispose()
    print(f"generated {entries:,} entries with projections in {clock.seconds():.0f} s")
    marker.touch()
    return url, keys


def headless(store: Store, desk: Desk) -> float:
    clock = Stopwatch()
    check = audit_desk.check_site(desk)
    assert check.ok, check
    return clock.seconds()


def in_console(app: QApplication, store: Store, cancel_at: float | None, tick: bool = True) -> dict[str, Any]:
    """One verification through the 审计 page; `cancel_at`: the share of the bar at which 取消 is clicked."""
    from console.context import ConsoleContext
    from console.pages.audit import AuditPage
    from console.window import ConsoleWindow

    window = ConsoleWindow(ConsoleContext(store))
    window.resize(1366, 860)
    window.show()
    window.enter(users.authenticate(store, MANAGER, PASSWORD))
    page = window.open_page("audit")
    assert isinstance(page, AuditPage)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    steps: list[int] = []
    cancelled_at: list[float] = []

    def moved(value: int) -> None:
        steps.append(value)
        bar = page.progress.bar
        if cancel_at is not None and not cancelled_at and bar.maximum() and value >= cancel_at * bar.maximum():
            cancelled_at.append(time.perf_counter())
            page.progress.cancel()

    page.progress.bar.valueChanged.connect(moved)
    ended: list[bool] = []
    loop = QEventLoop()
    page.progress.finished.connect(ended.append)
    page.progress.finished.connect(lambda _ok: loop.quit())
    if tick:
        timer.start()
    began = time.perf_counter()
    page.verify_button.click()
    loop.exec()  # the window's own event loop, as in use: nothing else asks for the GIL
    finished = time.perf_counter()
    timer.stop()
    gaps = [(b - a) * 1000 for a, b in zip(ticks, ticks[1:], strict=False)] or [0.0]
    window.close()
    window.ctx.runner.wait(10_000)
    return {"seconds": finished - began, "ok": ended[0], "steps": len(steps), "max_gap_ms": max(gaps),
            "p99_gap_ms": percentile(gaps, 0.99), "ticks": len(ticks),
            "cancel_ms": (finished - cancelled_at[0]) * 1000 if cancelled_at else None,
            "result": page.result.text()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 entries instead of 1,000,000")
    parser.add_argument("--entries", type=int, help="journal entries (customers: one in ten)")
    parser.add_argument("--keep", type=Path, help="directory for the SQLite site (reused when present)")
    args = parser.parse_args()
    entries = args.entries or (100_000 if args.quick else 1_000_000)
    work = args.keep or Path(tempfile.mkdtemp(prefix="anchang-bench-verify-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["ANCHANG_DATA_DIR"] = str(work)  # kept checkpoints: none but this bench's
    url, keys = prepare(work, entries)

    app = QApplication(sys.argv)
    store = open_store(url, keys)
    desk = Desk(store, users.authenticate(store, MANAGER, PASSWORD))
    alone = headless(store, desk)
    untimed = in_console(app, store, None, tick=False)
    full = in_console(app, store, None)
    cancelled = in_console(app, store, 0.5)
    store.dispose()

    print(f"\n审计 page: verification of a {entries:,}-entry journal (chain + replay against projections), SQLite")
    print(f"  check_site alone (no Qt, no progress): {alone:8.1f} s")
    print(f"  in the console, with progress:          {full['seconds']:8.1f} s  ({full['steps']:,} bar updates, "
          f"passed: {full['ok']})")
    print(f"  in the console, no timer ticking:       {untimed['seconds']:8.1f} s")
    print(f"  GUI thread during it: {full['ticks']:,} ticks of a {TICK_MS} ms timer; longest gap "
          f"{full['max_gap_ms']:.0f} ms, p99 gap {full['p99_gap_ms']:.0f} ms")
    if cancelled["cancel_ms"] is not None:
        print(f"  取消 at half way: stopped {cancelled['cancel_ms']:.0f} ms after the click "
              f"(longest GUI gap {cancelled['max_gap_ms']:.0f} ms)")
    print(f"  result shown: {full['result']}")


if __name__ == "__main__":
    main()
