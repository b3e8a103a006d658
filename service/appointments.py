"""预约 Appointments: booked from the console, read by the kiosk from a signed QR code (vision.qr).

The QR code carries only a random code, signed with the site's Ed25519 key; the phone the visitor gave
is kept only as their customer's encrypted identity (found or created as a channel report's customer
is), and the appointment row holds the customer id. The kiosk never holds the full number: the check-in
decrypts it here, inside the store, to reach `Store.register_visit`.

Creation, cancellation and arrival are journalled with no personal data (code, customer id, consultant,
times, visit). Statuses: booked → arrived (with the visit's journal number) or cancelled.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import checkin_refs, identity, personal
from db.database import read_session
from db.keys import Keyring
from db.models import Appointment, Consultant, Customer
from judge import facts
from judge.reasons import EngineError
from service import reception
from service.store import Step

if TYPE_CHECKING:
    from judge.engine import Site
    from service.desk import Desk
    from service.store import Store, WriteResult

ARRIVED = "appointment_arrived"  # journal kind: {"appointment": code, "customer": id, "visit": seq}

EARLY = timedelta(hours=1)  # a visitor may check in this long before the window opens ...
LATE = timedelta(hours=1)  # ... and this long after it closes; the QR code is signed for that span
MAX_AHEAD = timedelta(days=90)
MAX_LENGTH = timedelta(hours=12)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # letters only: a code never looks like a phone number
CODE_LENGTH = 12  # 24**12: about 55 random bits
SOURCE = "预约到访"  # how the visitor heard of us, as the check-in records it
DEFAULT_PROJECT = "anchang"
TITLES = ("女士", "先生")
SURNAME_MAX = 20  # a Chinese surname is one or two characters; "Smith" is longer
T = TypeVar("T")


class AppointmentInputError(EngineError):
    """Bad input to a new appointment: `errors` maps each bad field to its message (shown beside it);
    `field` is the first of them."""

    def __init__(self, field: str, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {field: message}
        self.field = next(iter(self.errors))

    @classmethod
    def of(cls, errors: dict[str, str]) -> AppointmentInputError:
        field = next(iter(errors))
        return cls(field, "；".join(errors.values()), errors)


def _checked(errors: dict[str, str], check: Callable[..., T], *args: Any) -> T | None:
    """`check(*args)`, its refusal added to `errors`: every bad field is reported at once."""
    try:
        return check(*args)
    except AppointmentInputError as error:
        errors.update(error.errors)
        return None


class AppointmentRefused(EngineError):
    """A code the kiosk cannot check in with; `reason` is one of REFUSALS."""

    REFUSALS = {
        "unknown": "没有找到此预约 / no such appointment",
        "cancelled": "此预约已取消 / this appointment was cancelled",
        "used": "此预约码已使用 / this appointment code was already used",
        "expired": "预约时间已过 / the appointment is over",
        "not_yet_valid": "预约时间未到 / the appointment has not started yet",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.REFUSALS[reason])
        self.reason = reason


@dataclass(frozen=True)
class Protection:
    """Another consultant's hold on a customer: who, and until when (None: frozen by an open case)."""

    owner: str
    until: datetime | None


class ProtectedCustomer(AppointmentInputError):
    """A booking for a customer another consultant protects, refused beside the consultant field."""

    def __init__(self, held: Protection, zone: ZoneInfo) -> None:
        until = "" if held.until is None else f"至 {held.until.astimezone(zone):%Y-%m-%d}"
        until_en = "" if held.until is None else f" until {held.until.astimezone(zone):%Y-%m-%d}"
        super().__init__("consultant", f"该客户受 {held.owner} 保护{until}，请由其本人预约或由经理指定 / this "
                                       f"customer is protected by {held.owner}{until_en}: they book, or a "
                                       "manager assigns")
        self.held = held


def protection(site: Site, customer: int, consultant: str | None, at: datetime) -> Protection | None:
    """The protection another consultant than `consultant` holds on `customer` at `at`, as the engine
    judges a visit then (a protected customer is received by their owner, judge/visits.py); None when
    nobody, or `consultant` themself, holds one."""
    if customer not in site.customers:  # customer_view would make a record for a customer never judged
        return None
    view = site.customer_view(site.resolve(customer), at)
    if view.owner in ("pool", "none", consultant):
        return None
    return Protection(view.owner, view.protected_until)


