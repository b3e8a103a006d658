"""The check-in in progress, Qt-free: what the visitor has given so far, whichever path they took."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from judge import facts
from kiosk.checkin import NATURAL_SOURCE, Checkin

TITLES = ("先生", "女士")


@dataclass
class Flow:
    method: str  # "face" | "qr" | "idcard" | "phone" | "walkin"
    actor: str = "kiosk"
    phone: str = ""
    surname: str = ""
    title: str = ""
    id_name: str | None = None  # the full name read from an ID card
    id_card: str | None = None
    consent_id: int | None = None
    template: bytes | None = None
    face: str | None = None
    appointment: str | None = None  # its code: the check-in goes to the appointment's customer
    phone_masked: str = ""  # shown to the visitor when the kiosk never holds the number (an appointment)
    intent: dict[str, str] = field(default_factory=dict)
    source: str = NATURAL_SOURCE
    channel: str = facts.NATURAL
    agent: str | None = None
    ref: str = field(default_factory=lambda: uuid.uuid4().hex)  # one per flow: a double tap writes once
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    submitted: bool = False  # 提交 tapped: a second tap writes nothing

    @property
    def display_name(self) -> str | None:
        if self.surname and self.title:
            return f"{self.surname}{self.title}"
        return None

    @property
    def verified(self) -> bool:
        """An ID card read, or a receptionist entering the walk-in, verifies; a phone alone does not."""
        return self.id_card is not None or self.method == "walkin"

    def checkin(self) -> Checkin:
        return Checkin(phone=self.phone, name=self.id_name or self.display_name, source=self.source,
                       channel=self.channel, agent=self.agent, verified=self.verified, id_card=self.id_card,
                       face=self.face, consent_id=self.consent_id, template=self.template,
                       intent=dict(self.intent), ref=self.ref, arrived_at=self.started_at, actor=self.actor,
                       appointment=self.appointment, masked=self.phone_masked)
