"""Entry point of `anchang-console`, the manager's and consultants' desktop program.

- `anchang-console`: the login screen on the configured database (ANCHANG_DATA_DIR / anchang.toml, as
  the `anchang` CLI).
- `anchang-console --demo`: a fresh demo week (`anchang demo`), the console logged in as the demo manager
  and, beside it, the kiosk on the same database (a second program, as at a real site), so that a
  check-in at the kiosk arrives on the console's Today page. Without a display it says so and prints the
  text board instead.
- `anchang-console --tour DIR [--lang zh|en]`: every page rendered to numbered PNGs, then exit 0.
- `anchang-console --big-screen [--demo]`: the 大屏 for the hall TV, full screen, without a login (it shows
  aggregates and masked data only; see console/bigscreen/launch.py); with --demo on the demo week, the
  kiosk beside it.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from db.site_dirs import use_site_umask

log = logging.getLogger(__name__)
# A write that has not had the site's lock by then is kept and retried (the window says so) instead of
# waiting minutes in SQLite's busy loop with nothing on screen (console/context.py).
WRITE_BUDGET_S = 5.0


def build_parser() -> argparse.ArgumentParser:
    """Its options (also the source of its man page, installer/make_manpages.py)."""
    from operations.version import VersionAction

    parser = argparse.ArgumentParser(prog="anchang-console", description="案场通 工作台 / manager console")
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--self-test", action="store_true", help="自检 / check the installed program and exit")
    parser.add_argument("--tour", type=Path, metavar="DIR", help="render every page to numbered PNGs and exit")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    parser.add_argument("--demo", action="store_true",
                        help="a fresh demo week, logged in as the demo manager, with the kiosk beside it")
    parser.add_argument("--no-kiosk", action="store_true", help="with --demo: do not open the kiosk")
    parser.add_argument("--big-screen", action="store_true",
                        help="the big screen (大屏) for the sales hall's TV, full screen; Esc leaves full screen")
    parser.add_argument("--lock-minutes", type=float, default=None,
                        help="lock after this many idle minutes (default: settings, else 10)")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # offscreen, xcb with a display chosen, ...
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def console_settings() -> dict[str, object]:
    from db.config import section, settings

    return section(settings(), "console")


def start_engine_work(store: Any, snapshot_check_s: float = 300.0) -> threading.Event:
    """Loads the engine (the newest snapshot and what follows it) on a thread of its own while the window
    opens and the login screen waits: the 今日 page's rotation and queue need it, and it takes seconds on
    a big site; a page asking for it meanwhile waits for this load instead of starting another. Then keeps
    the site's engine snapshots fresh (Store.start_maintenance: one saved, off every write, when the
    journal has grown 5,000 entries past the newest), so that every station, kiosks included, starts
    from a recent one. Set the returned event to stop."""
    def load() -> None:
        try:
            store.site()
        except Exception as error:  # noqa: BLE001 - a lost database is reported by the pages' own loads
            log.warning("engine not loaded at start: %s", error)

    threading.Thread(target=load, name="anchang-engine-load", daemon=True).start()
    stop = store.start_maintenance(snapshot_check_s)
    threading.Thread(target=keep_checkpoints, args=(store, stop), name="anchang-checkpoints", daemon=True).start()
    return stop


def keep_checkpoints(store: Any, stop: threading.Event, every_s: float = 3600.0, first_after_s: float = 60.0) -> None:
    """Keeps the nightly journal checkpoint beside the site's keys (reports.checkpoint.keep_nightly), a
    minute after start (the window and the engine first) and then every hour, until `stop` is set."""
    from reports.checkpoint import ChainBroken, keep_nightly, site_folder

    wait = first_after_s
    while not stop.wait(wait):
        wait = every_s
        try:
            keep_nightly(store, site_folder(store))
        except ChainBroken as error:  # the 审计 page and `anchang verify` say where; a report refuses to sign
            log.error("journal checkpoint not kept: %s", error)
        except Exception as error:  # noqa: BLE001 - a lost database: the next hour tries again
            log.warning("journal checkpoint not kept: %s", error)


def launch_kiosk(url: str) -> subprocess.Popen[bytes]:
    """The kiosk as its own program on the same database, windowed, with the demo video as its camera."""
    env = {**os.environ, "ANCHANG_DATABASE_URL": url}
    program = [sys.executable, "-m", "kiosk.app"]
    if getattr(sys, "frozen", False):  # the installed build: the kiosk program beside this one
        program = [str(Path(sys.executable).with_name("anchang-kiosk" + Path(sys.executable).suffix))]
    return subprocess.Popen([*program, "--windowed", "--camera", "demo"], env=env)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from operations.program_log import run_station

    return run_station("anchang-console", "console", tour=args.tour is not None, work=lambda: started_main(args))


def started_main(args: argparse.Namespace) -> int:
    if args.self_test:
        from console.self_test import run as self_test

        return self_test()
    from ui.app import create_app

    if args.tour is not None:
        from console.tour import run_tour

        app = create_app(["anchang-console"], lang=args.lang, theme="console")
        return run_tour(app, args.tour, args.lang)
    if args.demo:
        from operations.demo import run_demo

        if not has_display():
            print("anchang-console: 没有显示器，改为打印文字看板 / no display: printing the text board instead\n",
                  file=sys.stderr)
            return run_demo()
        code = run_demo(quiet=True)
        if code:
            return code
    from operations.upgrade import start_check

    if not args.demo and (refused := start_check("anchang-console")) is not None:  # older database: migrate
        return refused
    from operations.first_run import needed as needs_first_run

    if not args.demo and needs_first_run():  # a new computer: set a site up, or join one, first
        if not has_display():
            log.error("本机尚未设置 / this computer is not set up, and there is no screen for the wizard")
            print("anchang-console: 本机尚未设置 / this computer is not set up: run `anchang init` (a new site) or "
                  "`anchang join BUNDLE_FILE` (a second station), or start the console on a screen for its "
                  "first-run wizard", file=sys.stderr)
            return 2
        create_app(["anchang-console"], lang=args.lang, theme="console")
        from console.first_run.wizard import run_first_run

        if not run_first_run():
            return 1
        use_site_umask()  # the site just made may be the system site: its group's umask from here on
        from operations.program_log import configured_station, start_logging

        start_logging("anchang-console", configured_station("console", "console"))  # into the new site's logs/
    try:  # before any window: a missing database or key is said plainly
        from db.config import data_dir, database_url
        from service.live import LiveFeed
        from service.store import Store

        url = database_url() if not args.demo else demo_url()
        settings = console_settings()  # [console] station: this computer's name on a joined site
        store = Store.open(url, data_dir(), station=str(settings.get("station", "console")), kind="console",
                           write_budget_s=WRITE_BUDGET_S)
        engine_work = start_engine_work(store)
    except Exception as error:
        reason = str(error).splitlines()[0]
        log.error("无法启动 / cannot start: %s", reason)
        print(f"anchang-console: 无法启动 / cannot start: {reason}\n"
              "  新电脑：新站点运行 anchang init，加入已有站点运行 anchang join / on a new computer run `anchang init` "
              "for a new site, `anchang join BUNDLE_FILE` to join one", file=sys.stderr)
        if args.demo or not has_display():
            return 2
        create_app(["anchang-console"], lang=args.lang, theme="console")
        from console.start_problem import show_start_problem

        if show_start_problem(error):  # the half-made data folder was moved aside: this computer is new again
            return started_main(args)
        return 2
    if not has_display():
        print("anchang-console: 没有显示器 / no display: the console needs a screen "
              "(use `anchang board` for the text board)", file=sys.stderr)
        return 2
    if args.big_screen:  # the hall TV, without a login (console/bigscreen/launch.py says why)
        from console.bigscreen.launch import run_standalone

        kiosk = (lambda: launch_kiosk(url)) if args.demo and not args.no_kiosk else None
        return run_standalone(store, args.lang, open_kiosk=kiosk)
    app = create_app(["anchang-console"], lang=args.lang, theme="console")
    from console.context import ConsoleContext
    from console.window import DEFAULT_LOCK_MINUTES, ConsoleWindow

    lock = args.lock_minutes or float(str(settings.get("lock_minutes", DEFAULT_LOCK_MINUTES)))
    kiosks: list[subprocess.Popen[bytes]] = []
    window = ConsoleWindow(ConsoleContext(store), lock_minutes=lock, live=LiveFeed(store),
                           open_kiosk=(lambda: kiosks.append(launch_kiosk(url))) if args.demo else None)
    window.resize(1366, 860)
    window.show()
    if args.demo:
        from operations.demo import DEMO_MANAGER, DEMO_PASSWORD
        from service import users

        window.enter(users.authenticate(store, DEMO_MANAGER, DEMO_PASSWORD))
        if not args.no_kiosk:
            kiosks.append(launch_kiosk(url))
    code = app.exec()
    for process in kiosks:
        process.terminate()
    engine_work.set()
    store.dispose()
    return code


def demo_url() -> str:
    from operations.demo import demo_database_url

    return demo_database_url()


if __name__ == "__main__":
    sys.exit(main())
