"""Station start on a big site, through each program's own entry point and the real Qt event loop
(offscreen): the kiosk (`kiosk.app.main`, budget ≤ 5 s) and the console (`console.app.main`, ≤ 3 s).

    python benchmarks/bench_start.py --site DIR [--runs N] [--only kiosk|console] [--pg URL]

DIR is a site kept by `bench_rebuild.py --keep DIR` (the 1,000,000-entry year by default; that script
with `--entries N` makes smaller ones). The bench brings its schema to this program's, saves an engine
snapshot at the journal head when the newest is not one this program reads (a station keeps them so:
`Store.start_maintenance`), and adds a manager login for the console. With --pg URL the SQLite site is
copied into a fresh PostgreSQL schema first (dropped afterwards), and both are measured.

Every run is a fresh process; times count from just before it is spawned (interpreter start included):
- kiosk: `shown`, the first turn of the event loop with the start screen up; `ready`, the engine loaded
  on a worker as well (the first check-in does not wait for it). The face models and the demo video
  (`--camera demo`) load as at a real kiosk, on their own threads.
- console: `login`, the login screen shown; the manager's name and password are then entered at once;
  `page`, the 今日 page shown with the day's figures and its feed (read from the projections: they do not
  wait for the engine); `today`, with the rotation board too (the engine's); `queue`, with
  reception's queue of unconfirmed check-ins too (the synthetic year leaves 1,730 never confirmed, each
  name decrypted for the list: a queue that long is an artefact of the generator, measured apart).
- console: `pages`, every other page the user may open built too (after `queue`).
- `gap`: the longest the GUI thread went without turning its event loop (a 10 ms timer) until then; for
  the console, "then": the longest from `queue` to `pages`.
The load average is printed beside every run: the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGETS = {"kiosk": 5.0, "console": 3.0}
MANAGER, PASSWORD = "bench-manager", "bench-1234"

_HOOK = r"""
import json, os, sys, time
launched = float(sys.argv[1])
marks, gaps = {}, [0.0]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

def mark(name):
    marks.setdefault(name, round(time.time() - launched, 3))

def watch(done, finish):
    # polls every 10 ms on the GUI thread; the spacing of the polls is the event loop's responsiveness
    last = [time.perf_counter()]
    timer = QTimer()
    def tick():
        now = time.perf_counter()
        gaps[0] = max(gaps[0], now - last[0] - 0.010)
        last[0] = now
        if done():
            timer.stop()
            finish()
    timer.timeout.connect(tick)
    timer.start(10)
    QTimer.singleShot(120_000, lambda: (print("TIMEOUT", json.dumps(marks)), os._exit(3)))
    return timer

def report():
    marks["gap_ms"] = round(gaps[0] * 1000)
    print("MARKS " + json.dumps(marks), flush=True)
"""

KIOSK_RUN = _HOOK + r"""
from kiosk import app as kiosk_app
from kiosk.window import KioskWindow
original_start = KioskWindow.start
keep = []

def start(self):
    original_start(self)
    store = self.store
    def finish():
        mark("ready")
        report()
        self.allow_close = True
        self.close()
        QApplication.instance().quit()
    QTimer.singleShot(0, lambda: mark("shown"))
    keep.append(watch(lambda: "shown" in marks and store._site is not None, finish))

KioskWindow.start = start
code = kiosk_app.main(["--windowed", "--camera", "demo"])
os._exit(code)
"""

CONSOLE_RUN = _HOOK + r"""
from console import app as console_app
from console.pages import today, today_parts
from console.window import ConsoleWindow
original_show = ConsoleWindow.show
keep, loaded = [], set()

def noting(cls, name, what):
    original = getattr(cls, name)
    def wrapped(self, *args):
        if what == "figures":
            self.model.loaded.connect(lambda: loaded.add("feed"))  # the feed loads once the day is known
        original(self, *args)
        loaded.add(what)
    setattr(cls, name, wrapped)

noting(today.TodayPage, "_summary_loaded", "figures")
noting(today.TodayPage, "_show_rotation", "rotation")
noting(today_parts.QueuePanel, "show_rows", "queue")

def today_on_screen(window):
    page = window._pages.get("today")
    if page is None or window.root.currentWidget() is not window.main or not page.isVisible():
        return False
    if {"figures", "feed"} <= loaded:
        mark("page")
    if {"figures", "feed", "rotation"} <= loaded:
        mark("today")
    return "today" in marks and (page.queue is None or "queue" in loaded)

def show(self):
    original_show(self)
    def log_in():
        mark("login")
        self.login.name.setText(sys.argv[2])
        self.login.password.setText(sys.argv[3])
        self.login.submit()
    def finish():
        mark("queue")
        marks["gap_ms"] = round(gaps[0] * 1000)
        gaps[0] = 0.0  # from here: the other pages built (their modules imported on a worker first)
        def built():
            mark("pages")
            marks["gap_after_ms"] = round(gaps[0] * 1000)
            print("MARKS " + json.dumps(marks), flush=True)
            QApplication.instance().quit()
        keep.append(watch(lambda: not self._unbuilt and len(self._pages) > 1, built))
    QTimer.singleShot(0, log_in)
    keep.append(watch(lambda: today_on_screen(self), finish))

