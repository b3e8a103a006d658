"""The real face engine on demo-video frames: guidance while the picture is not usable, and the
entrance camera names only faces enrolled in the gallery, embedding each track once."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.faces import GUIDE, MeshFaceEngine
from kiosk.fakes import demo_frame


@pytest.fixture(scope="module")
def engine() -> MeshFaceEngine:
    return MeshFaceEngine()


def one_person() -> np.ndarray:
    return np.ascontiguousarray(demo_frame(30)[:, 320:])  # the right half: one man


def test_two_people_in_the_picture_get_guidance_not_a_template(engine: MeshFaceEngine) -> None:
    attempt = engine.attempt()
    frame = demo_frame(30)  # two men side by side
    steps = [attempt.feed(frame, 10 + i * 0.04) for i in range(8)]
    assert all(step is not None and step.state == GUIDE for step in steps)
    assert steps[-1].text == "请一位一位登记"


def test_identify_names_only_enrolled_faces(engine: MeshFaceEngine) -> None:
    frame = one_person()
    seen = [engine.identify(frame) for _ in range(8)]
    assert seen[-1] == []  # steady, but not enrolled: nobody is named
    face = None
    for i in range(8):
        face = engine.tracker.process(frame, 50 + i * 0.04)
    assert face is not None
    engine.add("42", engine.embed(frame, face))
    engine._identified.clear()  # a new visit: the track is looked at again
    assert [engine.identify(frame) for _ in range(8)][-1] == ["42"]


def test_every_text_vision_can_show_is_marked_for_translation() -> None:
    from kiosk.vision_texts import VISION_TEXTS
    from vision.faces.quality import QualityIssue
    from vision.liveness import Step

    shown = {issue.message for issue in QualityIssue} | {step.prompt for step in Step}
    assert shown <= set(VISION_TEXTS)
