"""The real face engine on demo-video frames: guidance while the picture is not usable, the embedding
started in the worker process on the frame the face becomes usable, and the entrance camera names only
faces enrolled in the gallery, embedding each track once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from kiosk.faces import CHALLENGE, GUIDE, PASSED, MeshFaceEngine
from kiosk.fakes import demo_frame
from vision.faces.template import Template


@pytest.fixture(scope="module")
def engine() -> Iterator[MeshFaceEngine]:
    engine = MeshFaceEngine()
    yield engine
    engine.close()


def one_person() -> np.ndarray:
    return np.ascontiguousarray(demo_frame(30)[:, 320:])  # the right half: one man


def test_two_people_in_the_picture_get_guidance_not_a_template(engine: MeshFaceEngine) -> None:
    attempt = engine.attempt()
    frame = demo_frame(30)  # two men side by side
    steps = [attempt.feed(frame, 10 + i * 0.04) for i in range(8)]
    assert all(step is not None and step.state == GUIDE for step in steps)
    assert steps[-1].text == "请一位一位登记"


def identified(engine: MeshFaceEngine, frame: np.ndarray) -> list[str]:
    """What the entrance camera names once the worker process answered (it never waits for it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        engine.identify(frame)
        track = max(engine._identified, default=None)
        if track is not None and engine._identified[track].done():
            break
        time.sleep(0.02)
    return engine.identify(frame)


def test_identify_names_only_enrolled_faces(engine: MeshFaceEngine) -> None:
    frame = one_person()
    engine.add("7", Template(np.random.default_rng(3).standard_normal(128).astype(np.float32)).to_bytes())
    assert identified(engine, frame) == []  # steady, but not enrolled: nobody is named
    face = None
    for i in range(8):
        face = engine.tracker.process(frame, 50 + i * 0.04)
    assert face is not None
    engine.add("42", engine.embed(frame, face))
    engine._identified.clear()  # a new visit: the track is looked at again
    assert identified(engine, frame) == ["42"]


class Answered:
    """The liveness challenge answered on a given frame (a still picture cannot answer it)."""

    prompt = "请眨眨眼"

    def __init__(self, frames: int) -> None:
        self.frames = frames

    def feed(self, _face: object, _t: float) -> str:
        self.frames -= 1
        return "passed" if self.frames <= 0 else "pending"


def test_the_embedding_starts_on_the_usable_frame_and_rides_on_each_later_step(engine: MeshFaceEngine) -> None:
    frame = demo_frame(15)  # one man, close enough and facing the camera
    attempt = engine.attempt()
    attempt.challenge = Answered(frames=3)
    steps, started = [], []
    t = 100.0
    while not steps or steps[-1].state != PASSED:
        t += 0.04
        step = attempt.feed(frame, t)
        assert step is not None and len(steps) < 30
        steps.append(step)
        started.append(attempt._early is not None)
    usable = [i for i, step in enumerate(steps) if step.embedding is not None]
    assert usable and all(step.state == GUIDE for step in steps[:usable[0]])  # steadying first
    assert started.index(True) < usable[0] - 2  # begun while the face was usable but not yet steady
    assert [step.state for step in steps[usable[0]:]] == [CHALLENGE, CHALLENGE, PASSED]
    assert len({id(step.embedding) for step in steps[usable[0]:]}) == 1  # one embedding per attempt
    template = steps[-1].embedding.result(timeout=30)
    face = engine.tracker.process(frame, t + 0.04)
    assert face is not None
    assert Template.from_bytes(template).similarity(Template.from_bytes(engine.embed(frame, face))) > 0.99


def test_every_text_vision_can_show_is_marked_for_translation() -> None:
    from kiosk.vision_texts import VISION_TEXTS
    from vision.faces.quality import QualityIssue
    from vision.liveness import Step

    shown = {issue.message for issue in QualityIssue} | {step.prompt for step in Step}
    assert shown <= set(VISION_TEXTS)
