"""The face work the kiosk needs, behind one small interface so tests can inject a scripted engine.

An attempt (`FaceEngine.attempt()`) takes camera frames on the camera thread and answers with a
`FaceStep`: live guidance while the face is not usable ("请正对摄像头"), then the liveness challenge,
then either "passed" with the template bytes, or "failed". `match()` searches the gallery of consented,
enrolled faces; a match is evidence for the visitor to confirm, never a verdict.

The embedding is started in a worker process on the track's first usable frame (the face is steady a
few frames later: by then the embedding is well under way) and handed to the screen once the face is
steady (`FaceStep.embedding`), so the gallery search and the store's read of who it is run while the
visitor answers the challenge: the greeting then waits for none of them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

GUIDE, CHALLENGE, PASSED, FAILED = "guide", "challenge", "passed", "failed"


@dataclass(frozen=True)
class FaceStep:
    state: str  # GUIDE | CHALLENGE | PASSED | FAILED
    text: str = ""  # Chinese guidance or challenge prompt (translated by the screen)
    template: bytes | None = field(default=None, repr=False)  # PASSED, when the attempt already holds it
    # From the frame the face became usable on: its template, being computed in the worker process.
    embedding: Future[bytes] | None = field(default=None, repr=False)


class FaceAttempt(Protocol):
    def feed(self, frame: np.ndarray, t: float) -> FaceStep | None: ...


class FaceEngine(Protocol):
    def load(self, templates: Iterable[tuple[str, bytes]]) -> int: ...
    def attempt(self) -> FaceAttempt: ...
    def match(self, template: bytes) -> str | None: ...
    def add(self, customer_id: str, template: bytes) -> None: ...
    def identify(self, frame: np.ndarray) -> list[str]: ...
    def close(self) -> None: ...


class MeshAttempt:
    """FaceTracker guidance until the face is steady and usable, one embedding of that track (started in
    the worker process, not awaited), then the random mesh Challenge on the same track (someone else
    stepping in fails it)."""

    def __init__(self, engine: MeshFaceEngine) -> None:
        from vision.liveness import Challenge

        self.engine = engine
        self.challenge = Challenge.random(random.SystemRandom())
        self.embedding: Future[bytes] | None = None  # handed to the screen once the face is steady
        self._early: tuple[int, Future[bytes]] | None = None  # (track id, embedding) from its first usable frame

    def feed(self, frame: np.ndarray, t: float) -> FaceStep | None:
        face = self.engine.tracker.process(frame, t)
        if self.embedding is None:
            if face is None:
                return FaceStep(GUIDE, "请站到摄像头前")
            if face.issue is None and (self._early is None or self._early[0] != face.track_id):
                # usable, not yet steady: the ~5 frames until it is are time the embedding needs anyway
                self._early = (face.track_id, self.engine.embed_later(frame, face))
            if not face.ready:
                return FaceStep(GUIDE, face.guidance or "请保持不动")
            assert self._early is not None  # ready means usable, on a track whose first usable frame started one
            self.embedding = self._early[1]
        status = self.challenge.feed(face, t)
        if status == "passed":
            return FaceStep(PASSED, embedding=self.embedding)
        if status == "failed":
            return FaceStep(FAILED, "未能完成动作，请重试或用手机号登记")
        return FaceStep(CHALLENGE, self.challenge.prompt, embedding=self.embedding)


class MeshFaceEngine:
    """vision.tracking's FaceTracker (BlazeFace + face mesh), the dlib embedding once per track in a
    worker process (dlib holds the GIL for its ~90 ms: in a thread it would stop the preview), and the
    in-memory gallery. Attempts and `identify` run on the camera thread, one tracker for both."""

    def __init__(self) -> None:
        from vision.embedder import EmbeddingWorker
        from vision.gallery import InMemoryGallery
        from vision.tracking import FaceTracker

        self.tracker = FaceTracker()
        self.worker = EmbeddingWorker()
        self.worker.warm_up()  # the models load once, before the first visitor
        self.gallery = InMemoryGallery()
        self._identified: dict[int, Future[list[str]]] = {}  # track id → who it matched (embedded once)

    def embed_later(self, frame: np.ndarray, face: Any) -> Future[bytes]:
        """The template of the tracked face, computed in the worker process while this thread goes on."""
        from vision.faces.template import Template

        return _then(self.worker.submit(frame, face.box), lambda vector: Template(vector).to_bytes())

    def embed(self, frame: np.ndarray, face: Any) -> bytes:
        return self.embed_later(frame, face).result()

    def close(self) -> None:
        self.worker.close()
        self.tracker.close()

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
        if face is None or not face.steady or face.mesh is None or not len(self.gallery):
            return []
        if face.track_id not in self._identified:
            if len(self._identified) > 64:
                self._identified.clear()
            self._identified[face.track_id] = _then(self.embed_later(frame, face), self._named)
        found = self._identified[face.track_id]  # answered at a later call, once the worker is done
        return found.result() if found.done() and found.exception() is None else []

    def _named(self, template: bytes) -> list[str]:
        matched = self.match(template)
        return [matched] if matched is not None else []


def _then(future: Future[Any], convert: Callable[[Any], Any]) -> Future[Any]:
    """A future of `convert(result)`, settled by the thread that settles `future`."""
    converted: Future[Any] = Future()

    def settle(done: Future[Any]) -> None:
        try:
            converted.set_result(convert(done.result()))
        except BaseException as error:  # the worker process failed or died: the caller sees why
            converted.set_exception(error)

    future.add_done_callback(settle)
    return converted
