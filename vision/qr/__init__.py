"""Signed appointment QR codes: make (console), render (segno), decode from frames and verify (kiosk)."""

from vision.qr.codes import (
    Appointment,
    AppointmentSigner,
    AppointmentVerifier,
    InvalidAppointmentCode,
    generate_signing_key,
)
from vision.qr.decode import QrDecoder
from vision.qr.render import qr_matrix_image, qr_png, qr_svg

__all__ = [
    "Appointment",
    "AppointmentSigner",
    "AppointmentVerifier",
    "InvalidAppointmentCode",
    "QrDecoder",
    "generate_signing_key",
    "qr_matrix_image",
    "qr_png",
    "qr_svg",
]
