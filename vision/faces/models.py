"""dlib's models, as shipped in the `face-recognition-models` package; loaded once, never downloaded.

The package's `__init__` imports `pkg_resources`, which setuptools 82 and later no longer provide and a
Python 3.12+ virtual environment does not have at all, so the model files are found from the package's
location (`importlib.util.find_spec`) without importing it.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import cache
from pathlib import Path
from typing import Any

import dlib

_lock = threading.Lock()

PACKAGE = "face_recognition_models"
FILES = {
    "landmarks_5": "shape_predictor_5_face_landmarks.dat",
    "landmarks_68": "shape_predictor_68_face_landmarks.dat",
    "encoder": "dlib_face_recognition_resnet_model_v1.dat",
    "cnn_detector": "mmod_human_face_detector.dat",
}


class ModelsMissingError(RuntimeError):
    pass


def model_path(name: str) -> str:
    """The file of one of `FILES`, from the installed package, whose `__init__` is never run."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:  # a broken install, not a run-time download
        raise ModelsMissingError(
            "face-recognition-models is not installed; run scripts/setup.sh (pip install -e .)")
    for folder in locations:
        path = Path(folder) / "models" / FILES[name]
        if path.is_file():
            return str(path)
    raise ModelsMissingError(f"face model file {FILES[name]} is missing from {locations[0]}; "
                             "reinstall face-recognition-models (scripts/setup.sh)")


@cache
def frontal_face_detector() -> Any:
    return dlib.get_frontal_face_detector()


@cache
def landmarks_5() -> Any:
    with _lock:
        return dlib.shape_predictor(model_path("landmarks_5"))


@cache
def landmarks_68() -> Any:
    with _lock:
        return dlib.shape_predictor(model_path("landmarks_68"))


@cache
def face_encoder() -> Any:
    with _lock:
        return dlib.face_recognition_model_v1(model_path("encoder"))