def receiving(site: Site, customer: int, booked: str | None, at: datetime) -> tuple[str | None, str | None]:
    """(the consultant an appointment's check-in names, the consultant who receives the visitor) if the
    visitor checked in at `at`. A protected customer goes to the owner, and the check-in then names nobody
    (naming the booked consultant would open an ownership case over a booking). The kiosk's confirmation
    and the check-in both ask this, so the screen promises the name the write gives. The receiver is None
    when it cannot be known before the write: no consultant booked (the rotation's turn), or a check-in
    still waiting for reception that another consultant received (the engine may join the two)."""
    held = protection(site, customer, booked, at)
    named, receiver = (None, held.owner) if held is not None else (booked, booked)
    state = site.customers.get(site.resolve(customer))
    waiting = state.unconfirmed_by if state is not None and state.unconfirmed_seq is not None else None
    return named, receiver if waiting in (None, receiver) else None


def project_name() -> str:
    """The project the codes are signed for: `[kiosk] project` in anchang.toml, as the kiosk reads it."""
    try:
        from db.config import settings as load_settings

        kiosk = load_settings().get("kiosk", {})
    except Exception:  # no data directory or an unreadable file: the kiosk falls back the same way
        return DEFAULT_PROJECT
    return str(kiosk.get("project", DEFAULT_PROJECT)) if isinstance(kiosk, dict) else DEFAULT_PROJECT


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# ------------------------------------------------------------------------------------------- writes
def create(desk: Desk, surname: str, title: str, phone: str, starts_at: datetime, ends_at: datetime,
           consultant: str | None, *, assign: bool = False) -> str:
    """Books a visit and returns its code. A consultant books for themself; the others name the consultant.

    A customer another consultant protects is not booked with someone else (the visit would go to the
    owner anyway, and the slip would name the wrong consultant): ProtectedCustomer says who and until when.
    A manager may book them with `assign=True`: the customer is assigned to the named consultant (the
    journal's `assign`, as on the customer page) in the same write as the booking, or neither is written."""
    desk.require("appointments.create")
    if assign:
        desk.require("customers.assign")
    store = desk.store
    errors: dict[str, str] = {}
    name = _checked(errors, _visitor_name, surname, title)
    keys = _checked(errors, _phone_keys, store.keyring, phone)
    consultant = _checked(errors, _consultant_for, desk, consultant)
    _checked(errors, _check_window, starts_at, ends_at, store.now())
    if errors:
        raise AppointmentInputError.of(errors)
    assert keys is not None and consultant is not None
    code = _new_code()
    zone = store.rules_at().timezone

    def assignment(session: Session, site: Site, seq: int, at: datetime) -> facts.Fact | None:
        if not session.scalar(sa.select(Consultant.active).where(Consultant.name == consultant)):
            raise AppointmentInputError("consultant", f"置业顾问 {consultant} 不在职 / {consultant} is not an "
                                                      "active consultant")
        known = identity.find_customer(session, "phone", keys.lookup)
        held = None if known is None else protection(site, known, consultant, at)
        if known is None or held is None:
            return None
        if not assign:
            raise ProtectedCustomer(held, zone)
        return facts.Assign(seq=seq, at=at, customer=site.resolve(known), consultant=consultant)

    def booking(session: Session, earlier: list[Any], at: datetime) -> dict[str, Any]:
        customer = identity.customer_for_phone(session, store.keyring, keys, name, at)
        overlapping = session.scalar(sa.select(Appointment.code).where(
            Appointment.customer_id == customer, Appointment.status == "booked",
            Appointment.starts_at < ends_at, Appointment.ends_at > starts_at))
        if overlapping is not None:
            raise AppointmentInputError("window", "该客户在此时段已有预约 / this visitor already has an "
                                                  "appointment at that time")
        session.add(Appointment(code=code, customer_id=customer, consultant=consultant, starts_at=starts_at,
                                ends_at=ends_at, created_at=at, created_by=desk.actor, status="booked"))
        body = {"appointment": code, "customer": customer, "consultant": consultant,
                "starts_at": _iso(starts_at), "ends_at": _iso(ends_at)}
        if earlier[0] is not None:  # the customer was assigned to the consultant for it
            body["assigned"] = earlier[0].seq
        return body

    # the assignment (when there is one) and the booking are one write: neither stands without the other
    store._write_steps(desk.actor, (Step("assign", fact=assignment), Step("appointment", entry=booking)))
    return code


