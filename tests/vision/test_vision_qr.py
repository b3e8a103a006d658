import base64
import json

import cv2
import numpy as np
import pytest

from vision.qr import (
    Appointment,
    AppointmentSigner,
    AppointmentVerifier,
    InvalidAppointmentCode,
    QrDecoder,
    generate_signing_key,
    qr_matrix_image,
    qr_png,
    qr_svg,
)
from vision.qr.decode import pyzbar

NOW = 1_760_000_000
APPOINTMENT = Appointment("A-2025-000123", "xihu-1", NOW - 3600, NOW + 86400)


@pytest.fixture(scope="module")
def signer():
    return AppointmentSigner(generate_signing_key())


@pytest.fixture(scope="module")
def verifier(signer):
    return AppointmentVerifier([signer.public_key], project="xihu-1")


def camera_frame_with(code_image: np.ndarray, angle: float, blur_sigma: float) -> np.ndarray:
    """Paste the code into a noisy 640x480 scene, rotate it, blur it and JPEG it like a webcam."""
    rng = np.random.default_rng(7)
    scene = rng.integers(90, 170, (480, 640), dtype=np.uint8)
    code = cv2.resize(code_image, (260, 260), interpolation=cv2.INTER_AREA)
    scene[110:370, 190:450] = code
    rotation = cv2.getRotationMatrix2D((320, 240), angle, 1.0)
    scene = cv2.warpAffine(scene, rotation, (640, 480), borderValue=128)
    scene = cv2.GaussianBlur(scene, (0, 0), blur_sigma)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(scene, cv2.COLOR_GRAY2BGR), [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def test_sign_and_verify(signer, verifier):
    code = signer.sign(APPOINTMENT)
    assert code.startswith("AC1.")
    assert verifier.verify(code, now=NOW) == APPOINTMENT


@pytest.mark.parametrize("use_zbar", [True, False], ids=["zbar", "opencv"])
def test_round_trip_through_rendered_blurred_rotated_frame(signer, verifier, use_zbar):
    if use_zbar and pyzbar is None:
        pytest.skip("libzbar0 is not installed (scripts/setup.sh installs it)")
    code = signer.sign(APPOINTMENT)
    frame = camera_frame_with(qr_matrix_image(code), angle=17, blur_sigma=1.2)
    texts = QrDecoder(use_zbar=use_zbar).decode(frame)
    assert texts == [code]
    assert verifier.verify(texts[0], now=NOW) == APPOINTMENT


def test_png_and_svg_render(signer):
    code = signer.sign(APPOINTMENT)
    png = qr_png(code)
    assert png.startswith(b"\x89PNG")
    decoded = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert QrDecoder().decode(decoded) == [code]
    assert "<svg" in qr_svg(code)


def test_frame_without_code_decodes_to_nothing():
    assert QrDecoder().decode(np.full((480, 640, 3), 128, np.uint8)) == []


def _reencode_payload(code: str, **changes) -> str:
    prefix, payload, signature = code.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields.update(changes)
    new_payload = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    return f"{prefix}.{new_payload}.{signature}"


def test_altered_code_is_refused(signer, verifier):
    altered = _reencode_payload(signer.sign(APPOINTMENT), u=NOW + 10**8)
    with pytest.raises(InvalidAppointmentCode) as caught:
        verifier.verify(altered, now=NOW)
    assert caught.value.reason == "signature"


def test_code_forged_with_another_key_is_refused(verifier):
    forged = AppointmentSigner(generate_signing_key()).sign(APPOINTMENT)
    with pytest.raises(InvalidAppointmentCode) as caught:
        verifier.verify(forged, now=NOW)
    assert caught.value.reason == "signature"


def test_forged_code_in_a_frame_is_refused(verifier):
    forged = AppointmentSigner(generate_signing_key()).sign(APPOINTMENT)
    (text,) = QrDecoder().decode(camera_frame_with(qr_matrix_image(forged), angle=5, blur_sigma=0.8))
    with pytest.raises(InvalidAppointmentCode):
        verifier.verify(text, now=NOW)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("https://example.com/", "format"), ("AC1.abc", "format"), ("AC1.e30.!!!", "signature")],
)
def test_garbage_is_refused_with_a_reason(verifier, text, reason):
    with pytest.raises(InvalidAppointmentCode) as caught:
        verifier.verify(text, now=NOW)
    assert caught.value.reason == reason


def test_time_window_and_project(signer, verifier):
    code = signer.sign(APPOINTMENT)
    for now, reason in [(NOW + 2 * 86400, "expired"), (NOW - 86400, "not_yet_valid")]:
        with pytest.raises(InvalidAppointmentCode) as caught:
            verifier.verify(code, now=now)
        assert caught.value.reason == reason
    other = AppointmentVerifier([signer.public_key], project="other")
    with pytest.raises(InvalidAppointmentCode) as caught:
        other.verify(code, now=NOW)
    assert caught.value.reason == "other_project"


def test_rotated_keys_are_accepted(signer):
    old = AppointmentSigner(generate_signing_key())
    verifier = AppointmentVerifier([signer.public_key, old.public_key], project="xihu-1")
    assert verifier.verify(old.sign(APPOINTMENT), now=NOW) == APPOINTMENT
