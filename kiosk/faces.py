"""The face work the kiosk needs, behind one small interface so tests can inject a scripted engine.

An attempt (`FaceEngine.attempt()`) takes camera frames on the camera thread and answers with a
`FaceStep`: live guidance while the face is not usable ("请正对摄像头"), then the liveness challenge,
then either "passed" with the template bytes, or "failed". `match()` searches the gallery of consented,
enrolled faces; a match is evidence for the visitor to confirm, never a verdict.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

GUIDE, CHALLENGE, PASSED, FAILED = "guide", "challenge", "passed", "failed"


@dataclass(frozen=True)
class FaceStep:
    state: str  # GUIDE | CHALLENGE | PASSED | FAILED
    text: str = ""  # Chinese guidance or challenge prompt (translated by the screen)
    template: bytes | None = field(default=None, repr=False)  # PASSED only


class FaceAttempt(Protocol):
    def feed(self, frame: np.ndarray, t: float) -> FaceStep | None: ...


class FaceEngine(Protocol):
    def load(self, templates: Iterable[tuple[str, bytes]]) -> int: ...
    def attempt(self) -> FaceAttempt: ...
    def match(self, template: bytes) -> str | None: ...
    def add(self, customer_id: str, template: bytes) -> None: ...
    def identify(self, frame: np.ndarray) -> list[str]: ...


class DlibAttempt:
    """Quality guidance with check_quality, then LivenessCheck over the 68 landmarks, then a template."""

    def __init__(self, engine: DlibFaceEngine, timeout_s: float = 12.0):
        from vision.liveness import Challenge, LivenessCheck

        self.engine = engine
        self.timeout_s = timeout_s
        self.check = LivenessCheck(Challenge.random(random.SystemRandom()))
        self.started: float | None = None
        self.template: bytes | None = None

    def feed(self, frame: np.ndarray, t: float) -> FaceStep | None:
        from vision.faces.quality import check_quality
        from vision.faces.template import Template

        pipeline = self.engine.pipeline
        faces = pipeline.analyse(frame, embed=False, with_landmarks68=True, max_faces=2)
        rgb = np.ascontiguousarray(frame[:, :, ::-1])
        if self.template is None:
            chip = pipeline.align(rgb, faces[0]) if faces else None
            report = check_quality(frame.shape, faces, chip, self.engine.limits)
            if not report.ok or chip is None:
                return FaceStep(GUIDE, report.message)
            self.template = Template(pipeline.embed_aligned(chip)).to_bytes()
            self.started = t
        result = self.check.update(faces[0].landmarks68 if faces else None)
        if result.live:
            return FaceStep(PASSED, template=self.template)
        if self.started is not None and t - self.started > self.timeout_s:
            return FaceStep(FAILED, "未能完成动作，请重试或用手机号登记")
        return FaceStep(CHALLENGE, self.check.challenge.prompt)


class DlibFaceEngine:
    """The dlib pipeline of vision/ with the in-memory gallery. One attempt at a time (camera thread)."""

    def __init__(self) -> None:
        from vision.faces.pipeline import FacePipeline
        from vision.faces.quality import QualityLimits
        from vision.gallery import InMemoryGallery

        self.pipeline = FacePipeline()
        self.limits = QualityLimits()
        self.gallery = InMemoryGallery()
        self._lock = threading.Lock()

    def load(self, templates: Iterable[tuple[str, bytes]]) -> int:
        return self.gallery.load(templates)

    def attempt(self) -> FaceAttempt:
        return DlibAttempt(self)

    def match(self, template: bytes) -> str | None:
        from vision.faces.template import Template

        best = self.gallery.search(Template.from_bytes(template), k=1)
        return best[0].customer_id if best and best[0].is_candidate else None

    def add(self, customer_id: str, template: bytes) -> None:
        from vision.faces.template import Template

        self.gallery.add(customer_id, Template.from_bytes(template))

    def identify(self, frame: np.ndarray) -> list[str]:
        with self._lock:
            faces = self.pipeline.analyse(frame, max_faces=4)
        found = []
        for face in faces:
            best = self.gallery.search(face.template(), k=1)
            if best and best[0].is_candidate:
                found.append(best[0].customer_id)
        return found
