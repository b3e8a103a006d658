"""Stand-ins for the camera and the face engine: the tour renders with them, tests drive with them.
Frames come from the demo video (or a grey picture); the face engine answers from a script."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from kiosk.faces import CHALLENGE, GUIDE, PASSED, FaceStep
from vision.camera import CameraState, Frame


def demo_frame(index: int = 30) -> np.ndarray:
    """One frame of the shipped demo video (a grey picture when it cannot be read)."""
    import cv2

    from vision.camera import demo_video_path

    capture = cv2.VideoCapture(str(demo_video_path()))
    try:
        capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, image = capture.read()
    finally:
        capture.release()
    return image if ok and image is not None else np.full((480, 640, 3), 90, np.uint8)


class FakeCamera:
    """Hands out `image` (or queued frames) whenever asked; `state` can be changed to simulate an unplug."""

    def __init__(self, image: np.ndarray | None = None, state: CameraState = CameraState.RUNNING) -> None:
        self.image = image if image is not None else np.full((480, 640, 3), 90, np.uint8)
        self.state = state
        self.index = 0
        self._stop = threading.Event()

    def start(self) -> FakeCamera:
        self._stop.clear()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()

    def next_frame(self, timeout: float | None = None) -> Frame | None:
        if self.state != CameraState.RUNNING:
            self._stop.wait(min(timeout or 0.05, 0.05))
            return None
        self._stop.wait(0.02)  # ~50 fps: the feed thread never spins
        self.index += 1
        return Frame(self.image, self.index, 0.0)


@dataclass
class ScriptedAttempt:
    steps: list[FaceStep]
    index: int = 0

    def feed(self, frame: np.ndarray, t: float) -> FaceStep | None:
        if self.index >= len(self.steps):
            return None
        step = self.steps[self.index]
        self.index += 1
        return step


@dataclass
class ScriptedFaceEngine:
    """`matches` maps a template to the customer id it matches; `seen` is what the entrance camera sees."""

    template: bytes = b"\x01" * 512
    matches: dict[bytes, str] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    added: list[tuple[str, bytes]] = field(default_factory=list)
    steps: list[FaceStep] | None = None

    def load(self, templates: Iterable[tuple[str, bytes]]) -> int:
        count = 0
        for customer, template in templates:
            self.matches[template] = customer
            count += 1
        return count

    def attempt(self) -> ScriptedAttempt:
        steps = self.steps or [FaceStep(GUIDE, "请正对摄像头"), FaceStep(CHALLENGE, "请眨眨眼"),
                               FaceStep(PASSED, template=self.template)]
        return ScriptedAttempt(list(steps))

    def match(self, template: bytes) -> str | None:
        return self.matches.get(template)

    def add(self, customer_id: str, template: bytes) -> None:
        self.added.append((customer_id, template))
        self.matches[template] = customer_id

    def identify(self, frame: np.ndarray) -> list[str]:
        return list(self.seen)

    def close(self) -> None:
        """Nothing to end: no worker process behind a script."""
