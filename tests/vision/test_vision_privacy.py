import datetime as dt

import cv2
import numpy as np
import pytest

from vision.images import load_image
from vision.privacy import Consent, ConsentRequired, evidence_snapshot, pixelate_faces, require_consent


def test_consent_must_exist_and_belong_to_the_customer():
    consent = Consent("c1", "face-notice-v1", dt.datetime(2025, 1, 1))
    assert require_consent(consent, "c1") is consent
    with pytest.raises(ConsentRequired):
        require_consent(None)
    with pytest.raises(ConsentRequired):
        require_consent(consent, "c2")
    with pytest.raises(ConsentRequired):
        require_consent(Consent("c1", "", dt.datetime(2025, 1, 1)))


def test_snapshot_needs_consent():
    frame = np.zeros((100, 100, 3), np.uint8)
    with pytest.raises(ConsentRequired):
        evidence_snapshot(frame, (10, 10, 50, 50), [], None)


def test_snapshot_pixelates_the_faces_of_people_who_did_not_consent(faces_dir, photo_pipeline):
    frame = load_image(faces_dir / "two_people.jpg")
    faces = photo_pipeline.analyse(frame, embed=False)
    subject, other = faces[0].box, faces[1].box
    consent = Consent("c1", "face-notice-v1", dt.datetime(2025, 1, 1))
    snapshot = cv2.imdecode(np.frombuffer(evidence_snapshot(frame, subject, [subject, other], consent), np.uint8), 1)
    assert max(snapshot.shape[:2]) <= 160
    redacted = pixelate_faces(frame, [other])
    # The other person's face is gone (no face found there any more); the subject's is still there.
    left, top, right, bottom = other
    assert photo_pipeline.detect(redacted[max(0, top - 50) : bottom + 50, max(0, left - 50) : right + 50]) == []
    assert len(photo_pipeline.detect(redacted)) == 1
