"""Fixtures for the vision tests: the shared face photos and a gallery enrolled from them once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from vision.enrolment import Enroller
from vision.faces import FacePipeline
from vision.gallery import InMemoryGallery
from vision.images import load_image
from vision.privacy import Consent

FACES = Path(__file__).parents[2].parent / "shared" / "faces"


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    if not FACES.is_dir():
        pytest.skip(f"shared test photos not found at {FACES} (see ../shared/faces/README.md)")
    return FACES


@pytest.fixture(scope="session")
def photo_pipeline() -> FacePipeline:
    return FacePipeline.for_photos()


def consent_for(customer_id: str) -> Consent:
    return Consent(customer_id, notice_version="face-notice-v1", given_at=dt.datetime(2025, 1, 1, 9, 0))


@pytest.fixture(scope="session")
def make_consent():
    return consent_for


@pytest.fixture(scope="session")
def enrolled(faces_dir: Path, photo_pipeline: FacePipeline):
    """Every identity in knn_examples/train enrolled; returns (gallery, {photo: refusal reason})."""
    gallery = InMemoryGallery()
    enroller = Enroller(photo_pipeline, gallery)
    refusals = {}
    for path in sorted((faces_dir / "knn_examples" / "train").glob("*/*")):
        result = enroller.enrol(load_image(path), consent_for(path.parent.name))
        if not result.ok:
            refusals[path.name] = result.report.issue
    return gallery, refusals
