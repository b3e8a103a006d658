"""One check-in from the kiosk, Qt-free: blacklist screen, the visit, the face enrolled under its consent,
or the outbox when the database does not answer.

The kiosk never shows a refusal reason that could reveal anything about a customer: a blacklisted phone
or agent gets the same neutral "请到前台咨询" and reception gets the alert.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from db import checkin_refs
from db.database import DatabaseUnavailable
from db.personal import mask_phone
from judge import facts
from service import appointments, kiosk_refusals, reception
from service.store import Store, WriteResult

log = logging.getLogger(__name__)

NATURAL_SOURCE = "自然来访"
CHANNEL_SOURCE = "渠道带访"


class OutboxLike(Protocol):
    def put(self, checkin: dict[str, Any]) -> str: ...
    def pending(self) -> list[dict[str, Any]]: ...
    def drain(self, write: Callable[[dict[str, Any]], object],
              refused: Callable[[dict[str, Any], str], object] | None = None) -> int: ...


def face_key(consent_id: int) -> str:
    """The pseudonymous face identity journalled with a visit: named after the consent record it was
    enrolled under, never after anything personal."""
    return f"face:{consent_id}"


@dataclass(frozen=True)
class Checkin:
    phone: str
    name: str | None = None  # "张女士": surname and title, what the visitor typed
    source: str = NATURAL_SOURCE
    channel: str = facts.NATURAL
    agent: str | None = None
    verified: bool = True  # phone alone: False, waits for 前台确认
    id_card: str | None = None
    face: str | None = None  # a returning face confirmed by the visitor
    consent_id: int | None = None  # with template: enrol after the visit
    template: bytes | None = field(default=None, repr=False)
    intent: dict[str, str] = field(default_factory=dict)
    ref: str = field(default_factory=lambda: uuid.uuid4().hex)
    arrived_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    actor: str = "kiosk"
    appointment: str | None = None  # an appointment's code: the store finds the phone, the kiosk never holds it
    masked: str = ""  # the number as the visitor saw it (138****5678), when the kiosk has no phone

    def to_dict(self) -> dict[str, Any]:
        """For the outbox file. The face template is left out: biometric data is never written to the
        kiosk's disk; the visitor is enrolled at a later visit instead."""
        data = asdict(self)
        data["template"] = None
        data["consent_id"] = None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checkin:
        values = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        if isinstance(values.get("arrived_at"), str):
            values["arrived_at"] = datetime.fromisoformat(values["arrived_at"])
        return cls(**values)


@dataclass(frozen=True)
class Outcome:
    status: str  # "done" | "blocked" | "queued"
    phone_masked: str
    consultant: str | None = None
    ref: str = ""
    reason: str = ""  # queued: why ("unavailable", "busy": the lock held too long, "clock": writes refused)


def is_blacklisted(store: Store, checkin: Checkin) -> bool:
    if checkin.appointment is not None:
        return appointments.blacklisted(store, checkin.appointment)
    channel = None if checkin.channel == facts.NATURAL else checkin.channel
    return reception.is_blacklisted(store, phone=checkin.phone, agent=checkin.agent, channel=channel)


def write(store: Store, checkin: Checkin) -> WriteResult:
    """The visit (idempotent by `ref`), then the face template under its consent record."""
    if checkin.appointment is not None:  # for the appointment's customer, marked arrived
        return appointments.check_in_appointment(store, checkin.appointment, ref=checkin.ref,
                                                 arrived_at=checkin.arrived_at, source=checkin.source,
                                                 actor=checkin.actor)
    result = store.register_visit(
        checkin.phone, channel=checkin.channel, agent=checkin.agent, name=checkin.name, face=checkin.face,
        verified=checkin.verified, id_card=checkin.id_card, actor=checkin.actor, ref=checkin.ref,
        arrived_at=checkin.arrived_at, source=checkin.source)
    if checkin.intent:
        checkin_refs.record_intent(store.engine, checkin.ref, checkin.intent)
    if checkin.template is not None and checkin.consent_id is not None:
        store.enrol_face(checkin.phone, checkin.template, checkin.consent_id, actor=checkin.actor)
    return result


class Blacklisted(ValueError):
    """A check-in from the outbox whose phone, agent or channel is on the blacklist: not written, as online."""

    def __init__(self, masked: str, agent: str | None) -> None:
        super().__init__(f"黑名单登记 / blacklisted check-in: {masked} {agent or ''}".strip())


def submit(store: Store, outbox: OutboxLike | None, checkin: Checkin,
           alert: Callable[[str], None] | None = None) -> Outcome:
    """Runs on a worker thread. Blacklisted → "blocked" (reception alerted); database down → "queued"."""
    masked = checkin.masked or mask_phone(checkin.phone)
    try:
        if is_blacklisted(store, checkin):
            _blacklisted(checkin, masked, alert)
            return Outcome("blocked", masked, ref=checkin.ref)
        result = write(store, checkin)
    except DatabaseUnavailable:
        if outbox is None:
            raise
        ref = outbox.put(checkin.to_dict())
        return Outcome("queued", masked, ref=ref)
    return Outcome("done", result.phone_masked or masked, result.assigned_to, ref=checkin.ref)


def _blacklisted(checkin: Checkin, masked: str, alert: Callable[[str], None] | None) -> None:
    """Reception's alert for a blacklisted check-in, the same online and from the outbox."""
    log.warning("blacklisted check-in at the kiosk: %s %s", masked, checkin.agent or "")
    if alert is not None:
        alert(str(Blacklisted(masked, checkin.agent)))


def drain_outbox(store: Store, outbox: OutboxLike, alert: Callable[[str], None] | None = None) -> int:
    """Writes the check-ins kept while the database was away, in order; stops when it is away again. The
    visitor already saw 已登记: one the store refuses, or a blacklisted one (not written, reception alerted
    as online), is recorded in the site database for reception's 今日 page (service/kiosk_refusals.py)."""
    def send(data: dict[str, Any]) -> object:
        checkin = Checkin.from_dict(data)
        if is_blacklisted(store, checkin):
            masked = checkin.masked or mask_phone(checkin.phone)
            _blacklisted(checkin, masked, alert)
            raise Blacklisted(masked, checkin.agent)
        return write(store, checkin)

    def refused(data: dict[str, Any], reason: str) -> object:
        log.warning("queued check-in %s refused by the store: %s", data.get("ref"), reason.splitlines()[0])
        return kiosk_refusals.record(store, data, reason)

    return outbox.drain(send, refused)
