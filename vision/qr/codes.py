"""Appointment codes signed with Ed25519, so a kiosk that holds only the public key can refuse a
forged or altered code offline, and a stolen kiosk cannot mint codes.

Text form (fits a version-7 QR code at level M): ``AC1.<payload>.<signature>``, both base64url
without padding; the payload is compact JSON, and holds no personal data (no phone, no name).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "AC1"


class InvalidAppointmentCode(ValueError):
    MESSAGES = {
        "format": "这不是本项目的预约码",
        "signature": "预约码无效，请联系置业顾问",
        "expired": "预约码已过期",
        "not_yet_valid": "预约时间未到",
        "other_project": "这是其他项目的预约码",
    }

    def __init__(self, reason: str):
        self.reason = reason
        self.message = self.MESSAGES[reason]
        super().__init__(f"{reason}: {self.message}")


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    project: str
    valid_from: int  # Unix seconds; the kiosk passes its clock to verify()
    valid_until: int

    def to_payload(self) -> bytes:
        fields = {"a": self.appointment_id, "p": self.project, "f": self.valid_from, "u": self.valid_until}
        return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_payload(cls, payload: bytes) -> Appointment:
        fields = json.loads(payload)
        return cls(str(fields["a"]), str(fields["p"]), int(fields["f"]), int(fields["u"]))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


class AppointmentSigner:
    def __init__(self, private_key: Ed25519PrivateKey):
        self._key = private_key

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def sign(self, appointment: Appointment) -> str:
        signed = f"{PREFIX}.{_b64(appointment.to_payload())}"
        return f"{signed}.{_b64(self._key.sign(signed.encode('ascii')))}"


class AppointmentVerifier:
    """Accepts codes signed by any of `public_keys` (old keys stay listed during a key rotation)."""

    def __init__(self, public_keys: Iterable[Ed25519PublicKey], project: str, clock_skew_seconds: int = 300):
        self._keys = list(public_keys)
        self.project = project
        self.clock_skew = clock_skew_seconds

    def verify(self, text: str, now: float) -> Appointment:
        parts = text.strip().split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise InvalidAppointmentCode("format")
        signed = f"{parts[0]}.{parts[1]}".encode("ascii", errors="replace")
        try:
            signature = _unb64(parts[2])
        except ValueError:
            raise InvalidAppointmentCode("signature") from None
        if not any(self._signed_by(key, signature, signed) for key in self._keys):
            raise InvalidAppointmentCode("signature")
        try:
            appointment = Appointment.from_payload(_unb64(parts[1]))
        except (ValueError, KeyError, TypeError):
            raise InvalidAppointmentCode("format") from None  # validly signed but unreadable: a newer format
        if appointment.project != self.project:
            raise InvalidAppointmentCode("other_project")
        if now + self.clock_skew < appointment.valid_from:
            raise InvalidAppointmentCode("not_yet_valid")
        if now - self.clock_skew > appointment.valid_until:
            raise InvalidAppointmentCode("expired")
        return appointment

    @staticmethod
    def _signed_by(key: Ed25519PublicKey, signature: bytes, signed: bytes) -> bool:
        try:
            key.verify(signature, signed)
        except InvalidSignature:
            return False
        return True
