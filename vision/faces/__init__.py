"""Face detection, landmarks, alignment, 128-d embeddings, enrolment quality and templates (dlib)."""

from vision.faces.pipeline import Face, FacePipeline
from vision.faces.quality import QualityIssue, QualityLimits, QualityReport, check_quality
from vision.faces.template import EMBEDDING_SIZE, MATCH_THRESHOLD, Template

__all__ = [
    "EMBEDDING_SIZE",
    "MATCH_THRESHOLD",
    "Face",
    "FacePipeline",
    "QualityIssue",
    "QualityLimits",
    "QualityReport",
    "Template",
    "check_quality",
]
