"""APCER / BPCER of the liveness challenge on recorded test clips (ISO/IEC 30107-3 terms).

    python -m benchmarks.vision_liveness [--keep DIR]

Clips are made from the shared photos (vision/liveness_clips.py), written as MP4 and read back
through OpenCV, like a camera recording, then judged frame by frame with the live tracker (BlazeFace
+ face mesh, vision/tracking.py). BPCER: share of bona fide presentations (a visitor doing the asked
steps) refused. APCER: share of attack presentations accepted, per attack kind; every attack clip is
judged against every possible challenge of 2 and of 3 steps, which is the exact acceptance rate of
a challenge drawn at random. Replays: a phone playing a recording of the visitor blinking and turning
once (what passed the old one-turn challenge half the time), and a recording of a whole session that
answered some other challenge.
"""

from __future__ import annotations

import argparse
import itertools
import random
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from benchmarks.vision_photos import FACES_DIR
from vision.camera import read_frames
from vision.faces import FacePipeline
from vision.images import load_image
from vision.liveness import PASSED, PENDING, Challenge, Step
from vision.liveness_clips import (
    answer_frames,
    as_screen,
    attack_frames,
    bona_fide_frames,
    held_up,
    kiosk_view,
)
from vision.tracking import FaceTracker, TrackedFace

PHOTOS = [
    "knn_examples/train/obama/obama.jpg",
    "knn_examples/train/biden/biden2.jpg",
    "knn_examples/train/alex_lacamoire/img1.jpg",
    "knn_examples/train/rose_leslie/img2.jpg",
    "knn_examples/train/kit_harington/john1.jpeg",
]
FPS = 10
CHALLENGES = {n: [list(steps) for steps in itertools.permutations(Step, n)] for n in (2, 3)}


def record(frames: Iterable[np.ndarray], path: Path) -> Path:
    frames = list(frames)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def track(frames: list[np.ndarray]) -> list[TrackedFace | None]:
    tracker = FaceTracker()
    faces = [tracker.process(frame, i / FPS) for i, frame in enumerate(frames)]
    tracker.close()
    return faces


def judge(faces: list[TrackedFace | None], steps: list[Step]) -> bool:
    challenge = Challenge(steps)
    for i, face in enumerate(faces):
        if challenge.feed(face, i / FPS) != PENDING:
            break
    return challenge.finish() == PASSED


def replayed(frames: Iterable[np.ndarray], seed: int) -> Iterable[np.ndarray]:
    """A phone playing a recording, held up and moved."""
    rng = np.random.default_rng(seed)
    recorded = list(frames)
    for i, frame in enumerate(recorded):
        yield held_up(as_screen(frame), i, len(recorded), rng, tilt=0.05)


def make_clips(faces_dir: Path, out: Path) -> list[tuple[str, Path, list[Step] | None]]:
    """(kind, file, the steps a bona fide visitor answered, or None for attacks)."""
    pipeline = FacePipeline()
    rng = random.Random(2024)
    clips: list[tuple[str, Path, list[Step] | None]] = []
    for n, name in enumerate(PHOTOS):
        image = kiosk_view(load_image(faces_dir / name))
        landmarks = pipeline.analyse(image, embed=False, with_landmarks68=True)[0].landmarks68
        stem = Path(name).stem
        answered = [rng.choice(CHALLENGES[2]) for _ in range(3)] + [rng.choice(CHALLENGES[3])]
        for k, steps in enumerate(answered):
            clips.append(("bona fide", record(answer_frames(image, landmarks, steps), out / f"{stem}-live-{k}.mp4"), steps))
        for sign, side in ((1.0, "left"), (-1.0, "right")):
            one_turn = replayed(bona_fide_frames(image, landmarks, sign), seed=n)
            clips.append(("replay, one turn", record(one_turn, out / f"{stem}-replay-{side}.mp4"), None))
        session = replayed(answer_frames(image, landmarks, rng.choice(CHALLENGES[2])), seed=n + 100)
        clips.append(("replay, session", record(session, out / f"{stem}-replay-session.mp4"), None))
        for seed in (1, 2):
            for kind in ("print", "screen"):
                clips.append((kind, record(attack_frames(image, kind, seed + 10 * n), out / f"{stem}-{kind}-{seed}.mp4"), None))
    return clips


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path, help="keep the recorded clips in this folder")
    args = parser.parse_args()
    if not FACES_DIR.is_dir():
        raise SystemExit(f"test photos not found at {FACES_DIR}")
    bona: dict[int, list[bool]] = defaultdict(list)
    accepted: dict[tuple[str, int], list[bool]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as scratch:
        out = args.keep or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        clips = make_clips(FACES_DIR, out)
        for kind, path, answered in clips:
            faces = track(read_frames(path))
            if answered:
                bona[len(answered)].append(judge(faces, answered))
                continue
            for length, challenges in CHALLENGES.items():
                accepted[kind, length] += [judge(faces, steps) for steps in challenges]
    print(f"liveness on {len(clips)} recorded clips from {len(PHOTOS)} photos (random challenge of 2 or 3 steps, face mesh)")
    for length, results in sorted(bona.items()):
        print(f"  BPCER  {1 - np.mean(results):.3f}  {length} steps  ({results.count(False)} of {len(results)} bona fide presentations refused)")
    for length in CHALLENGES:
        for kind in dict.fromkeys(k for k, _ in accepted):
            results = accepted[kind, length]
            print(f"  APCER  {np.mean(results):.3f}  {length} steps  {kind:17s} ({sum(results)} of {len(results)} attack presentations accepted)")


if __name__ == "__main__":
    main()
