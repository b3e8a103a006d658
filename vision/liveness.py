"""Offline liveness: a random sequence of two or more actions the kiosk asks for, one at a time
("请眨眨眼" → "请向左转头"), checked from face landmarks over a few seconds of frames.

Cues (the same for the face mesh of vision/tracking.py and for dlib's 68 points):
- blink: the eye aspect ratio (EAR, Soukupová & Čech 2016) drops below a share of the visitor's
  open-eye value and comes back: a printed photo cannot blink;
- turn and nod: where the nose tip sits in the affine frame of the eyes and the mouth. Moving,
  tilting or slanting a flat picture is (nearly) an affine map, which keeps affine coordinates, so a
  picture's nose stays put; a real nose stands in front of that plane and swings sideways when the
  head turns, up and down when it nods.

The actions must come in the order asked, each from a face back in front after the previous one,
and a movement that was not asked for (turning right when asked to turn left) fails the check. A
recording of one session therefore passes only when the new random sequence happens to be the one
it answered; docs/VISION.md has the measured rates.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vision.tracking import TrackedFace

PENDING, PASSED, FAILED = "pending", "passed", "failed"


class Step(Enum):
    BLINK = "请眨眨眼"
    TURN_LEFT = "请向左转头"  # the visitor's left: the nose moves to the camera image's right
    TURN_RIGHT = "请向右转头"
    NOD = "请点点头"

    @property
    def prompt(self) -> str:
        return self.value


@dataclass(frozen=True)
class Cues:
    ear: float  # eye aspect ratio, mean of both eyes
    yaw: float  # nose tip along the eye line, in the affine frame of eyes and mouth (>0: image right)
    pitch: float  # nose tip along eyes → mouth in that frame (0: at the eyes, 1: at the mouth)
    roll: float  # degrees of the eye line
    eye_distance: float  # pixels


def affine_nose(left_eye: np.ndarray, right_eye: np.ndarray, mouth: np.ndarray, nose: np.ndarray) -> tuple[float, float]:
    """The nose tip's coordinates in the frame (eye line, eyes' midpoint → mouth)."""
    eyes_mid = (left_eye + right_eye) / 2
    basis = np.column_stack([right_eye - left_eye, mouth - eyes_mid]).astype(np.float64)
    if abs(np.linalg.det(basis)) < 1e-6:
        return 0.0, 0.0
    along, down = np.linalg.solve(basis, (nose - eyes_mid).astype(np.float64))
    return float(along), float(down)


def eye_aspect_ratio(landmarks68: np.ndarray) -> float:
    def ear(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        return float(vertical / (2 * np.linalg.norm(eye[0] - eye[3]) + 1e-6))

    return (ear(landmarks68[36:42]) + ear(landmarks68[42:48])) / 2


def cues_from_68(landmarks68: np.ndarray) -> Cues:
    left_eye, right_eye = landmarks68[36:42].mean(axis=0), landmarks68[42:48].mean(axis=0)
    yaw, pitch = affine_nose(left_eye, right_eye, landmarks68[48:68].mean(axis=0), landmarks68[30])
    eye_vector = right_eye - left_eye
    return Cues(
        eye_aspect_ratio(landmarks68), yaw, pitch,
        float(np.degrees(np.arctan2(eye_vector[1], eye_vector[0]))), float(np.linalg.norm(eye_vector)),
    )


def nose_offset(landmarks68: np.ndarray) -> float:
    return cues_from_68(landmarks68).yaw


@dataclass(frozen=True)
class LivenessLimits:
    closed_ratio: float = 0.65  # EAR below this share of the open-eye EAR counts as closed
    min_turn: float = 0.08  # change of yaw (eye distances) towards the asked side; 25° gives 0.09-0.2
    min_nod: float = 0.06  # change of pitch (eyes-to-mouth distances), either way; 20° gives 0.07-0.2
    wrong_move: float = 1.5  # an unasked movement this many times its threshold fails the check
    hold_frames: int = 3  # movements are medians over this many frames: landmark jitter is not a turn
    baseline_frames: int = 3
    min_eye_distance_px: float = 30.0  # smaller faces give landmarks too noisy to judge
    seconds_per_step: float = 6.0


class Challenge:
    """A random sequence of steps. Feed it the tracked face every frame: `feed()` answers "pending"
    until every step was done in order ("passed"), or a wrong move, a different face or the timeout
    ends it ("failed", with `reason`)."""

    def __init__(self, steps: list[Step], limits: LivenessLimits | None = None):
        if len(steps) < 2:
            raise ValueError("a challenge needs at least two steps (one recorded action would pass)")
        self.steps = list(steps)
        self.limits = limits or LivenessLimits()
        self.index = 0
        self.status = PENDING
        self.reason = ""
        self.blinked = False
        self.best_turn = 0.0
        self._started: float | None = None
        self._track_id: int | None = None
        self._baseline: list[Cues] = []
        self._recent: deque[Cues] = deque(maxlen=self.limits.hold_frames)
        self._armed = False
        self._eyes_closed = False

    @classmethod
    def random(cls, rng: random.Random | None = None, steps: int = 2, limits: LivenessLimits | None = None) -> Challenge:
        """`steps` different actions in a random order, never the same one twice in a row."""
        rng = rng or random.SystemRandom()
        chosen: list[Step] = []
        while len(chosen) < steps:
            options = [step for step in Step if not chosen or step is not chosen[-1]]
            if steps <= len(Step):
                options = [step for step in options if step not in chosen]
            chosen.append(rng.choice(options))
        return cls(chosen, limits)

    @property
    def prompt(self) -> str:
        """The Chinese prompt of the current step ("" once the check is over)."""
        return self.steps[self.index].prompt if self.status == PENDING else ""

    @property
    def timeout(self) -> float:
        return self.limits.seconds_per_step * len(self.steps)

    def feed(self, face: TrackedFace | None, t: float) -> str:
        if self.status != PENDING:
            return self.status
        if self._started is None:
            self._started = t
        if t - self._started > self.timeout:
            return self._fail("timeout")
        if face is None:
            return self.status
        if self._track_id is not None and face.track_id != self._track_id:
            return self._fail("face_changed")  # someone else stepped in, or a picture was swapped
        self._track_id = face.track_id
        cues = face.cues
        return self.observe(cues) if cues is not None else self.status

    def finish(self) -> str:
        """Time is up: an unfinished check fails."""
        return self.status if self.status != PENDING else self._fail("timeout")

    def observe(self, cues: Cues) -> str:
        """One frame's cues (from any landmark model)."""
        limits = self.limits
        if self.status != PENDING or cues.eye_distance < limits.min_eye_distance_px:
            return self.status
        if len(self._baseline) < limits.baseline_frames:
            self._baseline.append(cues)
            return self.status
        self._recent.append(cues)
        open_ear = float(np.median([c.ear for c in self._baseline]))
        blink_done = False
        if cues.ear < limits.closed_ratio * open_ear:
            self._eyes_closed = True
        elif self._eyes_closed and cues.ear > 0.9 * open_ear:
            self._eyes_closed, blink_done, self.blinked = False, True, True
        if len(self._recent) < limits.hold_frames:
            return self.status
        yaw = float(np.median([c.yaw for c in self._recent])) - float(np.median([c.yaw for c in self._baseline]))
        pitch = float(np.median([c.pitch for c in self._recent])) - float(np.median([c.pitch for c in self._baseline]))
        self.best_turn = max(self.best_turn, abs(yaw))
        if not self._armed:
            # Each step starts from a face back in front, so one held pose cannot answer two steps.
            self._armed = abs(yaw) < limits.min_turn / 2 and abs(pitch) < limits.min_nod / 2
            self._eyes_closed = False  # a blink counts only when it starts after the step began
            return self.status
        step = self.steps[self.index]
        moves = {
            Step.TURN_LEFT: yaw / limits.min_turn,
            Step.TURN_RIGHT: -yaw / limits.min_turn,
            Step.NOD: abs(pitch) / limits.min_nod,
        }
        if step is Step.BLINK and blink_done or moves.get(step, 0.0) >= 1.0:
            return self._next()
        if any(size >= limits.wrong_move for move, size in moves.items() if move is not step):
            return self._fail("wrong_move")
        return self.status

    def _next(self) -> str:
        self.index += 1
        self._armed = False
        self._eyes_closed = False
        if self.index == len(self.steps):
            self.status = PASSED
        return self.status

    def _fail(self, reason: str) -> str:
        self.status, self.reason = FAILED, reason
        return self.status


@dataclass(frozen=True)
class LivenessResult:
    live: bool | None  # None: not decided yet, keep feeding frames
    blinked: bool
    turn: float  # largest yaw change seen, in eye distances
    reason: str = ""


class LivenessCheck:
    """The challenge driven by dlib's 68 landmarks (frames without a tracker): `update()` per frame,
    `finish()` when time is up. The kiosk's live path feeds `Challenge.feed()` with tracked faces."""

    def __init__(self, challenge: Challenge, limits: LivenessLimits | None = None):
        self.challenge = challenge if limits is None else Challenge(challenge.steps, limits)

    def update(self, landmarks68: np.ndarray | None) -> LivenessResult:
        if landmarks68 is not None:
            self.challenge.observe(cues_from_68(landmarks68))
        return self.result()

    def result(self) -> LivenessResult:
        status = self.challenge.status
        live = {PASSED: True, FAILED: False}.get(status)
        return LivenessResult(live, self.challenge.blinked, self.challenge.best_turn, self.challenge.reason)

    def finish(self) -> LivenessResult:
        self.challenge.finish()
        return self.result()
