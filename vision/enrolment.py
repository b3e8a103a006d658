"""Enrolment (consent, quality check, template) and recognition (frame → candidate customers)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vision.faces.pipeline import Box, FacePipeline
from vision.faces.quality import QualityLimits, QualityReport, check_quality
from vision.faces.template import Template
from vision.gallery import Gallery, Match
from vision.images import as_bgr
from vision.privacy import Consent, require_consent


@dataclass(frozen=True)
class EnrolmentResult:
    report: QualityReport  # report.message is what the kiosk shows when refused
    template: Template | None = None  # bytes for the store to encrypt, with the consent record
    evicted: list[Template] = field(default_factory=list)  # the store deletes these

    @property
    def ok(self) -> bool:
        return self.template is not None


class Enroller:
    def __init__(self, pipeline: FacePipeline, gallery: Gallery, limits: QualityLimits | None = None):
        self.pipeline = pipeline
        self.gallery = gallery
        self.limits = limits or QualityLimits()

    def enrol(self, frame: np.ndarray, consent: Consent | None) -> EnrolmentResult:
        """One frame → one template for consent.customer_id, or a refusal with a reason.

        ConsentRequired is raised before the frame is even looked at."""
        consent = require_consent(consent)
        bgr = as_bgr(frame)
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        faces = self.pipeline.analyse(bgr, embed=False, with_landmarks68=True, max_faces=2)
        chip = self.pipeline.align(rgb, faces[0]) if faces else None
        report = check_quality(bgr.shape, faces, chip, self.limits)
        if not report.ok or chip is None:
            return EnrolmentResult(report)
        template = Template(self.pipeline.embed_aligned(chip))
        # chip, rgb and faces go out of scope here: only the template survives the call.
        evicted = self.gallery.add(consent.customer_id, template)
        return EnrolmentResult(report, template, evicted)


@dataclass(frozen=True)
class Sighting:
    box: Box
    matches: list[Match]  # best first; evidence for a person to confirm, never a verdict

    @property
    def candidates(self) -> list[Match]:
        return [match for match in self.matches if match.is_candidate]


class Recogniser:
    """Frame → the faces in it with their best gallery matches. Nothing is kept between calls."""

    def __init__(self, pipeline: FacePipeline, gallery: Gallery, k: int = 3, max_faces: int = 4):
        self.pipeline = pipeline
        self.gallery = gallery
        self.k = k
        self.max_faces = max_faces

    def identify(self, frame: np.ndarray) -> list[Sighting]:
        faces = self.pipeline.analyse(frame, max_faces=self.max_faces)
        return [Sighting(face.box, self.gallery.search(face.template(), self.k)) for face in faces]
