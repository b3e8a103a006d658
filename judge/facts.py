"""The facts the engine judges: one dataclass per journal kind.

Facts name customers by opaque ids and phones by keyed hashes (`mask` is the hash of the 前三后四 form,
`surname` the hash of the family name): the engine never sees personal data. `seq` is the journal
sequence number, so every decision can name the entries it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar

NATURAL = "natural"
STAGES = ("pledge", "subscribe", "contract", "cancel")
DEAL_STAGES = ("subscribe", "contract")


@dataclass(frozen=True)
class Fact:
    seq: int
    at: datetime
    # fields left out of the journal payload while they hold their default (entries written before
    # the field existed read back the same)
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()


@dataclass(frozen=True)
class Visit(Fact):
    customer: int
    consultant: str | None = None  # None: next in the rotation
    channel: str = NATURAL
    agent: str | None = None
    face: str | None = None  # the consented face identity matched or enrolled at this visit
    id_card_holder: int | None = None  # another customer already holding the ID card presented
    verified: bool = True
    mask: str | None = None
    surname: str | None = None
    # when the visitor stood at the kiosk, no later than `at` (when the check-in reached the store, the
    # time it is judged at); None for entries written before it was kept, and for check-ins with no kiosk
    arrived_at: datetime | None = None
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"arrived_at"})


@dataclass(frozen=True)
class Confirm(Fact):
    """Reception confirms the customer's latest unconfirmed check-in (`visit`, its journal seq)."""

    customer: int
    visit: int
    by: str | None = None


@dataclass(frozen=True)
class Dismiss(Fact):
    """Reception marks the customer's unconfirmed check-in (`visit`) a mistake: it never becomes a visit."""

    customer: int
    visit: int
    by: str | None = None


@dataclass(frozen=True)
class Report(Fact):
    channel: str
    agent: str
    customer: int | None  # None for a masked report
    mask: str
    masked: bool = False
    surname: str | None = None


@dataclass(frozen=True)
class FollowUp(Fact):
    customer: int
    consultant: str
    note: str = ""  # the ref of the note kept outside the journal (db/notes.py); "" for none


@dataclass(frozen=True)
class StageChange(Fact):
    customer: int
    consultant: str
    stage: str


@dataclass(frozen=True)
class Claim(Fact):
    customer: int
    consultant: str


@dataclass(frozen=True)
class Release(Fact):
    customer: int
    consultant: str


@dataclass(frozen=True)
class Assign(Fact):
    customer: int
    consultant: str


@dataclass(frozen=True)
class Sighting(Fact):
    face: str


@dataclass(frozen=True)
class Duty(Fact):
    consultants: tuple[str, ...]


@dataclass(frozen=True)
class Busy(Fact):
    consultant: str
    busy: bool


@dataclass(frozen=True)
class BlacklistChange(Fact):
    target_kind: str  # customer | agent | channel
    target: str  # customer id as text, agent name or channel name
    listed: bool = True


@dataclass(frozen=True)
class RulesChange(Fact):
    """A new rule-set version: `overrides` on top of the version in force at `effective_at` (None: from
    `at`, the time it is recorded). A later effective time schedules the version; the engine applies it
    to every fact from that time on, with no further fact needed. `reason`: the ref of the note
    (db/notes.py) saying why."""

    overrides: dict[str, Any] = field(default_factory=dict)
    effective_at: datetime | None = None
    reason: str = ""
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"effective_at", "reason"})


@dataclass(frozen=True)
class CaseDecision(Fact):
    case_id: int
    verdict: str
    reason: str
    decided_by: str


@dataclass(frozen=True)
class Appeal(Fact):
    """申诉: `consultant` holds that `customer` is theirs and asks the manager to judge. `reason` is the
    ref of the written reason kept outside the journal (db/notes.py)."""

    customer: int
    consultant: str
    reason: str


@dataclass(frozen=True)
class WarningUpdate(Fact):
    warning_id: int
    status: str  # following | intervened | resolved | dismissed | blacklisted
    note: str
    by: str


FACT_KINDS: dict[str, type[Fact]] = {
    "visit": Visit,
    "confirm": Confirm,
    "dismiss": Dismiss,
    "report": Report,
    "follow_up": FollowUp,
    "stage": StageChange,
    "claim": Claim,
    "release": Release,
    "assign": Assign,
    "sighting": Sighting,
    "duty": Duty,
    "busy": Busy,
    "blacklist": BlacklistChange,
    "rules": RulesChange,
    "case_decision": CaseDecision,
    "warning_update": WarningUpdate,
    "appeal": Appeal,
}
KIND_OF: dict[type[Fact], str] = {cls: kind for kind, cls in FACT_KINDS.items()}


def to_payload(fact: Fact) -> dict[str, Any]:
    """The journal payload of a fact: its fields but seq and at (those are journal columns)."""
    payload: dict[str, Any] = {}
    for spec in fields(fact):
        name = spec.name
        if name in ("seq", "at"):
            continue
        value = getattr(fact, name)
        if name in fact.OPTIONAL and value == spec.default:
            continue
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")  # read back exactly
        payload[name] = list(value) if isinstance(value, tuple) else value
    return payload


def from_payload(kind: str, seq: int, at: datetime, payload: dict[str, Any]) -> Fact | None:
    """The fact a journal entry records; None for kinds the engine does not judge (consents, erasures)."""
    cls = FACT_KINDS.get(kind)
    if cls is None:
        return None
    values = dict(payload)
    if cls is Duty:
        values["consultants"] = tuple(values["consultants"])
    elif cls is RulesChange and values.get("effective_at") is not None:
        values["effective_at"] = datetime.fromisoformat(values["effective_at"])
    elif cls is Visit and values.get("arrived_at") is not None:
        values["arrived_at"] = datetime.fromisoformat(values["arrived_at"])
    return cls(seq=seq, at=at, **values)
