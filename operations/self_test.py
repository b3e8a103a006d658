"""`--self-test` of the three programs: what an installed build needs at run time, checked one by one.

Every program checks that each module of the project imports (by name: a file missing from the build
shows up here, not in front of a visitor), that the data files are there, that dlib's and mediapipe's
face models load and find the face in the demo video, that zbar reads a QR code, and that a temporary site works end to end
(`anchang init`, the migrations, a check-in, the journal verified). The windowed programs add their Qt
checks (kiosk/self_test.py, console/self_test.py). Each check prints one line; any failure prints what
failed and the program exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import pkgutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from operations.version import version_line

# Imported by name, so the Qt-free `anchang` checks the stations' modules too without depending on them.
PROJECT_PACKAGES = ("judge", "db", "admin", "vision", "reports", "ui", "kiosk", "console")
SKIPPED = ("db.migrations.",)  # Alembic loads these itself (env.py runs only inside a migration)
# (pattern under resources/, how many files at least)
RESOURCE_FILES = (("rules/default.toml", 1), ("fonts/*.ttf", 2), ("translations/*.qm", 1), ("themes/*.qss", 2),
                  ("demo/faces_demo.mp4", 1))
SELF_TEST_PHONE = "13800138000"
SELF_TEST_CONSULTANT = "自检顾问"
FACE_FRAMES = 10  # demo video frames tried until mediapipe has a face with its mesh


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], str]  # a short detail line; raises on failure


class Site:
    """The temporary data directory the checks share; `store` exists once the database check passed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._store: Any = None
        self.report_pdf: bytes | None = None  # the daily report the report check made (printed by the console's)

    @property
    def store(self) -> Any:
        if self._store is None:
            raise RuntimeError("数据库检查未通过 / the database check did not pass")
        return self._store


def import_all(packages: tuple[str, ...] = PROJECT_PACKAGES) -> str:
    """Imports every module of `packages`; all failures are listed, not just the first."""
    count = 0
    failures: list[object] = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        names = [info.name for info in pkgutil.walk_packages(package.__path__, f"{package_name}.",
                                                               onerror=failures.append)]
        if not names:
            failures.append(f"{package_name}: no modules found in {list(package.__path__)}")
        for name in names:
            if name.startswith(SKIPPED):
                continue
            try:
                importlib.import_module(name)
                count += 1
            except Exception as error:  # noqa: BLE001 - each failing module is reported
                failures.append(f"{name}: {type(error).__name__}: {error}")
    if failures:
        raise RuntimeError("; ".join(str(item) for item in failures))
    return f"{count} modules of {', '.join(packages)}"


def check_resources() -> str:
    root = resources.files("resources")
    folder = Path(str(root))
    found = []
    for pattern, least in RESOURCE_FILES:
        matches = [path for path in folder.glob(pattern) if path.is_file() and path.stat().st_size > 0]
        if len(matches) < least:
            raise FileNotFoundError(f"缺少文件 / missing {pattern} under {folder} (found {len(matches)})")
        found += matches
    from judge.rules import RuleSet

    RuleSet()  # the default rule set parses
    migrations = Path(importlib.import_module("db.migrate").MIGRATIONS)
    scripts = sorted((migrations / "versions").glob("*.py"))
    if not (migrations / "env.py").is_file() or len(scripts) < 2:
        raise FileNotFoundError(f"缺少数据库迁移 / Alembic migrations missing under {migrations}")
    return f"{len(found)} files in {folder}, {len(scripts) - 1} migration scripts"


def demo_frames() -> Iterator[Any]:
    import cv2

    from vision.camera import demo_video_path

    path = demo_video_path()
    capture = cv2.VideoCapture(str(path))
    try:
        for _ in range(FACE_FRAMES):
            ok, image = capture.read()
            if not ok or image is None:
                raise RuntimeError(f"演示视频无法解码 / cannot decode the demo video {path} (OpenCV's video I/O)")
            yield image
    finally:
        capture.release()


def check_face_models() -> str:
    from vision.faces.pipeline import FacePipeline
    from vision.tracking import FaceTracker

    tracker = FaceTracker()  # mediapipe: face detection and face mesh graphs with their models
    try:
        for index, frame in enumerate(demo_frames()):
            face = tracker.process(frame, index / 15)
            if face is not None and face.mesh is not None:
                break
        else:
            raise RuntimeError(f"mediapipe 未在演示视频中找到人脸 / mediapipe found no face in {FACE_FRAMES} demo frames")
    finally:
        tracker.close()
    pipeline = FacePipeline()  # dlib: detector, 5-point landmarks, ResNet encoder
    embedding = pipeline.analyse_box(frame, face.box, face.score).embedding
    if embedding is None or embedding.shape != (128,):
        raise RuntimeError("dlib 未得到人脸特征 / dlib gave no 128-d embedding for the demo face")
    return f"mediapipe face + {len(face.mesh)}-point mesh, dlib 128-d embedding (demo video frame {index})"


