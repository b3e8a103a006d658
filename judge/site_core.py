"""The engine's state and the helpers every concern shares: customers, ownership, rotation, and how
cases and warnings are opened. The fact handlers live in the concern modules that build on this
(`judge.channel`, `judge.visits`, `judge.pipeline`, `judge.cases`); `judge.engine.Site` joins them."""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from judge import facts as f
from judge.reasons import EngineError
from judge.rules import RuleBook, RuleSet
from judge.state import (
    CaseState,
    CustomerState,
    FaceState,
    PendingDeadline,
    ReportState,
    WarningState,
)


@dataclass(frozen=True)
class Reason:
    code: str
    rule: str
    evidence: tuple[int, ...]


@dataclass
class Outcome:
    """What one fact decided. `customer` is the customer it was judged as (after face matching)."""

    seq: int
    kind: str
    customer: int | None = None
    assigned_to: str | None = None
    claim: str | None = None  # "accepted" or a refusal reason
    report_status: str | None = None
    report_reason: str | None = None
    reasons: list[Reason] = field(default_factory=list)
    new_cases: list[CaseState] = field(default_factory=list)
    new_warnings: list[WarningState] = field(default_factory=list)
    touched_customers: set[int] = field(default_factory=set)
    touched_reports: set[int] = field(default_factory=set)
    touched_cases: set[int] = field(default_factory=set)
    touched_warnings: set[int] = field(default_factory=set)
    joined: int | None = None  # a check-in that joined the arrival waiting since this check-in (its seq)
    checkins: list[int] = field(default_factory=list)  # the check-ins a confirm or dismiss settled


@dataclass(frozen=True)
class CustomerView:
    customer: int
    owner: str  # a consultant, "pool" or "none"
    protected_until: datetime | None  # None: never lapses (frozen) or nobody owns it
    frozen: bool
    channel: str | None  # None before the first visit
    agent: str | None
    commission: str | None  # only once a deal is closed
    stage: str | None
    cases: tuple[CaseState, ...]
    warnings: tuple[WarningState, ...]


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _opt(seq: int | None) -> list[int]:
    return [] if seq is None else [seq]


OWNERSHIP_KINDS = ("ownership_conflict", "identity_conflict", "deal_by_non_owner")


def _due(deadline: PendingDeadline) -> datetime:
    return deadline.deadline


