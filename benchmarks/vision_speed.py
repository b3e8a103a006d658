"""Vision speed figures, side by side with the `face_recognition` package as the reference.

    python -m benchmarks.vision_speed [--repeat N]

Targets (docs/VISION.md): detect + embed at 480p at least 2x faster than the reference; camera frame
to identity <= 300 ms at p95 on 2 cores; 1:N over 100,000 templates <= 20 ms.
The reference column needs `face_recognition` (not a project dependency); see docs/VISION.md for
the install line. Without it the column is skipped with a note.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import cv2
import numpy as np

from benchmarks.vision_photos import FACES_DIR
from vision.camera import demo_video_path, read_frames
from vision.enrolment import Recogniser
from vision.faces import FacePipeline, Template
from vision.gallery import InMemoryGallery
from vision.images import load_image
from vision.qr import AppointmentSigner, QrDecoder, generate_signing_key, qr_matrix_image
from vision.qr.codes import Appointment

try:
    import face_recognition
except ImportError:
    face_recognition = None


def timings_ms(action: Callable[[], object], repeat: int, warmup: int = 1) -> np.ndarray:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return np.array(samples)


def fmt(samples: np.ndarray) -> str:
    return f"p50 {np.percentile(samples, 50):7.1f} ms  p95 {np.percentile(samples, 95):7.1f} ms"


def random_gallery(count: int, rng: np.random.Generator) -> InMemoryGallery:
    gallery = InMemoryGallery(capacity=count)
    vectors = rng.standard_normal((count, 128)).astype(np.float32)
    for i, vector in enumerate(vectors):
        gallery.add(f"c{i}", Template(vector))
    return gallery


def bench_detect_embed(repeat: int) -> None:
    print("detect + embed per frame (one face, obama-*.jpg)")
    pipeline = FacePipeline()
    for resolution in ("240p", "480p", "720p"):
        frame = load_image(FACES_DIR / f"obama-{resolution}.jpg")
        ours = timings_ms(lambda f=frame: pipeline.analyse(f), repeat)
        found = len(pipeline.analyse(frame))
        line = f"  {resolution} {frame.shape[1]}x{frame.shape[0]}  anchang {fmt(ours)} ({found} face)"
        if face_recognition is not None:
            rgb = np.ascontiguousarray(frame[:, :, ::-1])

            def reference(image: np.ndarray = rgb) -> object:
                return face_recognition.face_encodings(image, face_recognition.face_locations(image))

            theirs = timings_ms(reference, repeat)
            speedup = np.median(theirs) / np.median(ours)
            line += f" | face_recognition {fmt(theirs)} ({len(reference())} face) | {speedup:4.1f}x faster"
        print(line)


def bench_frame_to_identity(repeat: int, rng: np.random.Generator) -> None:
    gallery = random_gallery(10_000, rng)
    photos = FacePipeline.for_photos()
    for person, photo in [("obama", "knn_examples/train/obama/obama.jpg"), ("biden", "knn_examples/train/biden/biden2.jpg")]:
        gallery.add(person, photos.analyse(load_image(FACES_DIR / photo))[0].template())
    frames = read_frames(demo_video_path(), 60)
    recogniser = Recogniser(FacePipeline(), gallery)
    samples = []
    for i in range(max(repeat * 4, len(frames))):
        frame = frames[i % len(frames)]
        started = time.perf_counter()
        recogniser.identify(frame)
        samples.append((time.perf_counter() - started) * 1000)
    print(f"camera frame (640x480 demo video) to identity, gallery 10,002: {fmt(np.array(samples))} over {len(samples)} frames")


def bench_search(rng: np.random.Generator) -> None:
    for count in (10_000, 100_000):
        gallery = random_gallery(count, rng)
        queries = rng.standard_normal((200, 128)).astype(np.float32)
        samples = []
        for query in queries:
            started = time.perf_counter()
            gallery.search(query, k=5)
            samples.append((time.perf_counter() - started) * 1000)
        print(f"1:N search, top-5 over {count:>7,} templates: {fmt(np.array(samples))}")


def bench_qr(repeat: int) -> None:
    code = AppointmentSigner(generate_signing_key()).sign(Appointment("A-1", "demo", 0, 2**31))
    frame = np.full((480, 640), 140, np.uint8)
    frame[110:370, 190:450] = cv2.resize(qr_matrix_image(code), (260, 260), interpolation=cv2.INTER_AREA)
    frame = cv2.cvtColor(cv2.GaussianBlur(frame, (0, 0), 1.0), cv2.COLOR_GRAY2BGR)
    empty = load_image(FACES_DIR / "obama-480p.jpg")[:, :640]
    for name, decoder in (("pyzbar", QrDecoder()), ("opencv", QrDecoder(use_zbar=False))):
        with_code = timings_ms(lambda d=decoder: d.decode(frame), repeat)
        without = timings_ms(lambda d=decoder: d.decode(empty), repeat)
        print(f"QR decode per 640x480 frame, {name}: with a code {fmt(with_code)}; without {fmt(without)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if not FACES_DIR.is_dir():
        raise SystemExit(f"test photos not found at {FACES_DIR}")
    print(f"CPU cores: {os.cpu_count()}  (budgets are for 2 cores)")
    if face_recognition is None:
        print("NOTE: face_recognition is not installed: reference column skipped (install line in docs/VISION.md)")
    rng = np.random.default_rng(0)
    bench_detect_embed(args.repeat)
    bench_frame_to_identity(args.repeat, rng)
    bench_search(rng)
    bench_qr(args.repeat)


if __name__ == "__main__":
    main()
