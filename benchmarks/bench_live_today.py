"""A kiosk check-in visible on another station's 今日 page (budget ≤ 1 s, PostgreSQL).

    python benchmarks/bench_live_today.py [--checkins N] [--busy-day N] [--pg URL]

Two stations on one PostgreSQL schema, as at a site: a kiosk (a process of its own, its own Store) writes
phone check-ins as the kiosk does (its ref and arrival time, unverified), one every 0.5-1.5 s; the
console (this process: the real ConsoleWindow offscreen, logged in as reception, its LiveFeed LISTENing
on the journal's NOTIFY) shows the 今日 page. For each check-in: from the kiosk's call to
`register_visit` (the tap on 提交, less the screen) and from its commit, to the first paint of the
page's feed after the visit is among its rows. --busy-day check-ins are written first (untimed), so
the page reloads a busy day's list each time. Clocks: CLOCK_MONOTONIC, which both processes share.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._synthetic import drop_schema, percentile, pg_schema_url  # noqa: E402

BUDGET_MS = 1000.0
PASSWORD = "bench-pass-1"
CONSULTANTS = ("李强", "王丽", "张敏")


def kiosk(url: str, keys: str, busy_day: int, count: int) -> None:
    """The other station: `busy_day` check-ins at once, then `count` timed ones, each printed as
    "seq started committed" (monotonic seconds) once committed."""
    from db.database import make_engine
    from db.keys import Keyring
    from service.store import Store

    store = Store(make_engine(url), Keyring.load(Path(keys)), station="kiosk-bench")
    pause = random.Random(5)

    def checkin(n: int) -> Any:
        return store.register_visit(f"1390{n % 5000:07d}", name="张女士", verified=False, actor="kiosk",
                                    ref=uuid.uuid4().hex, arrived_at=store.now(), source="自然来访")

    for n in range(busy_day):
        checkin(n)
    print("ready", flush=True)
    for n in range(busy_day, busy_day + count):
        time.sleep(pause.uniform(0.5, 1.5))
        started = time.monotonic()
        result = checkin(n if n % 4 else n // 4)  # a quarter come back
        print(f"{result.seq} {started} {time.monotonic()}", flush=True)
    store.dispose()


def console(url: str, keys: Path, busy_day: int, count: int) -> list[tuple[float, float]]:
    from PySide6.QtCore import QEvent, QObject, QTimer

    from console.context import ConsoleContext
    from console.pages.today import TodayPage
    from console.window import ConsoleWindow
    from db import migrate
    from db.database import make_engine
    from db.keys import Keyring
    from service import users
    from service.live import LiveFeed
    from service.store import Store
    from ui.app import create_app

    app = create_app(["bench"], theme="console")
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(keys), station="console-bench")
    for name in CONSULTANTS:
        store.add_consultant(name)
    store.set_duty(list(CONSULTANTS))
    users.add_user(store, "前台", "receptionist", PASSWORD)
    feed = LiveFeed(store)
    window = ConsoleWindow(ConsoleContext(store), live=feed)
    window.resize(1366, 860)
    window.show()
    window.enter(users.authenticate(store, "前台", PASSWORD))
    page = window.open_page("today")
    assert isinstance(page, TodayPage)

    seen: dict[int, float] = {}  # visit seq -> when the page's rows first held it
    painted: dict[int, float] = {}
    unpainted: set[int] = set()
    written: list[tuple[int, float, float]] = []

    def loaded() -> None:
        now = time.monotonic()
        for visit in page.model.rows:
            if visit.visit_seq not in seen:
                seen[visit.visit_seq] = now
                unpainted.add(visit.visit_seq)

    class Painted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and unpainted:
                page.feed.viewportEvent(event)  # paint now, then read the clock
                now = time.monotonic()
                painted.update(dict.fromkeys(unpainted, now))
                unpainted.clear()
                return True
            return False

    page.model.loaded.connect(loaded)
    painted_filter = Painted()
    page.feed.viewport().installEventFilter(painted_filter)
    child = subprocess.Popen([sys.executable, __file__, "--kiosk", url, str(keys), str(busy_day), str(count)],
                             stdout=subprocess.PIPE, text=True)

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() != "ready":
                seq, started, committed = line.split()
                written.append((int(seq), float(started), float(committed)))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120 + count * 3

    def check() -> None:
        done = len(written) == count and all(seq in painted for seq, _, _ in written)
        if done or time.monotonic() > deadline or (child.poll() not in (None, 0)):
            app.quit()

    ticker = QTimer()
    ticker.timeout.connect(check)
    ticker.start(200)
    app.exec()
    child.wait(30)
    samples = [((painted[seq] - started) * 1000, (painted[seq] - committed) * 1000)
               for seq, started, committed in written if seq in painted]
    missing = [seq for seq, _, _ in written if seq not in painted]
    if missing or len(written) < count:
        print(f"  NOT SHOWN within the run: {len(missing) + count - len(written)} check-ins")
    window.close()
    feed.close()
    store.dispose()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkins", type=int, default=100)
    parser.add_argument("--busy-day", type=int, default=300)
    parser.add_argument("--pg", default=os.environ.get("ANCHANG_TEST_PG_URL"))
    parser.add_argument("--kiosk", nargs=4, metavar=("URL", "KEYS", "BUSY", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kiosk:
        kiosk(args.kiosk[0], args.kiosk[1], int(args.kiosk[2]), int(args.kiosk[3]))
        return
    if not args.pg:
        raise SystemExit("PostgreSQL needed: --pg URL or ANCHANG_TEST_PG_URL")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    url, schema = pg_schema_url(args.pg)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            samples = console(url, Path(tmp) / "keys", args.busy_day, args.checkins)
    finally:
        drop_schema(args.pg, schema)
    print(f"kiosk check-in → another station's 今日 page painted, {len(samples)} check-ins after a busy day of "
          f"{args.busy_day} (budget ≤ {BUDGET_MS:.0f} ms):")
    for index, label in enumerate(("from the kiosk's write call", "from its commit")):
        values = [sample[index] for sample in samples]
        p95 = percentile(values, 0.95)
        verdict = "within" if p95 <= BUDGET_MS else "OVER"
        print(f"  {label:<28} p50 {percentile(values, 0.5):6.1f} ms  p95 {p95:6.1f} ms  max {max(values):6.1f} ms"
              f"  {verdict}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
