"""dlib's models, as shipped in the `face-recognition-models` package; loaded once, never downloaded."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import dlib

_lock = threading.Lock()


class ModelsMissingError(RuntimeError):
    pass


def _path(name: str) -> str:
    try:
        import face_recognition_models
    except ImportError as error:  # a broken install, not a run-time download
        raise ModelsMissingError(
            "face-recognition-models is not installed; run scripts/setup.sh (pip install -e .)"
        ) from error
    return str(getattr(face_recognition_models, name)())


@cache
def frontal_face_detector() -> Any:
    return dlib.get_frontal_face_detector()


@cache
def landmarks_5() -> Any:
    with _lock:
        return dlib.shape_predictor(_path("pose_predictor_five_point_model_location"))


@cache
def landmarks_68() -> Any:
    with _lock:
        return dlib.shape_predictor(_path("pose_predictor_model_location"))


@cache
def face_encoder() -> Any:
    with _lock:
        return dlib.face_recognition_model_v1(_path("face_recognition_model_location"))