class SiteCore:
    """The whole judged state of one sales office, and the helpers shared by every fact handler."""

    def __init__(self, rules: RuleBook | None = None) -> None:
        self.rules = rules or RuleBook()
        self.customers: dict[int, CustomerState] = {}
        self.aliases: dict[int, list[int]] = {}
        self.reports: dict[int, ReportState] = {}
        self.reports_by_customer: dict[int, list[int]] = {}
        self.reports_by_mask: dict[str, list[int]] = {}
        self.seen_by_mask: dict[str, list[int]] = {}
        self.faces: dict[str, FaceState] = {}
        self.deadlines: deque[PendingDeadline] = deque()  # warnings time raises, soonest first (judge/cases.py)
        self.cases: dict[int, CaseState] = {}
        self.cases_by_customer: dict[int, list[int]] = {}
        self.warnings: dict[int, WarningState] = {}
        self.warnings_by_customer: dict[int, list[int]] = {}
        self.rotation: list[str] = []
        self.busy: set[str] = set()
        self.claims_today: dict[str, tuple[str, int]] = {}
        self.blacklisted_agents: set[str] = set()
        self.blacklisted_channels: set[str] = set()
        self.next_id = 1
        self.last_seq = 0
        self.last_at: datetime | None = None

    # ----------------------------------------------------------------- helpers

    def ruleset(self, at: datetime) -> RuleSet:
        return self.rules.at(at)

    def resolve(self, customer_id: int) -> int:
        seen = customer_id
        state = self.customers.get(seen)
        while state is not None and state.merged_into is not None:
            seen = state.merged_into
            state = self.customers.get(seen)
        return seen

    def customer(self, customer_id: int) -> CustomerState:
        cid = self.resolve(customer_id)
        state = self.customers.get(cid)
        if state is None:
            state = self.customers[cid] = CustomerState(id=cid)
        return state

    def _peek(self, customer_id: int) -> CustomerState:
        """The customer without creating a record for it."""
        return self.customers.get(self.resolve(customer_id)) or CustomerState(id=customer_id)

    @staticmethod
    def _owner_at(c: CustomerState, at: datetime) -> str | None:
        lapse = c.protected_until()
        return None if c.owner is None or (lapse is not None and at >= lapse) else c.owner

    def _new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def _settle_customer(self, c: CustomerState, at: datetime) -> None:
        """Applies a lapse that time has brought: the owner loses the customer to the pool."""
        lapse = c.protected_until()
        if c.owner is not None and lapse is not None and at >= lapse:
            c.lost_at[c.owner] = lapse
            c.owner = None
            c.owner_since_seq = None

    def _take_ownership(self, c: CustomerState, consultant: str, at: datetime, seq: int,
                        anchor_days: int, rules: RuleSet) -> None:
        if c.owner is not None and c.owner != consultant:
            c.lost_at[c.owner] = at
        c.owner = consultant
        c.owner_since_seq = seq
        c.anchor_end = at + _days(anchor_days)
        c.contact_end = at + _days(rules.follow_up_days)

    def _next_in_rotation(self) -> str:
        for name in self.rotation:
            if name not in self.busy:
                return name
        if self.rotation:
            return self.rotation[0]  # everyone is busy: the head of the queue still takes the walk-in
        raise EngineError("没有值班的置业顾问 / no consultant on duty: set the rotation first")

    def _use_turn(self, consultant: str) -> None:
        if consultant in self.rotation:
            self.rotation.remove(consultant)
            self.rotation.append(consultant)

    def _add_deadline(self, deadline: PendingDeadline) -> None:
        """Kept soonest first, so settling and a view look only at those due. Deadlines mostly come in
        order; a check-in's (its day's end) and a sighting's (minutes) interleave, as a rule change can."""
        if not self.deadlines or self.deadlines[-1].deadline <= deadline.deadline:
            self.deadlines.append(deadline)
        else:
            self.deadlines.insert(bisect.bisect_right(self.deadlines, deadline.deadline, key=_due), deadline)

    def _warn(self, out: Outcome, customer: int | None, kind: str, at: datetime, evidence: list[int],
              rule: str) -> None:
        warning = WarningState(id=self._new_id(), customer=customer, kind=kind, at=at,
                               evidence=evidence, rule=rule)
        self.warnings[warning.id] = warning
        if customer is not None:
            self.warnings_by_customer.setdefault(customer, []).append(warning.id)
            out.touched_customers.add(customer)
        out.new_warnings.append(warning)
        out.touched_warnings.add(warning.id)

    def _has_warning(self, customer: int, kind: str) -> bool:
        return any(self.warnings[w].kind == kind and self.warnings[w].status == "open"
                   for w in self.warnings_by_customer.get(customer, []))

    def _open_case(self, out: Outcome, c: CustomerState, kind: str, claimant: str | None,
                   recommended: str, rule: str, evidence: list[int], at: datetime) -> None:
        for case_id in self.cases_by_customer.get(c.id, []):
            case = self.cases[case_id]
            if case.status == "open" and case.kind == kind and case.claimant == claimant:
                case.evidence.append(out.seq)  # the same dispute again: more evidence, not a new case
                out.touched_cases.add(case.id)
                return
        case = CaseState(id=self._new_id(), customer=c.id, kind=kind, claimant=claimant,
                         recommended=recommended, rule=rule, evidence=evidence, at=at)
        self.cases[case.id] = case
        self.cases_by_customer.setdefault(c.id, []).append(case.id)
        out.new_cases.append(case)
        out.touched_cases.add(case.id)
        out.reasons.append(Reason(kind, rule, tuple(evidence)))

    def _competing(self, out: Outcome, c: CustomerState, kind: str, claimant: str, rule: str,
                   fact: f.Fact) -> None:
        """A registration by someone other than the protected owner: a case decided for the owner."""
        assert c.owner is not None
        self._open_case(out, c, kind, claimant, c.owner, rule, [fact.seq] + _opt(c.owner_since_seq), fact.at)