def cancel(desk: Desk, code: str) -> None:
    """Cancels a booked appointment (a consultant: only their own); its QR code is refused from now on."""
    desk.require("appointments.create")

    def work(session: Session) -> dict[str, Any]:
        row = session.get(Appointment, code)
        if row is None or (desk.consultant is not None and row.consultant != desk.consultant):
            raise AppointmentRefused("unknown")
        if row.status != "booked":
            raise AppointmentRefused("cancelled" if row.status == "cancelled" else "used")
        row.status = "cancelled"
        return {"appointment": code, "customer": row.customer_id}

    desk.store._journal_only("appointment_cancelled", desk.actor, work)


def _phone_keys(keyring: Keyring, phone: str) -> identity.PhoneKeys:
    try:
        return identity.phone_keys(keyring, phone)
    except personal.InvalidPhone as error:
        raise AppointmentInputError("phone", str(error)) from None


def _visitor_name(surname: str, title: str) -> str:
    """张 + 女士 → 张女士. A full name typed into the field keeps only its surname (the slip shows no more)."""
    typed = surname.strip()
    if not typed:
        raise AppointmentInputError("surname", "请填写来访人的姓 / enter the visitor's surname")
    if len(typed) > SURNAME_MAX or not all(ch.isalpha() or ch in " ·-'" for ch in typed):
        raise AppointmentInputError("surname", "姓氏不正确 / that is not a surname")
    if title not in TITLES:
        raise AppointmentInputError("surname", "请选择先生或女士 / choose 先生 or 女士")
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in typed)  # with the title, 欧阳 stays compound
    return f"{personal.surname_of(typed + title) if chinese else personal.surname_of(typed)}{title}"


def _consultant_for(desk: Desk, consultant: str | None) -> str:
    if desk.consultant is not None:
        if consultant not in (None, "", desk.consultant):
            raise AppointmentInputError("consultant", f"只能为自己预约 / {desk.actor} books only for "
                                                      f"{desk.consultant}")
        return desk.consultant
    if not consultant:
        raise AppointmentInputError("consultant", "请选择置业顾问 / choose a consultant")
    return consultant


def _check_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("appointment times must be aware datetimes")
    if ends_at <= starts_at:
        raise AppointmentInputError("window", "结束时间须晚于开始时间 / the end must be after the start")
    if ends_at - starts_at > MAX_LENGTH:
        raise AppointmentInputError("window", "预约时段不超过 12 小时 / an appointment lasts 12 hours at most")
    if ends_at <= now:
        raise AppointmentInputError("window", "该时段已过 / that time has passed")
    if starts_at > now + MAX_AHEAD:
        raise AppointmentInputError("window", "最多提前 90 天预约 / book at most 90 days ahead")


def _iso(at: datetime) -> str:
    return at.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")


# ----------------------------------------------------------------------------------------- QR code
def signed_code(desk: Desk, code: str, project: str | None = None) -> str:
    """The QR text of an appointment: its code signed with the site key for the span the kiosk accepts.
    Ed25519 signatures are deterministic, so the same appointment always prints the same code."""
    from vision.qr.codes import Appointment as QrAppointment
    from vision.qr.codes import AppointmentSigner

    desk.require("appointments.view")
    with read_session(desk.store.engine) as session:
        row = session.get(Appointment, code)
        if row is None or (desk.consultant is not None and row.consultant != desk.consultant):
            raise AppointmentRefused("unknown")
        valid_from, valid_until = row.starts_at - EARLY, row.ends_at + LATE
    payload = QrAppointment(code, project or project_name(), int(valid_from.timestamp()),
                            int(valid_until.timestamp()))
    return AppointmentSigner(desk.store.keyring.signing_key).sign(payload)


# -------------------------------------------------------------------------------------------- kiosk
@dataclass(frozen=True)
class KioskAppointment:
    """What the kiosk shows the visitor to confirm: never the full number."""

    code: str
    surname: str | None
    phone_masked: str
    consultant: str | None  # who receives the visitor if they check in now (appointments.receiving)
    starts_at: datetime  # in the site's zone
    ends_at: datetime


