"""A returning, consenting visitor greeted by the real kiosk window, through its Qt event loop (offscreen).

    python benchmarks/bench_greeting.py [--trials N] [--challenge-s S] [--distractors N] [--pg URL]

Budgets (issue 7): greeted on screen ≤ 300 ms (p95) after the face is steady in the frame; the live
preview ≥ 25 fps while recognition runs.

What runs is the product's path: the shipped demo video through `vision.camera.Camera` (paced at
30 fps, as a USB camera delivers, instead of the file's own 5 fps) and the kiosk's `CameraFeed`
thread, the real `MeshFaceEngine` (BlazeFace and face mesh tracking, the dlib embedding, the gallery
loaded from the store at start), a real store (SQLite, or PostgreSQL with --pg) in which the four people
of the demo video were checked in, consented and enrolled from *other* photos of them
(../shared/faces), the face screen's search and the store read of who they are, and the returning
screen "欢迎回来… 是您吗？". Each trial is a visitor tapping 刷脸登记 and 同意; the flow is reset after
each greeting. --distractors adds random templates to the in-memory gallery (a site's other enrolled
faces), so the 1:N search is not a search over four.

One stand-in: the liveness challenge. The demo video is photographs, which cannot blink or turn (that
is what the challenge refuses), so the benchmark answers it for the visitor: it passes `--challenge-s`
seconds after the face became steady (0: on that very frame, the worst case for the greeting, since
then nothing of the recognition can run while the visitor answers). Times:
- steady → greeting: from the tracker's verdict that the face is steady and usable (the frame where
  `TrackedFace.ready` first holds in the attempt) to the greeting label's paint;
- frame → greeting: the same from the moment that frame was handed to the tracker;
- answered → greeting: from the challenge's "passed" (with --challenge-s > 0, what a visitor waits
  after their last movement).
The preview rate is the camera frames the GUI thread received per second while recognition ran
(from each steady frame to its greeting), with the longest gap between two of them.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks._synthetic import drop_schema, percentile, pg_schema_url  # noqa: E402
from benchmarks.vision_photos import FACES_DIR  # noqa: E402

GREETING_BUDGET_MS = 300.0
PREVIEW_BUDGET_FPS = 25.0
CAMERA_FPS = 30.0
# The demo video's people (vision/demo_video.py), each enrolled from a photo the video does not show.
VISITORS = {
    "13800000001": ("欧先生", "knn_examples/train/obama/obama.jpg"),
    "13800000002": ("白先生", "knn_examples/train/biden/biden.jpg"),
    "13800000003": ("雷先生", "knn_examples/test/alex_lacamoire1.jpg"),
    "13800000004": ("哈先生", "knn_examples/test/johnsnow_test1.jpg"),
}


class PacedAt:
    """The demo video's capture, reporting `fps` so the camera thread paces it like a live camera."""

    def __init__(self, capture: Any, fps: float) -> None:
        self.capture, self.fps = capture, fps

    def get(self, prop: int) -> float:
        return self.fps if prop == cv2.CAP_PROP_FPS else float(self.capture.get(prop))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.capture, name)


def make_store(url: str, keys: Path) -> Any:
    from db import migrate
    from db.database import make_engine
    from db.keys import Keyring
    from service.store import Store
    from vision.faces import FacePipeline
    from vision.images import load_image

    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(keys), station="kiosk-bench")
    store.add_consultant("李强")
    store.set_duty(["李强"])
    photos = FacePipeline.for_photos()
    for phone, (name, photo) in VISITORS.items():
        store.register_visit(phone, name=name, actor="kiosk")
        template = photos.analyse(load_image(FACES_DIR / photo))[0].template().to_bytes()
        store.enrol_face(phone, template, store.record_consent("face-notice-2025-06", phone))
    return store


