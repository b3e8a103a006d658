"""The engine's state records. Plain dataclasses, so a snapshot is a JSON dump of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from judge.facts import NATURAL


@dataclass
class CustomerState:
    id: int
    mask: str | None = None
    surname: str | None = None
    merged_into: int | None = None
    owner: str | None = None
    owner_since_seq: int | None = None
    anchor_end: datetime | None = None
    contact_end: datetime | None = None
    pledge_frozen: bool = False
    pledged: bool = False
    deal_at: datetime | None = None
    stage: str | None = None
    first_seen_at: datetime | None = None  # any registration at the site
    first_visit_at: datetime | None = None  # first verified visit
    channel: str | None = None  # fixed at the first visit; None until then
    agent: str | None = None
    channel_visit_seq: int | None = None
    channel_protection_end: datetime | None = None
    visits: list[datetime] = field(default_factory=list)
    last_visit_seq: int | None = None
    # the arrival waiting for 前台确认: its first unverified check-in (seq, time, who received it), and the
    # later unverified check-ins of the same phone before reception acted (the same arrival, FORMAT.md),
    # each as (seq, the channel it named: natural when none or a blacklisted one, the consultant it named
    # or ""), in time order
    unconfirmed_seq: int | None = None
    unconfirmed_at: datetime | None = None
    unconfirmed_by: str | None = None
    unconfirmed_later: list[tuple[int, str, str]] = field(default_factory=list)
    faces: list[str] = field(default_factory=list)
    lost_at: dict[str, datetime] = field(default_factory=dict)  # consultant -> when they lost it
    blacklisted: bool = False

    def awaiting(self) -> list[int]:
        """The check-ins of the arrival waiting for reception, first one first (empty when none waits)."""
        if self.unconfirmed_seq is None:
            return []
        return [self.unconfirmed_seq, *(item[0] for item in self.unconfirmed_later)]

    def protected_until(self) -> datetime | None:
        """None when frozen (by a pledge or a deal) or without an owner."""
        if self.owner is None or self.pledge_frozen or self.deal_at is not None:
            return None
        ends = [end for end in (self.anchor_end, self.contact_end) if end is not None]
        return min(ends) if ends else None

    def frozen(self) -> bool:
        """Owned and held by a pledge or a closed deal: protection does not lapse."""
        return self.owner is not None and (self.pledge_frozen or self.deal_at is not None)

    def commission(self) -> str | None:
        """For a closed deal: the channel if the deal fell within its protection, else natural."""
        if self.deal_at is None:
            return None
        in_time = self.channel_protection_end is not None and self.deal_at < self.channel_protection_end
        return self.channel if self.channel not in (None, NATURAL) and in_time else NATURAL


@dataclass
class ReportState:
    id: int  # journal seq
    at: datetime
    channel: str
    agent: str
    customer: int | None
    mask: str
    masked: bool
    surname: str | None
    expires_at: datetime
    status: str = "pending"
    reason: str | None = None
    decided_seq: int | None = None


@dataclass
class CaseState:
    id: int  # journal seq of the event that opened it
    customer: int
    kind: str
    claimant: str | None
    recommended: str
    rule: str
    evidence: list[int]
    at: datetime
    status: str = "open"
    verdict: str | None = None
    decided_by: str | None = None
    reason: str | None = None


@dataclass
class WarningState:
    id: int
    customer: int | None
    kind: str
    at: datetime
    evidence: list[int]
    rule: str
    status: str = "open"
    note: str | None = None
    by: str | None = None  # who took the latest step (a closed warning names who closed it)


@dataclass
class FaceState:
    customer: int | None
    first_seen_at: datetime
    first_seen_seq: int


@dataclass
class PendingDeadline:
    """A warning time raises unless a fact settles it first: a face seen at the door and not registered
    within `warnings.unregistered_minutes` (`unregistered_sighting`, `face` set), or a check-in still
    waiting for reception when its local day ends (`unconfirmed_checkin`, `customer` set)."""

    seq: int  # the fact it starts from: the sighting, the check-in
    at: datetime
    deadline: datetime
    kind: str
    face: str | None = None
    customer: int | None = None
