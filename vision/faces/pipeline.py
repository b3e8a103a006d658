"""Detection (dlib HOG), landmarks (dlib 5/68 points), alignment (dlib face chips) and 128-d embeddings
(dlib ResNet), tuned for a kiosk: detection runs on a downscaled grey frame, landmarks and the
embedding on the full-resolution one. docs/VISION.md explains the choice of models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import dlib
import numpy as np

from vision.faces import models
from vision.faces.template import Template, normalise
from vision.images import as_bgr

CHIP_SIZE = 150  # what dlib's ResNet was trained on
CHIP_PADDING = 0.25

Box = tuple[int, int, int, int]  # left, top, right, bottom; may reach past the frame's edges


@dataclass(eq=False)
class Face:
    box: Box
    detection_score: float
    landmarks5: np.ndarray  # (5, 2) float32: eye corners and the base of the nose
    landmarks68: np.ndarray | None = None
    embedding: np.ndarray | None = None  # (128,) float32, unit length
    shape5: Any = field(default=None, repr=False)  # dlib's object, reused for alignment

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    def template(self) -> Template:
        if self.embedding is None:
            raise ValueError("face was analysed without an embedding")
        return Template(self.embedding)


def _points(shape: Any) -> np.ndarray:
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


class FacePipeline:
    """`analyse(frame)` → faces, largest first. Not shared between threads: make one per worker.

    detect_width: frames wider than this are shrunk before detection (HOG finds faces of about
    80 px and more in the shrunk frame, so 640 finds faces an eighth of the frame wide and up).
    upsample: dlib's upsampling for small faces in photos (each step doubles the cost by four).
    """

    def __init__(self, detect_width: int | None = 640, upsample: int = 0, min_detection_score: float = -0.2):
        self.detect_width = detect_width
        self.upsample = upsample
        self.min_detection_score = min_detection_score
        self._detector = models.frontal_face_detector()
        self._landmarks5 = models.landmarks_5()
        self._encoder = models.face_encoder()
        self._landmarks68: Any = None

    @classmethod
    def for_photos(cls) -> FacePipeline:
        """Slower settings that also find the small faces in group photos and enrolment pictures."""
        return cls(detect_width=1024, upsample=1)

    def detect(self, frame: np.ndarray) -> list[tuple[Box, float]]:
        bgr = as_bgr(frame)
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        scale = 1.0
        if self.detect_width and grey.shape[1] > self.detect_width:
            scale = self.detect_width / grey.shape[1]
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rects, scores, _ = self._detector.run(grey, self.upsample, self.min_detection_score)
        found = []
        for rect, score in zip(rects, scores, strict=True):
            box = tuple(round(v / scale) for v in (rect.left(), rect.top(), rect.right(), rect.bottom()))
            found.append((box, float(score)))
        return sorted(found, key=lambda item: -(item[0][2] - item[0][0]))

    def analyse(
        self,
        frame: np.ndarray,
        *,
        embed: bool = True,
        with_landmarks68: bool = False,
        max_faces: int | None = None,
    ) -> list[Face]:
        bgr = as_bgr(frame)
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        faces = []
        for box, score in self.detect(bgr)[:max_faces]:
            rect = dlib.rectangle(*box)
            shape5 = self._landmarks5(rgb, rect)
            face = Face(box=box, detection_score=score, landmarks5=_points(shape5), shape5=shape5)
            if with_landmarks68:
                face.landmarks68 = self.landmarks68(rgb, box)
            if embed:
                face.embedding = self.embed_aligned(self.align(rgb, face))
            faces.append(face)
        return faces

    def analyse_box(self, frame: np.ndarray, box: Box, score: float = 1.0, *, embed: bool = True) -> Face:
        """The face inside a box found elsewhere (the live tracker's BlazeFace box): landmarks, and the
        embedding, without running the detector again."""
        rgb = cv2.cvtColor(as_bgr(frame), cv2.COLOR_BGR2RGB)
        shape5 = self._landmarks5(rgb, dlib.rectangle(*box))
        face = Face(box=box, detection_score=score, landmarks5=_points(shape5), shape5=shape5)
        if embed:
            face.embedding = self.embed_aligned(self.align(rgb, face))
        return face

    def landmarks68(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        if self._landmarks68 is None:
            self._landmarks68 = models.landmarks_68()
        return _points(self._landmarks68(rgb, dlib.rectangle(*box)))

    def align(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        """The face rotated, scaled and cropped to the 150×150 RGB chip the encoder expects."""
        return dlib.get_face_chip(rgb, face.shape5, size=CHIP_SIZE, padding=CHIP_PADDING)

    def embed_aligned(self, chip: np.ndarray) -> np.ndarray:
        return normalise(np.asarray(self._encoder.compute_face_descriptor(chip), dtype=np.float32))
