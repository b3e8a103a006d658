"""Offline liveness: a challenge the kiosk asks for ("请眨眨眼，然后向左转头") and checks from
68 landmarks over a few seconds of frames.

Two cues, both needed:
- a blink, from the eye aspect ratio (EAR, Soukupová & Čech 2016): a printed photo cannot blink;
- a head turn in the direction asked for, from where the nose tip sits in the affine frame of the
  eyes and the mouth. Moving, tilting or slanting a flat picture is (nearly) an affine map, which
  keeps affine coordinates, so the picture's nose stays put; a real head's nose stands in front of
  that plane and swings sideways when it turns. The direction is drawn at random per check, so a
  replayed video passes only by luck (see docs/VISION.md for the measured rates).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

import numpy as np


class Challenge(Enum):
    TURN_LEFT = "请眨眨眼，然后向左转头"  # the visitor's left: the nose moves to the camera image's right
    TURN_RIGHT = "请眨眨眼，然后向右转头"

    @property
    def prompt(self) -> str:
        return self.value

    @classmethod
    def random(cls, rng: random.Random | None = None) -> Challenge:
        return (rng or random.SystemRandom()).choice(list(cls))


def eye_aspect_ratio(landmarks68: np.ndarray) -> float:
    def ear(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        return float(vertical / (2 * np.linalg.norm(eye[0] - eye[3]) + 1e-6))

    return (ear(landmarks68[36:42]) + ear(landmarks68[42:48])) / 2


def nose_offset(landmarks68: np.ndarray) -> float:
    """The nose tip's coordinate along the eye line, in the affine frame (eye line, eyes→mouth):
    0 when the nose is in line with the eyes' midpoint and the mouth, >0 towards the image's right."""
    left_eye, right_eye = landmarks68[36:42].mean(axis=0), landmarks68[42:48].mean(axis=0)
    eyes_mid = (left_eye + right_eye) / 2
    basis = np.column_stack([right_eye - left_eye, landmarks68[48:68].mean(axis=0) - eyes_mid])
    if abs(np.linalg.det(basis)) < 1e-6:
        return 0.0
    along_eyes, _down = np.linalg.solve(basis, landmarks68[30] - eyes_mid)
    return float(along_eyes)


@dataclass(frozen=True)
class LivenessLimits:
    closed_ratio: float = 0.65  # EAR below this share of the open-eye EAR counts as closed
    min_turn: float = 0.10  # change of nose_offset (in eye distances) towards the asked side
    turn_frames: int = 3  # the turn must hold (median) over this many frames: landmark jitter is not a turn
    baseline_frames: int = 3
    min_eye_distance_px: float = 30.0  # smaller faces give landmarks too noisy to judge


@dataclass(frozen=True)
class LivenessResult:
    live: bool | None  # None: not decided yet, keep feeding frames
    blinked: bool
    turn: float  # signed yaw change towards the asked side
    reason: str = ""


class LivenessCheck:
    """Feed the 68 landmarks of the visitor's face, frame by frame; `live` becomes True once both
    cues were seen; `finish()` turns an undecided check into a refusal when time is up."""

    def __init__(self, challenge: Challenge, limits: LivenessLimits | None = None):
        self.challenge = challenge
        self.limits = limits or LivenessLimits()
        self._baseline_yaw: list[float] = []
        self._open_ear: list[float] = []
        self._eyes_closed = False
        self.blinked = False
        self.best_turn = 0.0
        self._recent_offsets: list[float] = []

    def update(self, landmarks68: np.ndarray | None) -> LivenessResult:
        if landmarks68 is not None:
            self._observe(landmarks68)
        return self.result()

    def _observe(self, landmarks68: np.ndarray) -> None:
        eye_distance = np.linalg.norm(landmarks68[42:48].mean(axis=0) - landmarks68[36:42].mean(axis=0))
        if eye_distance < self.limits.min_eye_distance_px:
            return
        yaw = nose_offset(landmarks68)
        ear = eye_aspect_ratio(landmarks68)
        if len(self._baseline_yaw) < self.limits.baseline_frames:
            self._baseline_yaw.append(yaw)
            self._open_ear.append(ear)
            return
        open_ear = float(np.median(self._open_ear))
        if ear < self.limits.closed_ratio * open_ear:
            self._eyes_closed = True
        elif self._eyes_closed and ear > 0.9 * open_ear:
            self.blinked, self._eyes_closed = True, False  # closed, then open again
        direction = 1.0 if self.challenge is Challenge.TURN_LEFT else -1.0
        self._recent_offsets = (self._recent_offsets + [yaw])[-self.limits.turn_frames :]
        if len(self._recent_offsets) == self.limits.turn_frames:
            turn = direction * (float(np.median(self._recent_offsets)) - float(np.median(self._baseline_yaw)))
            self.best_turn = max(self.best_turn, turn)

    def result(self) -> LivenessResult:
        turned = self.best_turn >= self.limits.min_turn
        live = True if self.blinked and turned else None
        return LivenessResult(live, self.blinked, self.best_turn)

    def finish(self) -> LivenessResult:
        current = self.result()
        if current.live:
            return current
        missing = [cue for cue, seen in (("blink", self.blinked), ("turn", current.turn >= self.limits.min_turn)) if not seen]
        return LivenessResult(False, self.blinked, self.best_turn, reason="no " + " and no ".join(missing))
