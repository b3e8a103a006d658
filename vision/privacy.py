"""Consent gates for face data (PIPL; the 2025 face-recognition Measures).

Rules kept in vision: no template without a consent record; aligned faces and frames live only
in local variables and are dropped when the template is made; the only image that may leave
memory is an optional small evidence snapshot of the consenting person, with every other face in
it pixelated. Camera frames never leave memory (the camera keeps a bounded queue, no files).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vision.faces.pipeline import Box


class ConsentRequired(PermissionError):
    message_zh = "需要您同意人脸识别后才能登记人脸"


@dataclass(frozen=True)
class Consent:
    customer_id: str
    notice_version: str  # the version of the notice text the visitor agreed to
    given_at: dt.datetime


def require_consent(consent: Consent | None, customer_id: str | None = None) -> Consent:
    if consent is None or not consent.notice_version:
        raise ConsentRequired("no consent record for face data")
    if customer_id is not None and consent.customer_id != customer_id:
        raise ConsentRequired("consent belongs to another customer")
    return consent


def pixelate_faces(frame: np.ndarray, boxes: Sequence[Box], blocks: int = 8) -> np.ndarray:
    """A copy of `frame` with each box (grown a little to cover hair and chin) made unrecognisable."""
    result = frame.copy()
    height, width = frame.shape[:2]
    for left, top, right, bottom in boxes:
        grow_x, grow_y = (right - left) // 5, (bottom - top) // 5
        x0, y0 = max(0, left - grow_x), max(0, top - grow_y)
        x1, y1 = min(width, right + grow_x), min(height, bottom + grow_y)
        if x1 <= x0 or y1 <= y0:
            continue
        region = result[y0:y1, x0:x1]
        small = cv2.resize(region, (blocks, blocks), interpolation=cv2.INTER_AREA)
        result[y0:y1, x0:x1] = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    return result


def evidence_snapshot(
    frame: np.ndarray,
    subject: Box,
    other_faces: Sequence[Box],
    consent: Consent | None,
    max_side: int = 160,
    quality: int = 80,
) -> bytes:
    """A small JPEG around the consenting subject's face for the store to encrypt, or ConsentRequired.

    Faces of anybody else in the crop are pixelated first: they did not consent."""
    require_consent(consent)
    redacted = pixelate_faces(frame, [box for box in other_faces if box != subject])
    left, top, right, bottom = subject
    margin = (right - left) // 2
    height, width = frame.shape[:2]
    crop = redacted[max(0, top - margin) : min(height, bottom + margin), max(0, left - margin) : min(width, right + margin)]
    scale = min(1.0, max_side / max(crop.shape[:2]))
    crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the evidence snapshot")
    return jpeg.tobytes()
