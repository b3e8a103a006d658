"""The live path: mediapipe installed beside the headless OpenCV, the face tracker and its guidance."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import cv2
import numpy as np
import pytest

from vision.faces.quality import QualityIssue
from vision.images import load_image
from vision.liveness_clips import kiosk_view, turn_head


def owners_of_cv2() -> set[str]:
    return {
        dist.metadata["Name"]
        for dist in importlib.metadata.distributions()
        if any(str(path).startswith("cv2/") for path in dist.files or [])
    }


def test_cv2_is_still_the_headless_build():
    # mediapipe's own requirement, opencv-contrib-python, would overwrite cv2 with a Qt-linked build.
    assert owners_of_cv2() == {"opencv-python-headless"}
    gui = next(line for line in cv2.getBuildInformation().splitlines() if line.strip().startswith("GUI:"))
    assert gui.split(":", 1)[1].strip() == "NONE"


def test_mediapipe_is_the_pinned_wheel_with_its_face_models():
    import mediapipe

    setup = (Path(__file__).parents[2] / "scripts" / "setup.sh").read_text()
    pinned = next(line for line in setup.splitlines() if line.startswith("MEDIAPIPE="))
    assert pinned == 'MEDIAPIPE="mediapipe==0.10.14"' and '--no-deps "$MEDIAPIPE"' in setup
    assert importlib.metadata.version("mediapipe") == "0.10.14"
    modules = Path(mediapipe.__file__).parent / "modules"
    for model in ("face_detection/face_detection_short_range.tflite", "face_landmark/face_landmark_with_attention.tflite"):
        assert (modules / model).stat().st_size > 100_000, model


@pytest.fixture(scope="module")
def tracker_cls():
    from vision.tracking import FaceTracker

    return FaceTracker


@pytest.fixture(scope="module")
def obama(faces_dir):
    return kiosk_view(load_image(faces_dir / "knn_examples" / "train" / "obama" / "obama.jpg"))


def test_a_still_face_is_tracked_under_one_id_and_becomes_steady(tracker_cls, obama):
    tracker = tracker_cls()
    faces = [tracker.process(obama, t / 10) for t in range(6)]
    assert all(face is not None for face in faces)
    assert len({face.track_id for face in faces}) == 1
    assert [face.steady for face in faces] == [False] * 4 + [True] * 2
    last = faces[-1]
    assert last.guidance is None and last.ready
    assert last.mesh is not None and last.mesh.shape == (478, 3)
    assert 150 < last.width < 230  # the face was cut to 180 px by kiosk_view
    tracker.close()


def test_a_face_that_left_comes_back_as_a_new_track(tracker_cls, obama):
    tracker = tracker_cls()
    first = tracker.process(obama, 0.0)
    assert tracker.process(np.full_like(obama, 90), 0.1) is None
    again = tracker.process(obama, 1.0)  # gone longer than lost_after_s
    moved = tracker.process(np.roll(obama, 160, axis=1), 1.1)  # another place in the frame
    assert first.track_id != again.track_id != moved.track_id
    assert not moved.steady


@pytest.mark.parametrize(
    ("change", "issue"),
    [
        (lambda frame: (frame * 0.2).astype(np.uint8), QualityIssue.TOO_DARK),
        (lambda frame: cv2.GaussianBlur(frame, (0, 0), 4), QualityIssue.BLURRED),
        (lambda frame: np.ascontiguousarray(frame[:, 280:]), QualityIssue.PARTLY_HIDDEN),
    ],
    ids=["dark", "blurred", "cut"],
)
def test_guidance_names_what_is_wrong(tracker_cls, obama, change, issue):
    face = tracker_cls().process(change(obama), 0.0)
    assert face is not None and face.issue is issue and face.guidance == issue.message


def test_a_face_too_far_is_asked_closer_until_blazeface_loses_it(tracker_cls, faces_dir):
    photo = load_image(faces_dir / "knn_examples" / "train" / "obama" / "obama.jpg")
    face = tracker_cls().process(kiosk_view(photo, face_width=85), 0.0)
    assert face is not None and face.guidance == "请走近一点"
    assert tracker_cls().process(kiosk_view(photo, face_width=60), 0.0) is None  # short-range: no face


def test_a_turned_head_is_asked_to_face_the_camera(tracker_cls, faces_dir, photo_pipeline):
    photo = kiosk_view(load_image(faces_dir / "knn_examples" / "train" / "obama" / "obama.jpg"))
    landmarks = photo_pipeline.analyse(photo, embed=False, with_landmarks68=True)[0].landmarks68
    face = tracker_cls().process(turn_head(photo, landmarks, 40), 0.0)
    assert face is not None and face.guidance == "请正对摄像头"
    profile = kiosk_view(load_image(faces_dir / "knn_examples" / "train" / "kit_harington" / "john2.jpeg"))
    face = tracker_cls().process(profile, 0.0)
    assert face is not None and face.issue is QualityIssue.TURNED


def test_two_visitors_are_asked_to_come_one_by_one(tracker_cls, obama):
    side_by_side = np.hstack([obama[:, 170:490], obama[:, 150:470]])
    face = tracker_cls().process(side_by_side, 0.0)
    assert face is not None and face.faces_in_frame == 2
    assert face.issue is QualityIssue.SEVERAL_FACES


def test_no_face_gives_none(tracker_cls):
    assert tracker_cls().process(np.full((480, 640, 3), 128, np.uint8), 0.0) is None


def test_the_tracked_box_gives_the_embedding_the_detector_gives(tracker_cls, faces_dir):
    from vision.faces import FacePipeline

    pipeline = FacePipeline()
    for name in ("obama/obama.jpg", "biden/biden2.jpg", "rose_leslie/img2.jpg"):
        frame = kiosk_view(load_image(faces_dir / "knn_examples" / "train" / name))
        face = tracker_cls().process(frame, 0.0)
        detected = pipeline.analyse(frame, max_faces=1)[0]
        from_track = pipeline.analyse_box(frame, face.box, face.score)
        assert float(detected.embedding @ from_track.embedding) > 0.99, name


def test_the_embedding_worker_process_answers_like_the_pipeline(tracker_cls, obama):
    from vision.embedder import EmbeddingWorker
    from vision.faces import FacePipeline

    face = tracker_cls().process(obama, 0.0)
    expected = FacePipeline().analyse_box(obama, face.box).embedding
    with EmbeddingWorker() as worker:
        embedding = worker.submit(obama, face.box).result(timeout=60)
    assert embedding.shape == (128,) and float(embedding @ expected) > 0.99
