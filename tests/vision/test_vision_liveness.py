"""Liveness on clips made from a still photo (vision/liveness_clips.py); the full APCER/BPCER run is
benchmarks/vision_liveness.py."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vision.faces import FacePipeline
from vision.images import load_image
from vision.liveness import Challenge, LivenessCheck, eye_aspect_ratio
from vision.liveness_clips import attack_frames, bona_fide_frames, close_eyes


@pytest.fixture(scope="module")
def kiosk():
    return FacePipeline()


@pytest.fixture(scope="module")
def still(faces_dir, kiosk):
    photo = load_image(faces_dir / "knn_examples" / "train" / "obama" / "obama.jpg")
    image = cv2.resize(photo, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    return image, kiosk.analyse(image, embed=False, with_landmarks68=True)[0].landmarks68


def landmarks_of(kiosk, frames):
    found = []
    for frame in frames:
        faces = kiosk.analyse(frame, embed=False, with_landmarks68=True, max_faces=1)
        found.append(faces[0].landmarks68 if faces else None)
    return found


def judge(marks, challenge):
    check = LivenessCheck(challenge)
    for landmarks in marks:
        check.update(landmarks)
    return check.finish()


def test_closed_eyes_lower_the_eye_aspect_ratio(kiosk, still):
    image, landmarks = still
    (closed,) = landmarks_of(kiosk, [close_eyes(image, landmarks)])
    assert eye_aspect_ratio(closed) < 0.65 * eye_aspect_ratio(landmarks)


def test_live_face_answering_the_challenge_passes_and_the_other_direction_fails(kiosk, still):
    marks = landmarks_of(kiosk, bona_fide_frames(*still, turn_sign=1.0))
    passed = judge(marks, Challenge.TURN_LEFT)
    assert passed.live and passed.blinked and passed.turn >= 0.1
    wrong_way = judge(marks, Challenge.TURN_RIGHT)
    assert wrong_way.live is False and wrong_way.reason == "no turn"


@pytest.mark.parametrize("kind", ["print", "screen"])
def test_photo_held_up_is_refused(kiosk, still, kind):
    marks = landmarks_of(kiosk, attack_frames(still[0], kind, seed=3))
    assert sum(m is not None for m in marks) > 20  # the face was seen: refused for liveness, not for absence
    for challenge in Challenge:
        assert judge(marks, challenge).live is False


def test_no_face_is_never_live():
    check = LivenessCheck(Challenge.random())
    for _ in range(10):
        assert check.update(None).live is None
    assert check.finish().live is False
    assert Challenge.TURN_LEFT.prompt.startswith("请眨眨眼")


def test_eye_aspect_ratio_of_open_and_closed_eye_shapes():
    open_eye = np.array([(0, 0), (1, -1), (2, -1), (3, 0), (2, 1), (1, 1)], np.float32)
    shut_eye = open_eye * (1, 0.1)
    landmarks = np.zeros((68, 2), np.float32)
    landmarks[36:42], landmarks[42:48] = open_eye, open_eye + (10, 0)
    assert eye_aspect_ratio(landmarks) == pytest.approx(2 / 3, rel=1e-3)
    landmarks[36:42], landmarks[42:48] = shut_eye, shut_eye + (10, 0)
    assert eye_aspect_ratio(landmarks) < 0.1
