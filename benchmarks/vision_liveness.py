"""APCER / BPCER of the liveness check on recorded test clips (ISO/IEC 30107-3 terms).

    python -m benchmarks.vision_liveness [--keep DIR]

Clips are made from the shared photos (vision/liveness_clips.py), written as MP4 and read back
through OpenCV, like a camera recording, then judged frame by frame with the kiosk pipeline.
APCER: share of attack presentations accepted as live, per attack kind. BPCER: share of bona fide
presentations refused. Each clip is judged once per challenge direction (left / right).
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from benchmarks.vision_photos import FACES_DIR
from vision.faces import FacePipeline
from vision.images import load_image
from vision.liveness import Challenge, LivenessCheck
from vision.liveness_clips import attack_frames, bona_fide_frames, replay_frames

PHOTOS = [
    "knn_examples/train/obama/obama.jpg",
    "knn_examples/train/biden/biden2.jpg",
    "knn_examples/train/alex_lacamoire/img1.jpg",
    "knn_examples/train/rose_leslie/img2.jpg",
    "knn_examples/train/kit_harington/john1.jpeg",
]
FRAME = (640, 480)
FACE_WIDTH = 180  # a visitor standing at the kiosk, about 60 cm from the camera


def record(frames: Iterable[np.ndarray], path: Path) -> Path:
    frames = list(frames)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def playback(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def clip_landmarks(pipeline: FacePipeline, frames: list[np.ndarray]) -> list[np.ndarray | None]:
    marks = []
    for frame in frames:
        faces = pipeline.analyse(frame, embed=False, with_landmarks68=True, max_faces=1)
        marks.append(faces[0].landmarks68 if faces else None)
    return marks


def judge(marks: list[np.ndarray | None], challenge: Challenge) -> bool:
    check = LivenessCheck(challenge)
    for landmarks in marks:
        if check.update(landmarks).live:
            return True
    return bool(check.finish().live)


def kiosk_view(pipeline: FacePipeline, photo: np.ndarray) -> np.ndarray:
    """The photo scaled so the face is FACE_WIDTH wide, cut to a 640x480 frame around it."""
    left, top, right, bottom = FacePipeline.for_photos().detect(photo)[0][0]
    scale = FACE_WIDTH / (right - left)
    image = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    centre_x, centre_y = int((left + right) / 2 * scale), int((top + bottom) / 2 * scale)
    width, height = FRAME
    padded = cv2.copyMakeBorder(image, height, height, width, width, cv2.BORDER_REPLICATE)
    x0, y0 = centre_x + width - width // 2, centre_y + height - height // 2
    return np.ascontiguousarray(padded[y0 : y0 + height, x0 : x0 + width])


def make_clips(faces_dir: Path, out: Path) -> list[tuple[str, Path, Challenge | None]]:
    """(kind, file, the challenge a bona fide visitor answered, or None for attacks)."""
    pipeline = FacePipeline()
    clips = []
    for n, name in enumerate(PHOTOS):
        image = kiosk_view(pipeline, load_image(faces_dir / name))
        landmarks = pipeline.analyse(image, embed=False, with_landmarks68=True)[0].landmarks68
        stem = Path(name).stem
        for sign, challenge in ((1.0, Challenge.TURN_LEFT), (-1.0, Challenge.TURN_RIGHT)):
            clips.append(("bona fide", record(bona_fide_frames(image, landmarks, sign), out / f"{stem}-live-{challenge.name}.mp4"), challenge))
            clips.append(("replay", record(replay_frames(image, landmarks, sign, seed=n), out / f"{stem}-replay-{challenge.name}.mp4"), None))
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
    with tempfile.TemporaryDirectory() as scratch:
        out = args.keep or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        clips = make_clips(FACES_DIR, out)
        pipeline = FacePipeline()
        accepted: dict[str, list[bool]] = defaultdict(list)
        for kind, path, answered in clips:
            marks = clip_landmarks(pipeline, playback(path))
            challenges = [answered] if answered else list(Challenge)
            for challenge in challenges:
                accepted[kind].append(judge(marks, challenge))
    print(f"liveness on {len(clips)} recorded clips from {len(PHOTOS)} photos (blink + random head-turn challenge)")
    bona = accepted.pop("bona fide")
    print(f"  BPCER  {1 - np.mean(bona):.3f}  ({bona.count(False)} of {len(bona)} bona fide presentations refused)")
    for kind, results in accepted.items():
        print(f"  APCER  {np.mean(results):.3f}  {kind:7s} ({sum(results)} of {len(results)} attack presentations accepted)")
    everything = [r for results in accepted.values() for r in results]
    print(f"  APCER  {np.mean(everything):.3f}  all attacks (max over kinds {max(np.mean(r) for r in accepted.values()):.3f})")


if __name__ == "__main__":
    main()