class Trials:
    """Times of the trial in progress and of those done (perf_counter seconds)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tracker_in = self.tracker_out = 0.0  # the last frame the tracker looked at (camera thread)
        self.steady_in = self.steady_out = self.passed = 0.0
        self.embedded = self.looked_up = 0.0  # the attempt's embedding settled; the store said who it is
        self.done: list[dict[str, float]] = []
        self.frames: list[float] = []  # camera frames received on the GUI thread
        self.missed = self.timeouts = 0
        self.who: list[str] = []


def bench_engine(trials: Trials, challenge_s: float, distractors: int) -> Any:
    from kiosk.faces import MeshFaceEngine
    from vision.faces.template import Template

    class AnsweredChallenge:
        """The visitor's answers (see the module's docstring): passes `challenge_s` after the first frame
        it is fed, which is the frame where the face became steady and usable."""

        prompt = "请眨眨眼"

        def __init__(self) -> None:
            self.started: float | None = None

        def feed(self, face: Any, t: float) -> str:
            if self.started is None:
                self.started = t
                trials.steady_in, trials.steady_out = trials.tracker_in, trials.tracker_out
            if t - self.started >= challenge_s:
                trials.passed = time.perf_counter()
                return "passed"
            return "pending"

    class BenchEngine(MeshFaceEngine):
        def __init__(self) -> None:
            super().__init__()
            process = self.tracker.process

            def timed(frame: np.ndarray, t: float) -> Any:
                started = time.perf_counter()
                face = process(frame, t)
                trials.tracker_in, trials.tracker_out = started, time.perf_counter()
                return face

            self.tracker.process = timed  # type: ignore[method-assign]
            if hasattr(self, "embed_later"):  # the embedding in the worker process: when it settles
                embed_later = self.embed_later

                def later(frame: np.ndarray, face: Any) -> Any:
                    future = embed_later(frame, face)
                    future.add_done_callback(lambda _f: setattr(trials, "embedded", time.perf_counter()))
                    return future

                self.embed_later = later  # type: ignore[method-assign]
            else:  # the code before: the embedding on the camera thread
                embed = self.embed

                def at_once(frame: np.ndarray, face: Any) -> Any:
                    template = embed(frame, face)
                    trials.embedded = time.perf_counter()
                    return template

                self.embed = at_once  # type: ignore[method-assign]
            rng = np.random.default_rng(0)
            for i, vector in enumerate(rng.standard_normal((distractors, 128)).astype(np.float32)):
                self.gallery.add(f"distractor-{i}", Template(vector))

        def attempt(self) -> Any:
            attempt = super().attempt()
            attempt.challenge = AnsweredChallenge()
            return attempt

    return BenchEngine


def run(url: str, keys: Path, count: int, challenge_s: float, distractors: int) -> Trials:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QLabel

    import kiosk.lookup
    from kiosk.services import KioskServices, Timings
    from kiosk.window import KioskWindow
    from ui.app import create_app
    from vision.camera import Camera, demo_video_path, open_capture

    app = create_app(["bench"], theme="kiosk")
    store = make_store(url, keys)
    known_visitor = kiosk.lookup.known_visitor

    def timed_lookup(*args: Any) -> Any:
        found = known_visitor(*args)
        trials.looked_up = time.perf_counter()
        return found

    kiosk.lookup.known_visitor = timed_lookup  # type: ignore[assignment]
    enrolled = {str(store.customer_id(phone)) for phone in VISITORS}
    trials = Trials()
    camera = Camera(str(demo_video_path()), loop_file=True,
                    opener=lambda source: PacedAt(open_capture(source), CAMERA_FPS))
    services = KioskServices(store=store, camera=camera, faces_factory=bench_engine(trials, challenge_s, distractors),
                             timings=Timings(done_ms=600_000, idle_ms=600_000, face_timeout_ms=600_000))
    window = KioskWindow(services)
    window.allow_close = True
    window.resize(1080, 1920)
    window.show()
    pick = random.Random(1)
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.setInterval(15_000)

    def next_trial() -> None:
        if len(trials.done) + trials.missed + trials.timeouts >= count:
            app.quit()
            return
        window.reset()
        trials.steady_in = trials.steady_out = trials.passed = 0.0
        window.screen("start").face.click()  # 刷脸登记
        window.screen("consent").accept.click()  # 同意: the consent is recorded, then the face screen
        watchdog.start()

    def later() -> None:  # the next visitor walks up at a random moment of the video
        QTimer.singleShot(pick.randint(200, 800), next_trial)

    class GreetingPainted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if event.type() != QEvent.Type.Paint or window.current != "returning" or not trials.steady_out:
                return False
            QLabel.event(watched, event)  # paint it now, then read the clock
            painted = time.perf_counter()
            watchdog.stop()
            trials.done.append({"steady_in": trials.steady_in, "steady_out": trials.steady_out,
                                "passed": trials.passed, "embedded": trials.embedded,
                                "looked_up": trials.looked_up, "painted": painted})
            trials.who.append(str(window.screen("returning").known.customer_id))
            trials.steady_out = 0.0
            later()
            return True

    def screen_changed(name: str) -> None:
        if name == "phone" and window.flow is not None and window.flow.method == "face":
            watchdog.stop()
            trials.missed += 1  # not recognised: the new-face path
            later()

    def timed_out() -> None:
        trials.timeouts += 1
        next_trial()

    painted_filter = GreetingPainted()
    window.screen("returning").question.installEventFilter(painted_filter)
    window.screen_changed.connect(screen_changed)
    watchdog.timeout.connect(timed_out)
    window.feed.frame.connect(lambda _image: trials.frames.append(time.perf_counter()))

    def ready() -> None:
        if services.faces is None or not window.feed.available:
            QTimer.singleShot(100, ready)
            return
        print(f"  gallery: {len(services.faces.gallery):,} customers; first trial", flush=True)
        QTimer.singleShot(1000, next_trial)

    window.start()
    QTimer.singleShot(100, ready)
    app.exec()
    trials.who = [who if who in enrolled else f"WRONG {who}" for who in trials.who]
    window.close()
    window.runner.wait(5000)
    store.dispose()
    return trials


def preview_during(trials: Trials) -> tuple[float, float]:
    """Frames per second the GUI received while recognition ran, and the longest gap (ms) in those spans."""
    frames = np.array(trials.frames)
    spans = [(t["steady_in"], t["painted"]) for t in trials.done]
    shown, seconds, gap = 0, 0.0, 0.0
    for start, end in spans:
        inside = frames[(frames >= start) & (frames <= end)]
        shown += len(inside)
        seconds += end - start
        edges = np.concatenate([[start], inside, [end]])
        gap = max(gap, float(np.diff(edges).max()))
    return (shown / seconds if seconds else 0.0), gap * 1000


def report(trials: Trials, challenge_s: float) -> None:
    def line(label: str, values: list[float], budget: float | None = None) -> None:
        if not values:
            return
        p95 = percentile(values, 0.95)
        verdict = "" if budget is None else ("  within" if p95 <= budget else "  OVER")
        print(f"  {label:<22} p50 {percentile(values, 0.5):6.1f} ms  p95 {p95:6.1f} ms  max {max(values):6.1f} ms{verdict}")

    ms = [{k: (v - t["steady_in"]) * 1000 for k, v in t.items()} for t in trials.done]
    print(f"greetings: {len(trials.done)} (not recognised {trials.missed}, timed out {trials.timeouts}); "
          f"wrong person: {sum(w.startswith('WRONG') for w in trials.who)}")
    line("steady → greeting", [m["painted"] - m["steady_out"] for m in ms],
         GREETING_BUDGET_MS if challenge_s == 0 else None)
    line("frame → greeting", [m["painted"] for m in ms])
    line("steady → embedded", [m["embedded"] - m["steady_out"] for m in ms])
    line("steady → looked up", [m["looked_up"] - m["steady_out"] for m in ms])
    line("looked up → painted", [m["painted"] - max(m["looked_up"], m["passed"]) for m in ms])
    if challenge_s > 0:
        line("answered → greeting", [m["painted"] - m["passed"] for m in ms], GREETING_BUDGET_MS)
    fps, gap = preview_during(trials)
    verdict = "within" if fps >= PREVIEW_BUDGET_FPS else "UNDER"
    print(f"  preview while recognising: {fps:5.1f} fps, longest gap {gap:.0f} ms  {verdict} (budget ≥ {PREVIEW_BUDGET_FPS:.0f} fps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--challenge-s", type=float, default=0.0)
    parser.add_argument("--distractors", type=int, default=10_000)
    parser.add_argument("--pg", default="", help="PostgreSQL URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    if not FACES_DIR.is_dir():
        raise SystemExit(f"test photos not found at {FACES_DIR}")
    print(f"CPU cores: {os.cpu_count()}; load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        url, schema = (f"sqlite:///{tmp}/kiosk.sqlite3", None) if not args.pg else pg_schema_url(args.pg)
        print(f"database: {'PostgreSQL' if schema else 'SQLite'}; challenge answered {args.challenge_s:.1f} s after steady")
        try:
            trials = run(url, Path(tmp) / "keys", args.trials, args.challenge_s, args.distractors)
        finally:
            if schema:
                drop_schema(args.pg, schema)
    report(trials, args.challenge_s)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