def _usable(row: Appointment | None, at: datetime) -> Appointment:
    if row is None:
        raise AppointmentRefused("unknown")
    if row.status != "booked":
        raise AppointmentRefused("cancelled" if row.status == "cancelled" else "used")
    if at < row.starts_at - EARLY:
        raise AppointmentRefused("not_yet_valid")
    if at > row.ends_at + LATE:
        raise AppointmentRefused("expired")
    return row


def for_kiosk(store: Store, code: str) -> KioskAppointment:
    """The appointment behind a verified QR code, if it can be checked in now (booked, in its window), and
    the consultant who would receive the visitor now, as the check-in decides it (a protected customer's
    owner, not the consultant booked; nobody named when the write alone can tell)."""
    zone = store.rules_at().timezone
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        row = _usable(session.get(Appointment, code), now)
        masked = session.scalar(sa.select(Customer.phone_masked).where(Customer.id == row.customer_id))
        if masked is None:
            raise AppointmentRefused("unknown")  # the customer was erased since
        surname = reception.surname_display(session, store.keyring, row.customer_id)
        customer, booked = row.customer_id, row.consultant
        starts_at, ends_at = row.starts_at.astimezone(zone), row.ends_at.astimezone(zone)
    _, receiver = receiving(store.site(), customer, booked, now)
    return KioskAppointment(code, surname, masked, receiver, starts_at, ends_at)


def _phone(store: Store, session: Session, row: Appointment) -> str:
    phone = identity.reveal_phone(session, store.keyring, row.customer_id)
    if phone is None:
        raise AppointmentRefused("unknown")
    return phone


def blacklisted(store: Store, code: str) -> bool:
    """Is the appointment's visitor blacklisted? (The kiosk then says only "请到前台咨询".)"""
    with read_session(store.engine) as session:
        row = session.get(Appointment, code)
        if row is None:
            return False
        phone = identity.reveal_phone(session, store.keyring, row.customer_id)
    return phone is not None and reception.is_blacklisted(store, phone=phone)


def check_in_appointment(store: Store, code: str, *, ref: str, arrived_at: datetime | None = None,
                         source: str = SOURCE, actor: str = "kiosk") -> WriteResult:
    """The kiosk's check-in with an appointment: a visit for the appointment's customer (unverified: a
    code is not an identity check, reception confirms it) and, in the same write, the appointment marked
    arrived.

    `ref` is the kiosk's idempotency key: a check-in sent again from the outbox after the store committed
    it gets the first result back. The window is judged at the kiosk's time of the check-in when it has one
    (a check-in that waited in the outbox), never later than the store's. The appointment's consultant
    receives the visitor unless the customer already belongs to another consultant, whose protection
    stands (`receiving`: the same answer the kiosk's confirmation showed)."""
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        row = session.get(Appointment, code)
        if row is not None and row.visit_seq is not None:
            earlier = checkin_refs.earlier_result(store.engine, ref)
            if earlier is not None and row.visit_seq == earlier[0]:  # a resend: the first result
                return store.register_visit(_phone(store, session, row), ref=ref)
        row = _usable(row, min(arrived_at, now) if arrived_at is not None else now)
        phone, customer, consultant = _phone(store, session, row), row.customer_id, row.consultant
    consultant, _ = receiving(store.site(), customer, consultant, now)  # as the kiosk's confirmation said

    def arrived(session: Session, earlier: list[Any], _at: datetime) -> dict[str, Any] | None:
        visit = earlier[0]
        appointment = session.get(Appointment, code)
        if appointment is None or appointment.status != "booked":
            return None  # another kiosk marked it meanwhile: the visit stands, the appointment keeps the first
        appointment.status, appointment.visit_seq = "arrived", visit.seq
        return {"appointment": code, "customer": appointment.customer_id, "visit": visit.seq}

    # the visit and the appointment's arrival are one write: neither stands without the other
    return store.register_visit(phone, consultant=consultant, verified=False, actor=actor, ref=ref,
                                arrived_at=arrived_at, source=source, also=(Step(ARRIVED, entry=arrived),))
