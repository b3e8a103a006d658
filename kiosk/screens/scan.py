"""Appointment QR codes (vision/qr), read on the start screen and on the QR screen alike. A code signed
with the site key is looked up in the store (service.appointments.for_kiosk, on a worker) and the QR screen
shows the appointment for the visitor to confirm; a forged, expired, foreign, cancelled or used code gets
its reason in plain words, and when the store does not answer the visitor is offered the phone path."""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from kiosk.outbox import UNREACHABLE
from service import appointments
from vision.qr import InvalidAppointmentCode

log = logging.getLogger(__name__)

REPEAT_S = 10.0  # the same code held up again within this time is ignored (the visitor is still there)

REASONS = {
    "format": QT_TRANSLATE_NOOP("Scan", "这不是本项目的预约码"),
    "signature": QT_TRANSLATE_NOOP("Scan", "预约码无效，请联系置业顾问"),
    "expired": QT_TRANSLATE_NOOP("Scan", "预约码已过期，请用其他方式登记"),
    "not_yet_valid": QT_TRANSLATE_NOOP("Scan", "预约时间未到，请用其他方式登记"),
    "other_project": QT_TRANSLATE_NOOP("Scan", "这是其他项目的预约码"),
    "unknown": QT_TRANSLATE_NOOP("Scan", "没有找到此预约，请到前台咨询"),
    "cancelled": QT_TRANSLATE_NOOP("Scan", "此预约已取消，请用其他方式登记"),
    "used": QT_TRANSLATE_NOOP("Scan", "此预约码已使用过，请用其他方式登记"),
    "offline": QT_TRANSLATE_NOOP("Scan", "暂时无法查询预约，请改用手机号登记"),
}


def reason_text(reason: str) -> str:
    return QCoreApplication.translate("Scan", str(REASONS.get(reason, REASONS["signature"])))


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
        qr = self.kiosk.screen("qr")
        if verifier is None:
            qr.show_error(reason_text("format"))
            return
        try:
            appointment = verifier.verify(code, self.kiosk.services.wall_clock())
        except InvalidAppointmentCode as error:
            self.kiosk.show_screen("qr")
            qr.show_error(reason_text(error.reason))
            return
        self.kiosk.show_screen("qr")
        qr.show_looking_up()
        token = qr.lookup_token

        def found(details: Any) -> None:
            if qr.lookup_token != token or self.kiosk.current != "qr":
                return  # the visitor moved on meanwhile
            flow = self.kiosk.begin("qr")
            flow.appointment = details.code
            flow.phone_masked = details.phone_masked
            flow.source = appointments.SOURCE
            qr.show_appointment(details)

        def refused(error: BaseException) -> None:
            if qr.lookup_token != token or self.kiosk.current != "qr":
                return
            if isinstance(error, appointments.AppointmentRefused):
                qr.show_error(reason_text(error.reason))
            elif isinstance(error, UNREACHABLE):  # held up again after REPEAT_S, it is looked up again
                qr.show_error(reason_text("offline"))
            else:
                log.warning("appointment lookup failed: %s", error)
                qr.show_error(reason_text("unknown"))

        self.kiosk.runner.run(appointments.for_kiosk, self.kiosk.store, appointment.appointment_id,
                              on_done=found, on_error=refused)
