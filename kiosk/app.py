"""Entry point of `anchang-kiosk`.

`anchang-kiosk` opens the kiosk on the configured database (ANCHANG_DATA_DIR / anchang.toml, as the
`anchang` CLI), full screen unless `--windowed`. `anchang-kiosk --tour DIR [--lang zh|en]` renders every
screen and state with demo data at each kiosk screen size to PNG files in DIR (named by size and number)
and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """Its options (also the source of its man page, installer/make_manpages.py)."""
    from operations.version import VersionAction

    parser = argparse.ArgumentParser(prog="anchang-kiosk", description="案场通 来访登记 / visitor check-in kiosk")
    parser.add_argument("--tour", type=Path, metavar="DIR", help="render every screen at each kiosk screen size to PNGs and exit")
    parser.add_argument("--lang", choices=("zh", "en"), default=None, help="language (default: settings, else zh)")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen (development)")
    parser.add_argument("--camera", default=None, help="camera index, stream URL, 'demo' (the demo video) or 'none' (default: settings, else 0)")
    parser.add_argument("--reader-port", default=None, help="ID-card reader serial port (default: settings)")
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--self-test", action="store_true", help="自检 / check the installed program and exit")
    parser.add_argument("--exit-when-ready", action="store_true",
                        help="print when the start screen is shown, then exit (measures the cold start)")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def open_camera(choice: str) -> Any:
    """The camera asked for: an index, a stream URL or file, `demo` (the demo video, for the demo only), or
    `none` (a kiosk without a camera). A camera that does not answer is reported lost and looked for
    again (the start screen offers the other ways in, reception is told); it is never replaced by the
    demo video, whose faces the kiosk would "recognise"."""
    from vision.camera import Camera, demo_video_path

    if choice == "demo":
        return Camera(str(demo_video_path()), loop_file=True)
    if choice in ("none", ""):
        return None
    return Camera(int(choice) if choice.isdigit() else choice)


def build_services(args: argparse.Namespace, settings: dict[str, Any]) -> Any:
    from db.config import data_dir, database_url
    from kiosk.catalog_cache import CatalogCache, cache_path
    from kiosk.faces import MeshFaceEngine
    from kiosk.outbox import Outbox, outbox_path
    from kiosk.services import KioskServices
    from service import site_settings
    from service.live import LiveFeed
    from vision.qr import AppointmentVerifier

    directory = data_dir()
    # a write that cannot have the site's lock (or the server) within the budget leaves the kiosk's writer
    # free at once: the check-in is already in the outbox (kiosk.submitter)
    from kiosk.site_link import open_store
    from kiosk.submitter import SUBMIT_BUDGET_S

    store, link = open_store(database_url(), directory, station=str(settings.get("station", "kiosk")),
                             budget_s=SUBMIT_BUDGET_S)
    outbox = Outbox(outbox_path(directory), store.keyring)  # a damaged file is set aside, a new one begun
    cache = CatalogCache(cache_path(directory), store.keyring)
    # offline: the sources, channels and agents last read, so a channel's visitor can name who brought them
    cached = cache.read() if link is not None else None
    project = str(settings.get("project", "anchang"))
    # the site's own notice, set in the first-run wizard (offline: the one last read, else the default)
    if link is None:
        notice = site_settings.consent_notice(store.engine)
    else:
        notice = cached.notice if cached is not None else None
    own_notice: dict[str, Any] = {} if not notice else {"notice_text": notice[0], "notice_version": notice[1]}
    return KioskServices(
        store=store,
        outbox=outbox,
        camera=open_camera(str(args.camera or settings.get("camera", "0"))),
        faces_factory=MeshFaceEngine,  # built on a worker after the window shows (models take seconds)
        reader_port=args.reader_port or settings.get("reader_port") or None,
        verifier=AppointmentVerifier([store.keyring.verify_key], project),
        project_name=str(settings.get("title", "案场通")),
        live=LiveFeed,
        site_link=link,  # None: the database answered at start
        catalog_cache=cache,
        catalog=cached,
        **own_notice,
    )


def open_services(args: argparse.Namespace, settings: dict[str, Any]) -> Any:
    """The kiosk's services after the schema check (an older database is backed up and migrated), or
    CannotStart with the reason, once it is on stderr: no site on this computer yet, a database that
    cannot be opened, a schema from a newer version."""
    from db.config import data_dir
    from kiosk.no_site import CannotStart
    from operations.first_run import needed as no_site
    from operations.upgrade import start_check

    said = io.StringIO()
    with contextlib.redirect_stderr(said):  # what it says goes to stderr and, on a refusal, to the window
        refused = start_check("anchang-kiosk")
    sys.stderr.write(said.getvalue())
    if refused is not None:
        raise CannotStart(said.getvalue().strip(), data_dir(), code=refused)
    try:
        return build_services(args, settings)
    except Exception as error:
        reason = str(error).splitlines()[0]
        print(f"anchang-kiosk: 无法启动 / cannot start: {reason}\n"
              "  没有数据库时请先运行 anchang init / on a new station run `anchang init` first", file=sys.stderr)
        raise CannotStart(reason, data_dir(), no_site=no_site()) from error


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from operations.program_log import run_station

    return run_station("anchang-kiosk", "kiosk", tour=args.tour is not None, work=lambda: started_main(args))


def started_main(args: argparse.Namespace) -> int:
    if args.self_test:
        from kiosk.self_test import run as self_test

        return self_test()
    started = time.monotonic()
    from kiosk.screens.staff_settings import kiosk_section
    from ui.app import create_app

    settings = kiosk_section()
    lang = args.lang or str(settings.get("language", "zh"))
    if args.tour is not None:
        from kiosk.tour import run_tour

        app = create_app(["anchang-kiosk"], lang=lang)
        return run_tour(app, args.tour, lang)
    from db.config import data_dir
    from kiosk.single_instance import ALREADY_RUNNING_EXIT, AlreadyRunning, InstanceLock, lock_path

    try:  # one kiosk per user and site: a second one would open the camera and drain the outbox again
        instance = InstanceLock(lock_path(data_dir())).acquire()
    except AlreadyRunning as running:
        print(f"anchang-kiosk: {running}", file=sys.stderr)
        return ALREADY_RUNNING_EXIT
    try:
        return run(args, settings, lang, started)
    finally:
        instance.release()


def run(args: argparse.Namespace, settings: dict[str, Any], lang: str, started: float) -> int:
    """The kiosk's window until it closes (or the reason it cannot start)."""
    from kiosk.no_site import CannotStart, can_show_window, wait_until_started
    from kiosk.screens.staff_settings import kiosk_section
    from ui.app import create_app

    try:  # before any window: why it cannot start is said plainly, even without a display
        services = open_services(args, settings)
    except CannotStart as problem:
        log.error("无法启动 / cannot start: %s", problem.reason)
        if not can_show_window():
            return problem.code
        app = create_app(["anchang-kiosk"], lang=lang)  # a window that says what to do, and 重试
        services = wait_until_started(app, problem, lambda: open_services(args, kiosk_section()))
        if services is None:
            return problem.code
    app = create_app(["anchang-kiosk"], lang=lang)
    from kiosk.window import KioskWindow

    window = KioskWindow(services)
    if args.windowed:  # a portrait kiosk's proportions, within the screen it opens on
        available = app.primaryScreen().availableGeometry()
        window.resize(min(1080, available.width()), min(1920 * 2 // 3, available.height()))
        window.show()
    else:
        window.showFullScreen()
    window.start()
    log.info("kiosk ready in %.1f s", time.monotonic() - started)
    if args.exit_when_ready:
        from kiosk.self_test import exit_when_ready

        exit_when_ready(app, window)
    from kiosk.shutdown import SignalWatch

    def close() -> None:  # SIGTERM / SIGINT: closed as staff mode closes it (camera, workers, face worker)
        window.allow_close = True
        window.close()
        app.quit()

    watch = SignalWatch(close, parent=app)
    try:
        return app.exec()
    finally:
        watch.restore()


if __name__ == "__main__":
    sys.exit(main())
