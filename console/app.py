"""Entry point of `anchang-console`, the manager's and consultants' desktop program.

- `anchang-console`: the login screen on the configured database (ANCHANG_DATA_DIR / anchang.toml, as
  the `anchang` CLI).
- `anchang-console --demo`: a fresh demo week (`anchang demo`), the console logged in as the demo manager
  and, beside it, the kiosk on the same database (a second program, as at a real site), so that a
  check-in at the kiosk arrives on the console's Today page. Without a display it says so and prints the
  text board instead.
- `anchang-console --tour DIR [--lang zh|en]`: every page rendered to numbered PNGs, then exit 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="anchang-console", description="案场通 工作台 / manager console")
    parser.add_argument("--tour", type=Path, metavar="DIR", help="render every page to numbered PNGs and exit")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    parser.add_argument("--demo", action="store_true",
                        help="a fresh demo week, logged in as the demo manager, with the kiosk beside it")
    parser.add_argument("--no-kiosk", action="store_true", help="with --demo: do not open the kiosk")
    parser.add_argument("--lock-minutes", type=float, default=None,
                        help="lock after this many idle minutes (default: settings, else 10)")
    return parser.parse_args(argv)


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # offscreen, xcb with a display chosen, ...
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def console_settings() -> dict[str, object]:
    from db.config import section, settings

    return section(settings(), "console")


def launch_kiosk(url: str) -> subprocess.Popen[bytes]:
    """The kiosk as its own program on the same database, windowed, with the demo video as its camera."""
    env = {**os.environ, "ANCHANG_DATABASE_URL": url}
    command = [sys.executable, "-m", "kiosk.app", "--windowed", "--camera", "demo"]
    return subprocess.Popen(command, env=env)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING if args.tour else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from ui.app import create_app

    if args.tour is not None:
        from console.tour import run_tour

        app = create_app(["anchang-console"], lang=args.lang, theme="console")
        return run_tour(app, args.tour, args.lang)
    if args.demo:
        from db.admin.demo import run_demo

        if not has_display():
            print("anchang-console: 没有显示器，改为打印文字看板 / no display: printing the text board instead\n",
                  file=sys.stderr)
            return run_demo()
        code = run_demo(quiet=True)
        if code:
            return code
    try:  # before any window: a missing database or key is said plainly
        from db.config import data_dir, database_url
        from db.live import LiveFeed
        from db.service import Store

        url = database_url() if not args.demo else demo_url()
        store = Store.open(url, data_dir(), station="console")
        settings = console_settings()
    except Exception as error:
        reason = str(error).splitlines()[0]
        print(f"anchang-console: 无法启动 / cannot start: {reason}\n"
              "  没有数据库时请先运行 anchang init / on a new station run `anchang init` first", file=sys.stderr)
        return 2
    if not has_display():
        print("anchang-console: 没有显示器 / no display: the console needs a screen "
              "(use `anchang board` for the text board)", file=sys.stderr)
        return 2
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
        from db import users
        from db.admin.demo import DEMO_MANAGER, DEMO_PASSWORD

        window.enter(users.authenticate(store, DEMO_MANAGER, DEMO_PASSWORD))
        if not args.no_kiosk:
            kiosks.append(launch_kiosk(url))
    code = app.exec()
    for kiosk in kiosks:
        kiosk.terminate()
    store.dispose()
    return code


def demo_url() -> str:
    from db.admin.demo import demo_database_url

    return demo_database_url()


if __name__ == "__main__":
    sys.exit(main())
