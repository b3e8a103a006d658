"""The kiosk's live path: face tracker speed, preview rate while recognition runs, greeting time.

    python -m benchmarks.vision_tracking [--seconds S] [--trials N]

Budgets (DESIGN.md, issue 7): live preview >= 25 fps on 2 cores while recognition runs; a returning,
consenting visitor greeted <= 300 ms (p95) after their face is steady in the frame. The kiosk tracks
faces every frame (vision/tracking.py) and embeds a face once per track, when it is steady and usable.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Callable

import cv2
import numpy as np

from benchmarks.vision_photos import FACES_DIR
from benchmarks.vision_speed import fmt, random_gallery, timings_ms
from vision.camera import demo_video_path, read_frames
from vision.embedder import EmbeddingWorker
from vision.faces import FacePipeline
from vision.images import load_image
from vision.liveness_clips import kiosk_view
from vision.tracking import FaceTracker

OBAMA = "knn_examples/train/obama/obama.jpg"


def demo_frames(count: int = 60) -> list[np.ndarray]:
    return read_frames(demo_video_path(), count)


def bench_per_frame(frame: np.ndarray, repeat: int) -> None:
    print("per 640x480 frame, one face ~180 px wide")
    tracker = FaceTracker()
    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    print(f"  BlazeFace short-range          {fmt(timings_ms(lambda: tracker._detector.process(rgb), repeat, 5))}")
    print(f"  face mesh, tracking mode       {fmt(timings_ms(lambda: tracker._mesh.process(rgb), repeat, 5))}")
    clock = iter(range(10**9))
    print(f"  FaceTracker.process (all)      {fmt(timings_ms(lambda: tracker.process(frame, next(clock) / 30), repeat, 5))}")
    hog = FacePipeline()
    print(f"  dlib HOG detection (before)    {fmt(timings_ms(lambda: hog.detect(frame), repeat, 2))}")
    face = tracker.process(frame, 10**6)
    assert face is not None
    print(f"  dlib embedding of the tracked box {fmt(timings_ms(lambda: hog.analyse_box(frame, face.box), repeat, 2))}")
    tracker.close()


def tracker_fps(frames: list[np.ndarray], seconds: float, stop: threading.Event | None = None) -> tuple[float, int]:
    tracker = FaceTracker()
    done, tracked, started = 0, 0, time.perf_counter()
    while time.perf_counter() - started < seconds and not (stop and stop.is_set()):
        face = tracker.process(frames[done % len(frames)], done / 30)
        tracked += face is not None
        done += 1
    tracker.close()
    return done / (time.perf_counter() - started), tracked


def fps_beside(frames: list[np.ndarray], seconds: float, embed: Callable[[], object]) -> tuple[float, float]:
    """Tracker frames per second while `embed` runs non-stop on another thread; embeddings per second."""
    count = 0
    stop = threading.Event()

    def recognise() -> None:
        nonlocal count
        while not stop.is_set():
            embed()
            count += 1

    thread = threading.Thread(target=recognise)
    thread.start()
    fps, _ = tracker_fps(frames, seconds)
    stop.set()
    thread.join()
    return fps, count / seconds


def bench_fps(frames: list[np.ndarray], seconds: float) -> None:
    """The tracker alone, then beside an embedding that never stops (the worst case: a new track to
    embed all the time), in a thread (dlib holds the GIL) and in the worker process the kiosk uses."""
    alone, _ = tracker_fps(frames, seconds)
    face = FaceTracker().process(frames[0], 0.0)
    assert face is not None
    pipeline = FacePipeline()
    in_thread = fps_beside(frames, seconds, lambda: pipeline.analyse_box(frames[0], face.box))
    with EmbeddingWorker() as worker:
        worker.warm_up()
        in_process = fps_beside(frames, seconds, lambda: worker.submit(frames[0], face.box).result())
    print(f"tracker frame rate on the demo video ({len(frames)} frames, 640x480), {seconds:.0f} s each (budget >= 25 fps):")
    print(f"  alone {alone:6.1f} fps")
    for where, (fps, rate) in (("thread", in_thread), ("process", in_process)):
        print(f"  beside non-stop embedding in a {where:7s} {fps:6.1f} fps ({rate:.1f} embeddings/s)")


def bench_greeting(trials: int, rng: np.random.Generator) -> None:
    """A visitor enrolled from another photo walks up; time from the frame that makes the track steady
    to the gallery's answer, while the tracker keeps running at 30 fps on the other core."""
    gallery = random_gallery(10_000, rng)
    photos = FacePipeline.for_photos()
    gallery.add("obama", photos.analyse(load_image(FACES_DIR / "knn_examples/train/obama/obama2.jpg"))[0].template())
    visitor = kiosk_view(load_image(FACES_DIR / OBAMA))
    empty = np.full_like(visitor, 120)
    worker = EmbeddingWorker()
    worker.warm_up()
    stop = threading.Event()
    background = threading.Thread(target=lambda: paced_tracker(demo_frames(30), stop))
    background.start()
    tracker, clock, samples, found = FaceTracker(), 0.0, [], 0
    for _ in range(trials):
        for _ in range(20):  # nobody there: the next face is a new track
            clock += 1 / 30
            tracker.process(empty, clock)
        while True:
            clock += 1 / 30
            shift = rng.integers(-2, 3, 2)
            face = tracker.process(np.roll(visitor, tuple(shift), axis=(0, 1)), clock)
            if face is not None and face.ready:
                break
        started = time.perf_counter()
        best = gallery.search(worker.submit(visitor, face.box).result(), k=1)
        samples.append((time.perf_counter() - started) * 1000)
        found += bool(best and best[0].is_candidate and best[0].customer_id == "obama")
    stop.set()
    background.join()
    worker.close()
    print(f"greeting: face steady -> embedding (worker process) + 1:N search over 10,001 templates: {fmt(np.array(samples))} "
          f"over {trials} arrivals, {found} recognised (budget p95 <= 300 ms)")


def paced_tracker(frames: list[np.ndarray], stop: threading.Event) -> None:
    tracker = FaceTracker()
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        tracker.process(frames[i % len(frames)], i / 30)
        i += 1
        time.sleep(max(0.0, 1 / 30 - (time.perf_counter() - started)))
    tracker.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    if not FACES_DIR.is_dir():
        raise SystemExit(f"test photos not found at {FACES_DIR}")
    print(f"CPU cores: {os.cpu_count()}  (budgets are for 2 cores); load average before: {os.getloadavg()[0]:.1f}")
    bench_per_frame(kiosk_view(load_image(FACES_DIR / OBAMA)), args.repeat)
    bench_fps(demo_frames(), args.seconds)
    bench_greeting(args.trials, np.random.default_rng(0))
    print(f"load average after: {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
