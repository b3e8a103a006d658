"""The live path: find and follow the visitor's face between camera frames (mediapipe).

BlazeFace short-range finds every face in a frame (~2.5 ms at 640×480); face mesh in tracking mode
(~4 ms) gives 478 landmarks of the nearest face: eyelids, irises, nose and lips for quality guidance
and liveness. Boxes are matched between frames so the kiosk embeds a face (dlib ResNet, ~90 ms) once
per `track_id`, when the face is `steady`, instead of every frame. The models travel inside the
mediapipe 0.10.14 wheel; nothing is downloaded. One tracker per camera thread (graphs keep state).
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from vision.faces.pipeline import Box, Face
from vision.faces.quality import QualityIssue, QualityLimits, check_quality
from vision.images import as_bgr
from vision.liveness import Cues, affine_nose

os.environ.setdefault("GLOG_minloglevel", "2")  # mediapipe's C++ logs an info line per graph
# mediapipe 0.10.14 calls a protobuf 4 API that warns on every graph run; the call works.
warnings.filterwarnings("ignore", message="SymbolDatabase.GetPrototype", category=UserWarning)
from mediapipe.python.solutions import face_detection, face_mesh  # noqa: E402

# Face-mesh indices. Eyes in the order of the 68-point model (corner, two upper lid, corner, two lower
# lid points) so the same eye aspect ratio applies; "left" is the eye on the image's left.
LEFT_EYE = [33, 160, 158, 133, 153, 144]
RIGHT_EYE = [362, 385, 387, 263, 373, 380]
MOUTH = [61, 291, 13, 14]  # corners and the inner lips
NOSE_TIP = 1


def eye_aspect_ratio(eye: np.ndarray) -> float:
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    return float(vertical / (2 * np.linalg.norm(eye[0] - eye[3]) + 1e-6))


def mesh_cues(mesh: np.ndarray) -> Cues:
    """Blink and pose cues from the (478, 2+) mesh in pixels."""
    points = mesh[:, :2]
    left, right = points[LEFT_EYE], points[RIGHT_EYE]
    left_eye, right_eye = left.mean(axis=0), right.mean(axis=0)
    yaw, pitch = affine_nose(left_eye, right_eye, points[MOUTH].mean(axis=0), points[NOSE_TIP])
    eye_vector = right_eye - left_eye
    return Cues(
        ear=(eye_aspect_ratio(left) + eye_aspect_ratio(right)) / 2,
        yaw=yaw,
        pitch=pitch,
        roll=float(np.degrees(np.arctan2(eye_vector[1], eye_vector[0]))),
        eye_distance=float(np.linalg.norm(eye_vector)),
    )


@dataclass(frozen=True)
class TrackerLimits:
    # BlazeFace scores run 0.5-1. Short-range finds faces from ~78 px wide in 640×480 (smaller ones are
    # not seen at all: "no face"), so "come closer" is asked below 90 px rather than dlib's 80.
    quality: QualityLimits = QualityLimits(min_face_px=90, min_detection_score=0.5)
    # Pose in the affine frame of eyes and mouth (see vision/liveness.py), measured on the shared photos:
    # frontal faces give |yaw| < 0.06 and pitch 0.55-0.7; kit_harington/john2 (three-quarter) is refused.
    max_yaw: float = 0.2
    pitch_range: tuple[float, float] = (0.3, 0.8)
    steady_frames: int = 5  # the same face, hardly moving, for this many frames
    steady_motion: float = 0.08  # box centre movement allowed, in face widths
    steady_scale: float = 0.1  # change of box width allowed
    same_track_iou: float = 0.3
    lost_after_s: float = 0.5  # a face gone longer than this comes back as a new track


@dataclass(eq=False)
class TrackedFace:
    box: Box  # left, top, right, bottom in frame pixels (BlazeFace)
    score: float
    track_id: int
    t: float
    mesh: np.ndarray | None = field(default=None, repr=False)  # (478, 3) pixels; None when the mesh lost it
    steady: bool = False
    issue: QualityIssue | None = None
    faces_in_frame: int = 1

    @property
    def guidance(self) -> str | None:
        """What the kiosk shows to get a usable face ("请正对摄像头"), or None when it is usable."""
        return None if self.issue is None else self.issue.message

    @property
    def ready(self) -> bool:
        """Steady and usable: the moment to embed this track (once)."""
        return self.steady and self.issue is None

    @property
    def cues(self) -> Cues | None:
        return None if self.mesh is None else mesh_cues(self.mesh)

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


def iou(a: Box, b: Box) -> float:
    inter_w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class FaceTracker:
    """`process(frame, t)` → the largest face, tracked, or None. Not thread-safe: one per camera thread."""

    _ids = itertools.count(1)  # track ids unique in the process, so a new tracker never reuses one

    def __init__(self, limits: TrackerLimits | None = None):
        self.limits = limits or TrackerLimits()
        self._detector = face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5)
        self._mesh = face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True)
        self._track_id = 0
        self._last_box: Box | None = None
        self._last_t = -1e9
        self._history: deque[Box] = deque(maxlen=self.limits.steady_frames)

    def close(self) -> None:
        self._detector.close()
        self._mesh.close()

    def process(self, frame_bgr: np.ndarray, t: float) -> TrackedFace | None:
        bgr = as_bgr(frame_bgr)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)  # 20x faster than a reversed-axis copy
        found = self._detect(rgb)
        if not found:
            return None
        box, score = found[0]
        track_id = self._follow(box, t)
        mesh = self._landmarks(rgb, box)
        face = TrackedFace(box, score, track_id, t, mesh, faces_in_frame=len(found))
        face.steady = self._steady()
        face.issue = self._issue(bgr, found, mesh)
        return face

    def _detect(self, rgb: np.ndarray) -> list[tuple[Box, float]]:
        height, width = rgb.shape[:2]
        result = self._detector.process(rgb)
        found = []
        for detection in result.detections or []:
            rel = detection.location_data.relative_bounding_box
            left, top = round(rel.xmin * width), round(rel.ymin * height)
            box = (left, top, left + round(rel.width * width), top + round(rel.height * height))
            found.append((box, float(detection.score[0])))
        return sorted(found, key=lambda item: -(item[0][2] - item[0][0]))

    def _follow(self, box: Box, t: float) -> int:
        lost = t - self._last_t > self.limits.lost_after_s
        if lost or self._last_box is None or iou(box, self._last_box) < self.limits.same_track_iou:
            self._track_id = next(self._ids)
            self._history.clear()
        self._last_box, self._last_t = box, t
        self._history.append(box)
        return self._track_id

    def _steady(self) -> bool:
        if len(self._history) < self.limits.steady_frames:
            return False
        last = self._history[-1]
        width = last[2] - last[0]
        centre = np.array([(last[0] + last[2]) / 2, (last[1] + last[3]) / 2])
        for box in self._history:
            moved = np.linalg.norm(np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]) - centre)
            if moved > self.limits.steady_motion * width or abs(box[2] - box[0] - width) > self.limits.steady_scale * width:
                return False
        return True

    def _landmarks(self, rgb: np.ndarray, box: Box) -> np.ndarray | None:
        """The mesh of the tracked face; None when the mesh follows someone else or nobody."""
        result = self._mesh.process(rgb)
        if not result.multi_face_landmarks:
            return None
        height, width = rgb.shape[:2]
        points = result.multi_face_landmarks[0].landmark
        mesh = np.array([(p.x * width, p.y * height, p.z * width) for p in points], np.float32)
        nose_x, nose_y = mesh[NOSE_TIP, :2]
        if not (box[0] <= nose_x <= box[2] and box[1] <= nose_y <= box[3]):
            return None
        return mesh

    def _issue(self, bgr: np.ndarray, found: list[tuple[Box, float]], mesh: np.ndarray | None) -> QualityIssue | None:
        """check_quality's verdict with the mesh standing in for the 68 landmarks (same messages)."""
        limits = self.limits
        faces = [Face(box=box, detection_score=score, landmarks5=np.zeros((5, 2), np.float32)) for box, score in found]
        report = check_quality(bgr.shape, faces[:2], None, limits.quality)  # count, size, edges
        if not report.ok:
            return report.issue
        if mesh is None:
            return QualityIssue.PARTLY_HIDDEN
        cues = mesh_cues(mesh)
        low, high = limits.pitch_range
        if abs(cues.yaw) > limits.max_yaw or not low <= cues.pitch <= high or abs(cues.roll) > limits.quality.max_roll_degrees:
            return QualityIssue.TURNED
        return check_quality(bgr.shape, faces[:1], face_chip(bgr, found[0][0]), limits.quality).issue


def face_chip(bgr: np.ndarray, box: Box, size: int = 150, padding: float = 0.25) -> np.ndarray:
    """The box with a margin, cut and scaled to size×size RGB: light and sharpness are judged on it as
    on dlib's aligned chip."""
    left, top, right, bottom = box
    pad = padding * (right - left)
    x0, y0 = max(0, int(left - pad)), max(0, int(top - pad))
    x1, y1 = min(bgr.shape[1], int(right + pad)), min(bgr.shape[0], int(bottom + pad))
    crop = bgr[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else bgr
    return cv2.cvtColor(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