def check_qr() -> str:
    """A rendered QR code read back by zbar itself: the kiosk falls back to OpenCV's detector without it,
    so nothing else would show a build whose zbar does not load (Linux: libzbar0; Windows: the Visual C++
    2013 runtime bundled beside the zbar DLLs)."""
    from vision.qr import decode
    from vision.qr.render import qr_matrix_image

    if decode.pyzbar is None:
        raise RuntimeError("zbar 未加载，二维码只能由 OpenCV 识读 / zbar did not load (QR codes are read with OpenCV "
                           "only): Linux needs libzbar0, the Windows build msvcr120.dll beside libzbar-64.dll "
                           "(installer/README.md)")
    text = "anchang self-test"
    symbols = decode.pyzbar.decode(qr_matrix_image(text), symbols=[decode.pyzbar.ZBarSymbol.QRCODE])
    read = [symbol.data.decode("utf-8", errors="replace") for symbol in symbols]
    if read != [text]:
        raise RuntimeError(f"zbar 未读出自检二维码 / zbar read {read!r} from the self-test QR code")
    return "a rendered code read back by zbar"


def check_database(site: Site) -> str:
    """`anchang init` in the temporary data directory, then what a station does: open the store, check a
    visitor in, verify the journal."""
    from db.config import data_dir, database_url
    from db.migrate import head_revision
    from operations.audit import verify_engine
    from operations.setup import init
    from service.store import Store

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = init(None)
    if code:
        raise RuntimeError(f"anchang init: exit {code}: {output.getvalue().strip()}")
    store = Store.open(database_url(), data_dir(), station="self-test")
    site._store = store
    store.add_consultant(SELF_TEST_CONSULTANT)
    store.set_duty([SELF_TEST_CONSULTANT])  # a walk-in is given to the consultant on duty
    result = store.register_visit(SELF_TEST_PHONE, actor="kiosk")
    verified = verify_engine(store.engine)
    if not verified.ok:
        raise RuntimeError(f"日志校验失败 / journal does not verify: {verified.message}")
    return (f"init, schema {head_revision()}, check-in of {result.phone_masked} as journal entry "
            f"{result.seq}, {verified.message}")


def check_report(site: Site) -> str:
    """Today's daily report of the temporary site as a PDF: reportlab, its C speedups (a native module
    a build can miss) and the bundled font embedded."""
    import _rl_accel  # noqa: F401 - reportlab falls back to Python silently; a busy day's report would be slow

    from reports.documents import daily_document
    from reports.pdf import pdf_bytes
    from reports.period import day_of

    store = site.store
    now = store.now()
    zone = store.rules_at(now).timezone
    pdf = pdf_bytes(daily_document(store, day_of(now.astimezone(zone).date(), zone)))
    if not pdf.startswith(b"%PDF") or b"FontFile2" not in pdf:
        raise RuntimeError("日报PDF不完整或未嵌入字体 / the daily report PDF is incomplete or lacks its font")
    site.report_pdf = pdf
    return f"daily report, {len(pdf) // 1024} KB, font embedded"


def common_checks(site: Site) -> list[Check]:
    return [Check("modules", import_all), Check("resources", check_resources),
            Check("face models", check_face_models), Check("QR", check_qr),
            Check("database", lambda: check_database(site)),
            Check("report", lambda: check_report(site))]


@contextlib.contextmanager
def temporary_site() -> Iterator[Site]:
    """A throw-away data directory for the checks; the configured site is never touched."""
    saved = {name: os.environ.get(name) for name in ("ANCHANG_DATA_DIR", "ANCHANG_DATABASE_URL")}
    with tempfile.TemporaryDirectory(prefix="anchang-self-test-") as folder:
        os.environ["ANCHANG_DATA_DIR"] = str(Path(folder) / "data")
        os.environ.pop("ANCHANG_DATABASE_URL", None)
        site = Site(Path(folder))
        try:
            yield site
        finally:
            if site._store is not None:
                site._store.dispose()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _output(program: str) -> TextIO:
    """Standard output; a Windows windowed program has none, so its report goes to a file in TEMP."""
    if sys.stdout is not None:
        return sys.stdout
    return open(Path(tempfile.gettempdir()) / f"{program}-self-test.txt", "w", encoding="utf-8")  # noqa: SIM115


def run_self_test(program: str, extra: Callable[[Site], list[Check]] | None = None) -> int:
    """Runs the common checks, then `extra(site)`; 0 when all passed, 1 otherwise."""
    out = _output(program)
    print(f"{version_line(program)} — 自检 / self-test", file=out, flush=True)
    failed: list[str] = []
    with temporary_site() as site:
        checks = common_checks(site) + (extra(site) if extra is not None else [])
        for check in checks:
            started = time.monotonic()
            try:
                detail = check.run()
            except Exception as error:  # noqa: BLE001 - every failure becomes one clear line
                failed.append(check.name)
                where = traceback.extract_tb(error.__traceback__)[-1]
                print(f"  FAIL  {check.name}: {type(error).__name__}: {' '.join(str(error).split())} "
                      f"[{Path(where.filename).name}:{where.lineno}]", file=out, flush=True)
                continue
            print(f"  ok    {check.name}: {detail} ({time.monotonic() - started:.1f} s)", file=out, flush=True)
    if failed:
        print(f"自检失败 / self-test FAILED: {len(failed)} of {len(checks)} checks ({', '.join(failed)})",
              file=out, flush=True)
        if out is not sys.stdout and sys.stderr is not None:
            print(f"{program}: self-test FAILED ({', '.join(failed)})", file=sys.stderr)
        return 1
    print(f"自检通过 / self-test passed: {len(checks)} checks", file=out, flush=True)
    return 0


class SelfTestAction(argparse.Action):
    """`anchang --self-test`: runs without a subcommand, like --version, and exits with its result."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="自检 / check the installed program (modules, data files, face models, a "
                              "temporary database) and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        parser.exit(run_self_test(parser.prog))
