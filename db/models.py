"""SQLAlchemy models. The journal is the truth; every other table is either personal data kept apart
from it (encrypted, erasable) or a projection that can be rebuilt from the journal."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (SQLite has no time zones), always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database: pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class JournalEntry(Base):
    """One fact. Append-only: UPDATE and DELETE are refused by triggers (see db/journal.py)."""

    __tablename__ = "journal"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, no plain personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    __table_args__ = (Index("ix_journal_station_seq", "station", "seq"),)  # a station's last write


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (  # the figures read these without touching the rows
        Index("ix_customers_owner_protection", "owner", "protected_until", "merged_into"),
        Index("ix_customers_first_visit", "first_visit_at", "merged_into", "channel", "owner"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone_masked: Mapped[str | None] = mapped_column(String(16), nullable=True)
    forgotten: Mapped[bool] = mapped_column(Boolean, default=False)
    # projection of the judgment engine (rebuilt from the journal)
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    protected_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    first_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    visit_count: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    deal_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    commission: Mapped[str | None] = mapped_column(String(64), nullable=True)
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False)


class CustomerKey(Base):
    """The customer's data key, wrapped by the site's master key. Deleting it erases the customer."""

    __tablename__ = "customer_keys"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)


class Identity(Base):
    """A phone or ID-card number: HMAC for lookup, AES-GCM ciphertext under the customer's key."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "lookup_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "phone" | "id_card"
    lookup_hash: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    masked: Mapped[str] = mapped_column(String(32))


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # journal seq
    channel: Mapped[str] = mapped_column(String(64), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # journal seq
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    claimant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recommended: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[str] = mapped_column(Text)  # JSON list of journal seqs
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | decided
    verdict: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Warning(Base):
    __tablename__ = "warnings"
    __table_args__ = (Index("ix_warnings_raised", "raised_at", "kind", "status"),)  # the figures by kind and status
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    evidence: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    handled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Consent(Base):
    """A visitor's separate consent to face recognition, with the notice version they saw."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True, index=True)
    notice_version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class FaceTemplate(Base):
    __tablename__ = "face_templates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"))
    template_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EngineSnapshot(Base):
    """The engine's state as JSON after journal entry `seq`, so a station need not replay from zero."""

    __tablename__ = "engine_snapshots"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)  # Keyring.snapshot_mac; none: ignored


class KeyCheck(Base):
    """A check value per site key file, written at `anchang init`: another site's keys are refused."""

    __tablename__ = "key_checks"
    key_file: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


class Consultant(Base):
    __tablename__ = "consultants"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Channel(Base):
    __tablename__ = "channels"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)


class Agent(Base):
    __tablename__ = "agents"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.name"))


class VisitRecord(Base):
    """One registered visit as judged: who received it and as which customer (dashboards, the board)."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_consultant_at", "consultant", "at"),)  # a consultant's own figures
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # journal seq
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    customer_id: Mapped[int] = mapped_column(Integer, index=True)  # the customer it was judged as
    registered_as: Mapped[int] = mapped_column(Integer)  # the customer of the phone given
    consultant: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(64))  # the channel the visit named
    first_visit: Mapped[bool] = mapped_column(Boolean)
    verified: Mapped[bool] = mapped_column(Boolean)


class UserAccount(Base):
    """A station login: role, argon2 hash of the secret (password or PIN), and the lock-out counter."""

    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    consultant: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a consultant's own view
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    secret_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)  # None: no secret set yet
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinRef(Base):
    """A kiosk check-in's idempotency key beside its visit, with the kiosk's own check-in time."""

    __tablename__ = "checkin_refs"
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    visit_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)  # shown as the arrival time
    source: Mapped[str | None] = mapped_column(String(32), nullable=True)  # how the visitor heard of us
    intent: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON {layout, area, budget}: no personal data


class Setting(Base):
    """Small per-project settings (check-in sources...) as JSON; changes are journalled."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Pseudonym(Base):
    """The random stand-in the journal holds for a keyed hash of a masked phone (前三后四) or of a masked
    phone with a surname. Equal values get the same token, so the engine matches as before; deleting
    the row when its last holder is erased leaves the journal's token pointing at nothing."""

    __tablename__ = "pseudonyms"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # Keyring.lookup_hash of the value
    token: Mapped[str] = mapped_column(String(32), unique=True)


