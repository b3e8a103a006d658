"""Appointment QR codes (vision/qr), read on the start screen and on the QR screen alike: a valid,
signed code starts the check-in with the appointment; a forged, expired or foreign one gets its reason."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from vision.qr import InvalidAppointmentCode

REPEAT_S = 10.0  # the same code held up again within this time is ignored (the visitor is still there)

REASONS = {
    "format": QT_TRANSLATE_NOOP("Scan", "这不是本项目的预约码"),
    "signature": QT_TRANSLATE_NOOP("Scan", "预约码无效，请联系置业顾问"),
    "expired": QT_TRANSLATE_NOOP("Scan", "预约码已过期，请用其他方式登记"),
    "not_yet_valid": QT_TRANSLATE_NOOP("Scan", "预约时间未到，请用其他方式登记"),
    "other_project": QT_TRANSLATE_NOOP("Scan", "这是其他项目的预约码"),
}


def reason_text(reason: str) -> str:
    return QCoreApplication.translate("Scan", REASONS.get(reason, REASONS["signature"]))


class QrScanning:
    def __init__(self, kiosk: Any) -> None:
        self.kiosk = kiosk
        self._seen: dict[str, float] = {}
        self._decoder: Any = None

    def decode(self, frame: Any) -> list[str]:
        """Camera thread."""
        custom = self.kiosk.services.qr_decoder
        if custom is not None:
            return list(custom(frame))
        if self._decoder is None:
            from vision.qr import QrDecoder

            self._decoder = QrDecoder()
        return self._decoder.decode(frame)

    def handle(self, codes: list[str]) -> None:
        """GUI thread: verify the first new code and go on."""
        now = time.monotonic()
        fresh = [code for code in codes if now - self._seen.get(code, -REPEAT_S) >= REPEAT_S]
        if not fresh:
            return
        code = fresh[0]
        self._seen[code] = now
        verifier = self.kiosk.services.verifier
        if verifier is None:
            self.kiosk.screen("qr").show_error(reason_text("format"))
            return
        try:
            appointment = verifier.verify(code, self.kiosk.services.wall_clock())
        except InvalidAppointmentCode as error:
            self.kiosk.show_screen("qr")
            self.kiosk.screen("qr").show_error(reason_text(error.reason))
            return
        flow = self.kiosk.begin("qr")
        flow.appointment = appointment.appointment_id
        self.kiosk.show_screen("phone")
        self.kiosk.screen("phone").show_notice(
            QCoreApplication.translate("Scan", "预约已确认，请输入手机号完成登记"))
