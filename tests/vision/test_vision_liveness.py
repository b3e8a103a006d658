"""Liveness on clips made from a still photo (vision/liveness_clips.py): the challenge on the face mesh
of the tracker, and the same challenge on dlib's 68 points. The full APCER/BPCER run is
benchmarks/vision_liveness.py."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from vision.faces import FacePipeline
from vision.images import load_image
from vision.liveness import FAILED, PASSED, PENDING, Challenge, LivenessCheck, Step, eye_aspect_ratio
from vision.liveness_clips import answer_frames, attack_frames, bona_fide_frames, close_eyes, kiosk_view

TWO_STEP_CHALLENGES = [list(pair) for pair in itertools.permutations(Step, 2)]


@pytest.fixture(scope="module")
def kiosk():
    return FacePipeline()


@pytest.fixture(scope="module")
def still(faces_dir, kiosk):
    image = kiosk_view(load_image(faces_dir / "knn_examples" / "train" / "obama" / "obama.jpg"))
    return image, kiosk.analyse(image, embed=False, with_landmarks68=True)[0].landmarks68


def tracked(frames):
    from vision.tracking import FaceTracker

    tracker = FaceTracker()
    faces = [tracker.process(frame, i / 10) for i, frame in enumerate(frames)]
    tracker.close()
    return faces


def judge(faces, steps) -> Challenge:
    challenge = Challenge(steps)
    for i, face in enumerate(faces):
        if challenge.feed(face, i / 10) != PENDING:
            break
    challenge.finish()
    return challenge


def test_closed_eyes_lower_the_eye_aspect_ratio(still, kiosk):
    image, landmarks = still
    closed = kiosk.analyse(close_eyes(image, landmarks), embed=False, with_landmarks68=True)[0]
    assert eye_aspect_ratio(closed.landmarks68) < 0.65 * eye_aspect_ratio(landmarks)
    open_face, shut_face = tracked([image, close_eyes(image, landmarks)])
    assert shut_face.cues.ear < 0.65 * open_face.cues.ear


@pytest.mark.parametrize(
    "steps",
    [[Step.BLINK, Step.TURN_LEFT], [Step.TURN_RIGHT, Step.NOD], [Step.NOD, Step.TURN_LEFT, Step.BLINK]],
    ids=lambda steps: "-".join(step.name.lower() for step in steps),
)
def test_a_visitor_doing_what_is_asked_passes(still, steps):
    challenge = judge(tracked(answer_frames(*still, steps)), steps)
    assert challenge.status == PASSED, challenge.reason
    assert challenge.prompt == ""


def test_a_recording_of_one_blink_and_turn_passes_only_the_challenge_it_answered(still):
    # The old single-turn challenge: a replay passed whenever the direction matched (half the time).
    faces = tracked(bona_fide_frames(*still, turn_sign=1.0))
    passed = [steps for steps in TWO_STEP_CHALLENGES if judge(faces, steps).status == PASSED]
    assert passed == [[Step.BLINK, Step.TURN_LEFT]]  # 1 of the 12 two-step challenges


def test_steps_in_the_wrong_order_fail_on_the_unasked_move(still):
    faces = tracked(answer_frames(*still, [Step.TURN_LEFT, Step.TURN_RIGHT]))
    challenge = judge(faces, [Step.TURN_RIGHT, Step.TURN_LEFT])
    assert challenge.status == FAILED and challenge.reason == "wrong_move"


def test_a_printed_photo_held_up_never_passes(still):
    faces = tracked(attack_frames(still[0], "print", seed=3))
    assert sum(face is not None and face.mesh is not None for face in faces) > 30  # seen, then refused
    for steps in TWO_STEP_CHALLENGES:
        challenge = judge(faces, steps)
        assert challenge.status == FAILED and challenge.reason == "timeout"


def test_another_face_stepping_in_fails_the_check(still):
    first, second = tracked([still[0]]), tracked([still[0]])
    challenge = Challenge([Step.BLINK, Step.NOD])
    assert challenge.feed(first[0], 0.0) == PENDING
    assert challenge.feed(second[0], 0.1) == FAILED and challenge.reason == "face_changed"


def test_time_runs_out_and_no_face_is_never_live():
    challenge = Challenge.random(random.Random(1))
    assert challenge.feed(None, 0.0) == PENDING
    assert challenge.feed(None, challenge.timeout + 0.1) == FAILED and challenge.reason == "timeout"


def test_random_challenges_are_two_or_more_different_steps_with_chinese_prompts():
    rng = random.Random(7)
    drawn = [Challenge.random(rng) for _ in range(200)]
    assert {tuple(c.steps) for c in drawn} == {tuple(steps) for steps in TWO_STEP_CHALLENGES}
    assert all(len(set(c.steps)) == 2 for c in drawn)
    longer = Challenge.random(rng, steps=3)
    assert len(set(longer.steps)) == 3 and longer.timeout == 3 * longer.limits.seconds_per_step
    assert longer.prompt == longer.steps[0].prompt and longer.prompt.startswith("请")
    with pytest.raises(ValueError):
        Challenge([Step.TURN_LEFT])


def test_the_68_point_check_runs_the_same_challenge(still, kiosk):
    def marks(frames):
        found = []
        for frame in frames:
            faces = kiosk.analyse(frame, embed=False, with_landmarks68=True, max_faces=1)
            found.append(faces[0].landmarks68 if faces else None)
        return found

    steps = [Step.BLINK, Step.TURN_RIGHT]
    check = LivenessCheck(Challenge(steps))
    for landmarks in marks(answer_frames(*still, steps)):
        check.update(landmarks)
    assert check.finish().live is True
    refused = LivenessCheck(Challenge(steps))
    for landmarks in marks(attack_frames(still[0], "screen", seed=3)):
        refused.update(landmarks)
    result = refused.finish()
    assert result.live is False and result.reason == "timeout" and not result.blinked


def test_eye_aspect_ratio_of_open_and_closed_eye_shapes():
    open_eye = np.array([(0, 0), (1, -1), (2, -1), (3, 0), (2, 1), (1, 1)], np.float32)
    shut_eye = open_eye * (1, 0.1)
    landmarks = np.zeros((68, 2), np.float32)
    landmarks[36:42], landmarks[42:48] = open_eye, open_eye + (10, 0)
    assert eye_aspect_ratio(landmarks) == pytest.approx(2 / 3, rel=1e-3)
    landmarks[36:42], landmarks[42:48] = shut_eye, shut_eye + (10, 0)
    assert eye_aspect_ratio(landmarks) < 0.1
