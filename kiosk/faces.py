"""The face work the kiosk needs, behind one small interface so tests can inject a scripted engine.

An attempt (`FaceEngine.attempt()`) takes camera frames on the camera thread and answers with a
`FaceStep`: live guidance while the face is not usable ("请正对摄像头"), then the liveness challenge,
then either "passed" with the template bytes, or "failed". `match()` searches the gallery of consented,
enrolled faces; a match is evidence for the visitor to confirm, never a verdict.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

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


class MeshAttempt:
    """FaceTracker guidance until the face is steady and usable, one embedding of that track, then the
    random mesh Challenge on the same track (someone else stepping in fails it)."""

    def __init__(self, engine: MeshFaceEngine) -> None:
        from vision.liveness import Challenge

        self.engine = engine
        self.challenge = Challenge.random(random.SystemRandom())
        self.template: bytes | None = None

    def feed(self, frame: np.ndarray, t: float) -> FaceStep | None:
        face = self.engine.tracker.process(frame, t)
        if self.template is None:
            if face is None:
                return FaceStep(GUIDE, "请站到摄像头前")
            if not face.ready:
                return FaceStep(GUIDE, face.guidance or "请保持不动")
            self.template = self.engine.embed(frame, face)
        status = self.challenge.feed(face, t)
        if status == "passed":
            return FaceStep(PASSED, template=self.template)
        if status == "failed":
            return FaceStep(FAILED, "未能完成动作，请重试或用手机号登记")
        return FaceStep(CHALLENGE, self.challenge.prompt)


class MeshFaceEngine:
    """vision.tracking's FaceTracker (BlazeFace + face mesh), the dlib embedding once per track, and the
    in-memory gallery. Attempts and `identify` run on the camera thread, one tracker for both."""

    def __init__(self) -> None:
        from vision.faces.pipeline import FacePipeline
        from vision.gallery import InMemoryGallery
        from vision.tracking import FaceTracker

        self.tracker = FaceTracker()
        self.pipeline = FacePipeline()
        self.gallery = InMemoryGallery()
        self._identified: dict[int, list[str]] = {}  # track id → who it matched (embedded once)

    def embed(self, frame: np.ndarray, face: Any) -> bytes:
        from vision.faces.template import Template

        embedded = self.pipeline.analyse_box(frame, face.box, face.score)
        return Template(embedded.embedding).to_bytes()

    def load(self, templates: Iterable[tuple[str, bytes]]) -> int:
        return self.gallery.load(templates)

    def attempt(self) -> FaceAttempt:
        return MeshAttempt(self)

    def match(self, template: bytes) -> str | None:
        from vision.faces.template import Template

        best = self.gallery.search(Template.from_bytes(template), k=1)
        return best[0].customer_id if best and best[0].is_candidate else None

    def add(self, customer_id: str, template: bytes) -> None:
        from vision.faces.template import Template

        self.gallery.add(customer_id, Template.from_bytes(template))

    def identify(self, frame: np.ndarray) -> list[str]:
        """The entrance camera: who of the enrolled is in front of it (only faces in the gallery, i.e.
        with consent, can ever be named; nothing is kept about the others)."""
        face = self.tracker.process(frame, time.monotonic())
        if face is None or not face.steady or face.mesh is None:
            return []
        if face.track_id not in self._identified:
            if len(self._identified) > 64:
                self._identified.clear()
            matched = self.match(self.embed(frame, face)) if len(self.gallery) else None
            self._identified[face.track_id] = [matched] if matched is not None else []
        return self._identified[face.track_id]
