"""Test clips for the liveness check, made from still photos (for tests and benchmarks only).

Bona fide clips: the face blinks (eyelids painted over the eyes) and turns its head (a
piecewise-affine warp moves the nose and the inner face more than the outline, as a rotating
head does). Attack clips: the same photo as a print or a phone screen, held up and moved, tilted
and bent by hand, and replays of a bona fide clip on a phone. They are approximations of the real
thing, good for catching regressions; real recorded attacks remain to be collected on site.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import cv2
import numpy as np

from vision.liveness import Step

# How far each landmark lies in front of the face's outline, in eye distances: the nose moves most.
DEPTH = np.zeros(68, np.float32)
DEPTH[17:27] = 0.35  # brows
DEPTH[27:31] = np.linspace(0.55, 1.0, 4)  # nose bridge to tip
DEPTH[31:36] = 0.8  # nostrils
DEPTH[36:48] = 0.3  # eyes
DEPTH[48:68] = 0.5  # mouth


def _triangles(points: np.ndarray, size: tuple[int, int]) -> list[tuple[int, int, int]]:
    width, height = size
    subdiv = cv2.Subdiv2D((0, 0, width, height))
    for x, y in points:
        subdiv.insert((float(min(max(x, 0), width - 1)), float(min(max(y, 0), height - 1))))
    found = []
    for tri in subdiv.getTriangleList():
        corners = tri.reshape(3, 2)
        index = [int(np.argmin(np.linalg.norm(points - corner, axis=1))) for corner in corners]
        if len(set(index)) == 3:
            found.append((index[0], index[1], index[2]))
    return found


def piecewise_affine(image: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Warp `image` so that the `source` points land on `target` (the frame's edges stay put)."""
    height, width = image.shape[:2]
    edge = np.array(
        [(0, 0), (width // 2, 0), (width - 1, 0), (width - 1, height // 2), (width - 1, height - 1),
         (width // 2, height - 1), (0, height - 1), (0, height // 2)],
        np.float32,
    )
    source, target = np.vstack([source, edge]), np.vstack([target, edge])
    out = image.copy()
    for tri in _triangles(target, (width, height)):
        src, dst = source[list(tri)], target[list(tri)]
        if np.allclose(src, dst):
            continue
        x, y, w, h = cv2.boundingRect(dst.astype(np.float32))
        local = (dst - (x, y)).astype(np.float32)
        matrix = cv2.getAffineTransform(src.astype(np.float32), local)
        patch = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        mask = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(mask, np.round(local).astype(np.int32), 1)
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
        region = out[y0:y1, x0:x1]
        sub_mask = mask[y0 - y : y1 - y, x0 - x : x1 - x].astype(bool)
        region[sub_mask] = patch[y0 - y : y1 - y, x0 - x : x1 - x][sub_mask]
    return out


def turn_head(image: np.ndarray, landmarks: np.ndarray, degrees: float) -> np.ndarray:
    """Positive degrees: the visitor turns to their left (the nose moves to the image's right)."""
    eye_distance = float(np.linalg.norm(landmarks[42:48].mean(0) - landmarks[36:42].mean(0)))
    target = landmarks.copy()
    target[:, 0] += DEPTH * eye_distance * math.sin(math.radians(degrees)) * 1.6
    return piecewise_affine(image, landmarks, target)


def nod_head(image: np.ndarray, landmarks: np.ndarray, degrees: float) -> np.ndarray:
    """Positive degrees: the visitor looks down (the nose moves down more than eyes and mouth)."""
    eye_distance = float(np.linalg.norm(landmarks[42:48].mean(0) - landmarks[36:42].mean(0)))
    target = landmarks.copy()
    target[:, 1] += DEPTH * eye_distance * math.sin(math.radians(degrees)) * 1.6
    return piecewise_affine(image, landmarks, target)


def close_eyes(image: np.ndarray, landmarks: np.ndarray, amount: float = 1.0) -> np.ndarray:
    """Paint eyelids over both eyes with the skin colour from just below them."""
    out = image.copy()
    for eye in (landmarks[36:42], landmarks[42:48]):
        centre = eye.mean(axis=0)
        width = float(np.linalg.norm(eye[3] - eye[0]))
        lid = ((eye - centre) * (1.35, 1.9) + centre).astype(np.int32)
        below = out[int(centre[1] + 0.45 * width) : int(centre[1] + 0.75 * width), int(eye[0][0]) : int(eye[3][0])]
        skin = below.reshape(-1, 3).mean(axis=0) if below.size else np.array([128, 128, 128])
        layer = out.copy()
        cv2.fillPoly(layer, [lid], skin.tolist())
        cv2.line(layer, tuple(eye[0].astype(int)), tuple(eye[3].astype(int)), (skin * 0.3).tolist(), max(2, int(width / 7)))
        mask = np.zeros(out.shape[:2], np.float32)
        cv2.fillPoly(mask, [lid], 1.0)
        mask = cv2.GaussianBlur(mask, (0, 0), max(0.8, width / 25))[..., None] * amount
        out = (out * (1 - mask) + layer * mask).astype(np.uint8)
    return out


def bona_fide_frames(image: np.ndarray, landmarks: np.ndarray, turn_sign: float, frames: int = 36) -> Iterator[np.ndarray]:
    """Look, blink, look, then turn the head to one side and back."""
    for i in range(frames):
        frame = image
        if i in (8, 9):
            frame = close_eyes(frame, landmarks)
        if i >= 14:
            progress = min(1.0, (i - 14) / 8) if i < 28 else max(0.0, 1 - (i - 28) / 6)
            frame = turn_head(frame, landmarks, turn_sign * 25 * progress)
        yield frame


def answer_frames(image: np.ndarray, landmarks: np.ndarray, steps: list[Step]) -> Iterator[np.ndarray]:
    """A visitor doing the asked steps in order at 10 fps: look, then each step and back to the front."""
    yield from [image] * 5
    for step in steps:
        if step is Step.BLINK:
            closed = close_eyes(image, landmarks)
            yield from [closed, closed] + [image] * 4
            continue
        if step is Step.NOD:
            angles = [20 * min(1.0, k / 4) for k in range(1, 6)] + [20 * (1 - k / 5) for k in range(1, 6)]
            move = nod_head
        else:
            sign = 1.0 if step is Step.TURN_LEFT else -1.0
            angles = [sign * 25 * k / 6 for k in range(1, 7)] + [sign * 25] * 2 + [sign * 25 * (1 - k / 5) for k in range(1, 6)]
            move = turn_head
        yield from (move(image, landmarks, angle) if angle else image for angle in angles)
        yield from [image] * 3


def kiosk_view(photo: np.ndarray, face_width: int = 180, frame: tuple[int, int] = (640, 480)) -> np.ndarray:
    """The photo scaled so its face is `face_width` wide (a visitor about 60 cm from the camera),
    cut to a 640x480 frame around it."""
    from vision.faces import FacePipeline

    left, top, right, bottom = FacePipeline.for_photos().detect(photo)[0][0]
    scale = face_width / (right - left)
    image = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    centre_x, centre_y = int((left + right) / 2 * scale), int((top + bottom) / 2 * scale)
    width, height = frame
    padded = cv2.copyMakeBorder(image, height, height, width, width, cv2.BORDER_REPLICATE)
    x0, y0 = centre_x + width - width // 2, centre_y + height - height // 2
    return np.ascontiguousarray(padded[y0 : y0 + height, x0 : x0 + width])


def held_up(image: np.ndarray, i: int, frames: int, rng: np.random.Generator, tilt: float) -> np.ndarray:
    """The picture moved by hand: sway, a tilt about the vertical axis, a slight bend."""
    height, width = image.shape[:2]
    phase = 2 * math.pi * i / frames
    dx, dy = 12 * math.sin(phase) + rng.normal(0, 1.5), 6 * math.cos(phase) + rng.normal(0, 1.5)
    squeeze = tilt * math.sin(phase) * width
    corners = np.float32([(0, 0), (width, 0), (width, height), (0, height)])
    moved = np.float32(
        [(squeeze + dx, abs(squeeze) * 0.3 + dy), (width + squeeze + dx, -abs(squeeze) * 0.3 + dy),
         (width - squeeze + dx, height + abs(squeeze) * 0.3 + dy), (-squeeze + dx, height - abs(squeeze) * 0.3 + dy)]
    )
    matrix = cv2.getPerspectiveTransform(corners, moved)
    return cv2.warpPerspective(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def as_print(image: np.ndarray) -> np.ndarray:
    """Paper: less contrast and saturation, a little blur."""
    faded = cv2.addWeighted(image, 0.75, np.full_like(image, 200), 0.25, 0)
    return cv2.GaussianBlur(faded, (0, 0), 0.8)


def as_screen(image: np.ndarray) -> np.ndarray:
    """A phone held up: the picture smaller, in a black bezel, brighter, with a moiré pattern."""
    height, width = image.shape[:2]
    inner = cv2.resize(image, (int(width * 0.8), int(height * 0.8)), interpolation=cv2.INTER_AREA)
    screen = np.full_like(image, 15)
    y, x = (height - inner.shape[0]) // 2, (width - inner.shape[1]) // 2
    screen[y : y + inner.shape[0], x : x + inner.shape[1]] = cv2.convertScaleAbs(inner, alpha=1.1, beta=15)
    yy, xx = np.mgrid[0:height, 0:width]
    moire = (6 * np.sin((xx + yy * 0.3) * 0.9)).astype(np.int16)[..., None]
    return np.clip(screen.astype(np.int16) + moire, 0, 255).astype(np.uint8)


def attack_frames(image: np.ndarray, kind: str, seed: int, frames: int = 36) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    medium = as_print if kind == "print" else as_screen
    picture = medium(image)
    for i in range(frames):
        yield held_up(picture, i, frames, rng, tilt=0.12)


def replay_frames(image: np.ndarray, landmarks: np.ndarray, turn_sign: float, seed: int) -> Iterator[np.ndarray]:
    """A phone replaying a recorded bona fide clip, held up and moved."""
    rng = np.random.default_rng(seed)
    recorded = list(bona_fide_frames(image, landmarks, turn_sign))
    for i, frame in enumerate(recorded):
        yield held_up(as_screen(frame), i, len(recorded), rng, tilt=0.05)