class PseudonymHolder(Base):
    """Which customers a pseudonym stands for: it is deleted when the last of them is erased."""

    __tablename__ = "pseudonym_holders"
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class Note(Base):
    """Free text (case reasons, warning notes, follow-up notes) kept out of the append-only journal,
    which holds only `ref` (SHA-256 of the ciphertext). Encrypted under the customer's key, or under
    a key of its own (`wrapped_key`) when no customer is concerned; erasure deletes the row."""

    __tablename__ = "notes"
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VisitStay(Base):
    """接待开始 / 接待结束: who received a visit and for how long (停留时长). The consultant's busy and free
    are journalled as engine facts; this row keeps the pair together for the visit list and reports."""

    __tablename__ = "visit_stays"
    visit_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    consultant: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Appointment(Base):
    """预约: an expected visit; its QR code carries only `code` (vision.qr), signed by the site key."""

    __tablename__ = "appointments"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # vision.qr Appointment.appointment_id
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    consultant: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked | arrived | cancelled
    visit_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class CustomerSearchKey(Base):
    """Search keys of a customer (surname, pinyin initials, last four digits of the phone) as keyed
    hashes: found by exact key, never readable, deleted with the customer on erasure."""

    __tablename__ = "customer_search"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # Keyring.lookup_hash("kind:value")
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class Station(Base):
    """A kiosk, console or admin program writing to this site, by the name its journal entries carry
    (service/stations.py). Registered at start; once retired, its writes are refused."""

    __tablename__ = "stations"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # kiosk | console | admin
    host: Mapped[str | None] = mapped_column(String(128), nullable=True)  # the computer it last started on
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)  # its last start
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retired_note: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the reason (db/notes.py ref)
    # the computer it runs on: the id in that computer's data directory (service/stations.py), bound at its first start
    computer: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)


class ClaimRecord(Base):
    """A claim from the public pool as judged: who claimed whom, and the outcome (accepted, or the refusal:
    not_in_pool, daily_limit, reclaim_cooldown, blacklisted). The journal holds the claim, not its outcome."""

    __tablename__ = "claims"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # journal seq
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    consultant: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))


class StageRecord(Base):
    """A pipeline stage recorded (认筹, 认购, 签约 ...): the journal's stage entries as rows, for the figures."""

    __tablename__ = "stage_changes"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # journal seq
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    customer_id: Mapped[int] = mapped_column(Integer)  # as journalled (merges are followed when read)
    consultant: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))


class DailyFigure(Base):
    """One count of a closed local day (reports/rollup.py): `scope` "" for the site or a consultant's name,
    a measure ("groups", "hour", "channel" ...), its key and detail, and one or two numbers. Derived from
    the projections and kept only for days that can no longer change but by the entries rollup.py names;
    rebuilding the projections empties it."""

    __tablename__ = "daily_figures"
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    detail: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    m: Mapped[int] = mapped_column(Integer)


class DailyFiguresDay(Base):
    """A day whose counts are in daily_figures, in which time zone, and the journal entry they were read at."""

    __tablename__ = "daily_figures_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    built_seq: Mapped[int] = mapped_column(BigInteger)


class DailyFiguresMark(Base):
    """The journal entry up to which the kept days have been checked against what can change a past day."""

    __tablename__ = "daily_figures_mark"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(BigInteger)


class RefusedCheckin(Base):
    """A kiosk check-in the store refused when the kiosk's outbox sent it (service/kiosk_refusals.py). The visitor
    saw 已登记, so reception gets it as a task on 今日 until someone handles it (journalled with who). The
    check-in and the refusal's text, which may quote the phone, are sealed under a key of the row's own,
    wrapped by the site's master key; the journal holds the ciphertext's hash. Erasure (by phone, through
    `phone_lookup`, or by retention) empties the key, the sealed detail, the masked phone and the lookup."""

    __tablename__ = "refused_checkins"
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)  # the kiosk's check-in ref
    seq: Mapped[int] = mapped_column(BigInteger)  # its journal entry
    station: Mapped[str] = mapped_column(String(64))  # the kiosk
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the kiosk's time of the check-in
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phone_masked: Mapped[str | None] = mapped_column(String(16), nullable=True)
    phone_lookup: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)  # as identities'
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # None once erased
    detail_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    handled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Evidence(Base):
    """A photo of evidence a consultant gave with an appeal (申诉): encrypted under the customer's key, found
    by `ref` (SHA-256 of the ciphertext, which the journal holds); erasure deletes the row."""

    __tablename__ = "evidence"
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    media_type: Mapped[str] = mapped_column(String(32))
    blob_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PartnerKey(Base):
    """A partner's API key (issue: the channel API): only its keyed hash is kept (the key is printed once),
    with its scope: a channel's reports and events, a finance system's deals, a 小程序's appointments."""

    __tablename__ = "partner_keys"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # public: pk_ and 12 hex digits
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # channel | finance | appointments
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # active | suspended | revoked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
