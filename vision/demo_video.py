"""Builds resources/demo/faces_demo.mp4, the kiosk's camera stand-in, from the shared test photos.

    python -m vision.demo_video [FACES_DIR]

Each photo is letterboxed to 640x480 and panned a few pixels a frame, so the picture moves like a
live one (whole-pixel pans also keep the file small: MPEG-4 predicts them almost for free).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from vision.camera import demo_video_path
from vision.images import load_image

PHOTOS = [
    "obama-720p.jpg",
    "knn_examples/train/biden/biden2.jpg",
    "knn_examples/train/alex_lacamoire/img1.jpg",
    "two_people.jpg",
    "knn_examples/train/kit_harington/john1.jpeg",
    "knn_examples/test/obama_and_biden.jpg",
]
SIZE = (640, 480)
FPS = 5
FRAMES_PER_PHOTO = 10
PAN_PIXELS_PER_FRAME = 2


def letterbox(image: np.ndarray) -> np.ndarray:
    width, height = SIZE
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width, 3), 32, np.uint8)
    y, x = (height - resized.shape[0]) // 2, (width - resized.shape[1]) // 2
    canvas[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    return canvas


def build(faces_dir: Path, output: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(output), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write mp4v video here")
    for name in PHOTOS:
        still = letterbox(load_image(faces_dir / name))
        for i in range(FRAMES_PER_PHOTO):
            shift = PAN_PIXELS_PER_FRAME * (i - FRAMES_PER_PHOTO // 2)
            pan = np.float32([[1, 0, shift], [0, 1, 0]])
            writer.write(cv2.warpAffine(still, pan, SIZE, borderValue=(32, 32, 32)))
    writer.release()
    return output.stat().st_size


if __name__ == "__main__":
    faces = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "faces"
    size = build(faces, demo_video_path())
    print(f"wrote {demo_video_path()} ({size // 1024} KiB)")
