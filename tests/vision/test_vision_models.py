"""The face models load on a fresh machine: no `pkg_resources` (setuptools 82+, or none in a 3.12+ venv)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vision.faces import models

ROOT = Path(__file__).resolve().parents[2]

# Runs in a child interpreter where `import pkg_resources` fails, as on a venv without setuptools.
WITHOUT_PKG_RESOURCES = """
import sys
sys.modules["pkg_resources"] = None  # any import of it now raises ImportError
from vision.faces import models
encoder = models.face_encoder()
landmarks = models.landmarks_5()
assert "face_recognition_models" not in sys.modules, "the package's __init__ was imported"
print("loaded", type(encoder).__name__, type(landmarks).__name__)
"""


def test_models_load_without_pkg_resources() -> None:
    done = subprocess.run([sys.executable, "-c", WITHOUT_PKG_RESOURCES], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "loaded face_recognition_model_v1 shape_predictor" in done.stdout


def test_every_model_file_is_found() -> None:
    for name, file in models.FILES.items():
        path = Path(models.model_path(name))
        assert path.name == file and path.stat().st_size > 0


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "PACKAGE", "no_such_face_models_package")
    with pytest.raises(models.ModelsMissingError, match="not installed"):
        models.model_path("encoder")