ConsoleWindow.show = show
code = console_app.main([])
os._exit(code)
"""


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def prepare(url: str, keys: Path) -> int:
    """Schema at head, a snapshot this program reads at the journal head, a manager login. Returns the
    journal's length."""
    import sqlalchemy as sa

    from db import integrity, migrate
    from db.database import make_engine, read_session
    from db.keys import Keyring
    from db.models import JournalEntry, UserAccount
    from service import users
    from service.store import Store

    engine = make_engine(url)
    backups = keys.parent / "migrate-backups"
    migrate.upgrade(engine, backup_dir=backups)
    shutil.rmtree(backups, ignore_errors=True)
    store = Store(engine, Keyring.load(keys), station="bench-prepare")
    with read_session(engine) as session:
        has_user = session.get(UserAccount, MANAGER) is not None
    if not has_user:
        store.accept_clock()  # the synthetic year ended months ago: an administrator confirms the date once
        users.add_user(store, MANAGER, "manager", PASSWORD, actor="bench")
    with read_session(engine) as session:
        head = int(session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0)
        _site, seq = integrity.newest_snapshot(session, store.keyring, [])
    del _site
    if seq != head:
        print(f"  saving an engine snapshot at #{head} (the newest readable one is #{seq}) …", flush=True)
        store.save_snapshot()
    store.dispose()
    return head


def run_once(which: str, url: str, keys: Path) -> dict[str, Any]:
    """One start in a fresh process group; once it has reported, the group is ended (the kiosk's face
    worker is a process of its own that would otherwise outlive the hook's quick exit)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "ANCHANG_DATA_DIR": str(keys), "ANCHANG_DATABASE_URL": url}
    script = KIOSK_RUN if which == "kiosk" else CONSOLE_RUN
    launched = time.time()
    child = subprocess.Popen([sys.executable, "-c", script, repr(launched), MANAGER, PASSWORD], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    assert child.stdout is not None
    try:
        for line in child.stdout:
            if line.startswith("MARKS "):
                return dict(json.loads(line[len("MARKS "):]))
        raise RuntimeError(f"{which} start did not report (exit {child.wait()})")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        child.wait(30)


def copy_to_postgres(sqlite_url: str, base: str) -> tuple[str, str]:
    """The SQLite site's tables into a fresh PostgreSQL schema (same rows), for the console and kiosk
    to start on PostgreSQL."""
    import sqlalchemy as sa

    from benchmarks._synthetic import pg_schema_url
    from db import migrate
    from db.database import make_engine
    from db.models import Base

    url, schema = pg_schema_url(base)
    target = make_engine(url)
    migrate.upgrade(target)
    source = make_engine(sqlite_url)
    with source.connect() as read, target.begin() as write:
        write.exec_driver_sql("SET session_replication_role = replica")  # the journal's guards stay off
        for table in Base.metadata.sorted_tables:
            write.execute(table.delete())
            rows = read.execute(sa.select(table)).mappings()
            while batch := rows.fetchmany(20_000):
                write.execute(table.insert(), [dict(r) for r in batch])
        for table in Base.metadata.sorted_tables:  # explicit ids: move the id sequences past them
            for column in table.primary_key.columns:
                if column.autoincrement is True or (column.autoincrement == "auto" and
                                                    isinstance(column.type, sa.Integer)):
                    write.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                          f"'{column.name}'), (SELECT coalesce(max({column.name}), 1) "
                                          f"FROM {table.name}))"))
    return url, schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, required=True, help="a site kept by bench_rebuild.py --keep DIR")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("kiosk", "console"))
    parser.add_argument("--pg", help="also on this PostgreSQL server (a copy of the site in a fresh schema)")
    args = parser.parse_args()
    keys = args.site / "keys"
    targets = {"SQLite": f"sqlite:///{args.site / 'site.sqlite3'}"}
    print(f"preparing {args.site} (load average {load_average()}) …", flush=True)
    entries = prepare(targets["SQLite"], keys)
    schema = None
    if args.pg:
        print("copying the site to PostgreSQL …", flush=True)
        targets["PostgreSQL"], schema = copy_to_postgres(targets["SQLite"], args.pg)
    try:
        for which in ("kiosk", "console"):
            if args.only and which != args.only:
                continue
            marks = ("shown", "ready") if which == "kiosk" else ("login", "page", "today", "queue", "pages")
            last = "ready" if which == "kiosk" else "today"
            print(f"\n{which} start, {entries:,}-entry journal — budget ≤ {BUDGETS[which]:.0f} s to {last}")
            for name, url in targets.items():
                for _ in range(args.runs):
                    before = load_average()
                    m = run_once(which, url, keys)
                    verdict = "within" if m[last] <= BUDGETS[which] else "OVER"
                    times = "  ".join(f"{mark} {m[mark]:5.2f} s" for mark in marks)
                    after = f" (then {m['gap_after_ms']:4d} ms)" if "gap_after_ms" in m else ""
                    print(f"  {name:<10} {times}  GUI gap {m['gap_ms']:4d} ms{after}  {verdict}   (load {before})",
                          flush=True)
    finally:
        if schema and args.pg:
            from benchmarks._synthetic import drop_schema

            drop_schema(args.pg, schema)


if __name__ == "__main__":
    main()
