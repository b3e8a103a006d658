"""Enrolment quality: refuse a template from a face the kiosk would not recognise again, with a
reason the kiosk can show. Limits are measured on the test photos (see tests/vision)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import cv2
import numpy as np

from vision.faces.pipeline import Face


class QualityIssue(Enum):
    NO_FACE = "请站到摄像头前"
    SEVERAL_FACES = "请一位一位登记"
    TOO_SMALL = "请走近一点"
    PARTLY_HIDDEN = "请露出完整的脸"
    TURNED = "请正对摄像头"
    TOO_DARK = "光线太暗，请站到亮处"
    TOO_BRIGHT = "光线太强，请避开强光"
    BLURRED = "请保持不动"

    @property
    def message(self) -> str:
        return self.value


@dataclass(frozen=True)
class QualityLimits:
    min_face_px: int = 80  # box width in the camera frame
    max_outside_fraction: float = 0.05  # of the box that may lie past the frame's edge
    min_detection_score: float = 0.3  # HOG scores below this are usually occluded or odd faces
    max_yaw: float = 0.25  # nose offset from the eyes' midline, in eye distances (about 25°)
    pitch_range: tuple[float, float] = (0.38, 1.0)  # nose-tip drop below the eyes, in eye distances
    max_roll_degrees: float = 25.0
    min_brightness: float = 60.0  # mean grey level of the face
    max_brightness: float = 215.0
    min_sharpness: float = 40.0  # variance of the Laplacian on the 150-px aligned face


@dataclass(frozen=True)
class QualityReport:
    issue: QualityIssue | None
    measures: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.issue is None

    @property
    def message(self) -> str:
        return "" if self.issue is None else self.issue.message


def pose(landmarks68: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll°) from 68 landmarks: ratios that a flat photo keeps and a turned head does not."""
    left_eye, right_eye = landmarks68[36:42].mean(axis=0), landmarks68[42:48].mean(axis=0)
    eye_vector = right_eye - left_eye
    eye_distance = float(np.linalg.norm(eye_vector)) or 1.0
    roll = float(np.degrees(np.arctan2(eye_vector[1], eye_vector[0])))
    # Express the nose tip in the eyes' frame, so roll does not read as yaw.
    unit = eye_vector / eye_distance
    normal = np.array([-unit[1], unit[0]])
    nose = landmarks68[30] - (left_eye + right_eye) / 2
    return float(nose @ unit) / eye_distance, float(nose @ normal) / eye_distance, roll


def sharpness(grey_chip: np.ndarray) -> float:
    return float(cv2.Laplacian(grey_chip, cv2.CV_64F).var())


def check_quality(
    frame_shape: tuple[int, ...],
    faces: list[Face],
    aligned_chip: np.ndarray | None,
    limits: QualityLimits = QualityLimits(),
) -> QualityReport:
    """Judge the one face to enrol. `faces` come from FacePipeline.analyse(with_landmarks68=True),
    `aligned_chip` is FacePipeline.align() of faces[0] (RGB)."""
    if not faces:
        return QualityReport(QualityIssue.NO_FACE)
    face = faces[0]
    # A second face of similar size is a companion in the picture: whose template would this be?
    if len(faces) > 1 and faces[1].width > 0.6 * face.width:
        return QualityReport(QualityIssue.SEVERAL_FACES)
    height, width = frame_shape[:2]
    left, top, right, bottom = face.box
    inside = max(0, min(right, width) - max(left, 0)) * max(0, min(bottom, height) - max(top, 0))
    outside = 1 - inside / max(1, face.width * face.height)
    measures = {"face_px": float(face.width), "outside": outside, "detection_score": face.detection_score}
    if face.width < limits.min_face_px:
        return QualityReport(QualityIssue.TOO_SMALL, measures)
    if outside > limits.max_outside_fraction or face.detection_score < limits.min_detection_score:
        return QualityReport(QualityIssue.PARTLY_HIDDEN, measures)
    if face.landmarks68 is not None:
        yaw, pitch, roll = pose(face.landmarks68)
        measures |= {"yaw": yaw, "pitch": pitch, "roll": roll}
        low, high = limits.pitch_range
        if abs(yaw) > limits.max_yaw or not low <= pitch <= high or abs(roll) > limits.max_roll_degrees:
            return QualityReport(QualityIssue.TURNED, measures)
    if aligned_chip is not None:
        grey = cv2.cvtColor(aligned_chip, cv2.COLOR_RGB2GRAY)
        centre = grey[30:120, 30:120]  # skin, eyes and mouth; not the background around the head
        measures |= {"brightness": float(centre.mean()), "sharpness": sharpness(grey)}
        if measures["brightness"] < limits.min_brightness:
            return QualityReport(QualityIssue.TOO_DARK, measures)
        if measures["brightness"] > limits.max_brightness:
            return QualityReport(QualityIssue.TOO_BRIGHT, measures)
        if measures["sharpness"] < limits.min_sharpness:
            return QualityReport(QualityIssue.BLURRED, measures)
    return QualityReport(None, measures)
