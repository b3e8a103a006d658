"""The 判客 engine: a deterministic fold over a site's facts in time order.

`Site.apply(fact)` judges one new fact and returns an `Outcome` naming the rule and the journal entries
behind every decision. Nothing here reads a clock: lapses, expiries and overdue sightings are worked out
from the times of the facts and the time a question is asked about (`Site.customer_view(id, at)`).
Replaying the same facts always gives the same state, which is what makes projections rebuildable.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from judge import facts as f
from judge.reasons import WARNING_STATUSES, EngineError
from judge.rules import RuleBook, RuleError, RuleSet, validate_overrides
from judge.state import (
    CaseState,
    CustomerState,
    FaceState,
    PendingSighting,
    ReportState,
    WarningState,
)

OWNERSHIP_KINDS = ("ownership_conflict", "identity_conflict", "deal_by_non_owner")


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


class Site:
    """The whole judged state of one sales office."""

    def __init__(self, rules: RuleBook | None = None) -> None:
        self.rules = rules or RuleBook()
        self.customers: dict[int, CustomerState] = {}
        self.aliases: dict[int, list[int]] = {}
        self.reports: dict[int, ReportState] = {}
        self.reports_by_customer: dict[int, list[int]] = {}
        self.reports_by_mask: dict[str, list[int]] = {}
        self.seen_by_mask: dict[str, list[int]] = {}
        self.faces: dict[str, FaceState] = {}
        self.pending_sightings: deque[PendingSighting] = deque()
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

    def _settle(self, at: datetime, out: Outcome) -> None:
        """Raises the warnings for sightings whose registration window closed by `at`."""
        if not self.pending_sightings or min(s.deadline for s in self.pending_sightings) > at:
            return
        due = [s for s in self.pending_sightings if s.deadline <= at]  # a rule change can reorder deadlines
        self.pending_sightings = deque(s for s in self.pending_sightings if s.deadline > at)
        for sighting in sorted(due, key=lambda s: (s.deadline, s.seq)):
            if not self._sighting_registered(sighting):
                face = self.faces.get(sighting.face)
                customer = self.resolve(face.customer) if face and face.customer is not None else None
                self._warn(out, customer, "unregistered_sighting", sighting.deadline, [sighting.seq],
                           "warnings.unregistered_minutes")

    def _sighting_registered(self, sighting: PendingSighting) -> bool:
        face = self.faces.get(sighting.face)
        if face is None or face.customer is None:
            return False
        window = sighting.deadline - sighting.at
        c = self.customer(face.customer)
        return any(sighting.at - window <= t <= sighting.deadline for t in c.visits)

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

    def _is_report_blacklisted(self, r: ReportState) -> bool:
        if r.agent in self.blacklisted_agents or r.channel in self.blacklisted_channels:
            return True
        return r.customer is not None and self.customer(r.customer).blacklisted

    def _report_expired(self, r: ReportState, at: datetime) -> bool:
        return r.status == "pending" and at >= r.expires_at

    def _expire(self, r: ReportState, at: datetime, out: Outcome) -> None:
        if self._report_expired(r, at):
            r.status = "expired"
            out.touched_reports.add(r.id)

    @staticmethod
    def _surnames_agree(a: str | None, b: str | None) -> bool:
        return a is None or b is None or a == b

    def _report_matches_customer(self, r: ReportState, c: CustomerState) -> bool:
        if r.customer is not None:
            return self.resolve(r.customer) == c.id
        return c.mask == r.mask and self._surnames_agree(r.surname, c.surname)

    def _reports_overlap(self, a: ReportState, b: ReportState) -> bool:
        if a.customer is not None and b.customer is not None:
            return self.resolve(a.customer) == self.resolve(b.customer)
        return a.mask == b.mask and self._surnames_agree(a.surname, b.surname)

    def _candidate_reports(self, c: CustomerState) -> list[ReportState]:
        ids = list(self.reports_by_customer.get(c.id, []))
        for alias in self.aliases.get(c.id, []):
            ids.extend(self.reports_by_customer.get(alias, []))
        if c.mask is not None:
            ids.extend(i for i in self.reports_by_mask.get(c.mask, []) if self.reports[i].masked)
        found = {i: self.reports[i] for i in ids}
        return sorted((r for r in found.values() if self._report_matches_customer(r, c)),
                      key=lambda r: r.id)

    def _invalidate(self, r: ReportState, reason: str, seq: int, out: Outcome) -> None:
        r.status, r.reason, r.decided_seq = "invalid", reason, seq
        out.touched_reports.add(r.id)
        out.reasons.append(Reason(reason, _REPORT_RULES[reason], (r.id, seq)))

    # ------------------------------------------------------------- validation
    def validate(self, fact: f.Fact) -> None:
        """Raises EngineError for a fact the engine refuses, before anything is changed."""
        if fact.at.tzinfo is None:
            raise EngineError("fact times must be aware datetimes")
        if self.last_at is not None and fact.at < self.last_at:
            raise EngineError(f"fact {fact.seq} at {fact.at.isoformat()} is earlier than the last one "
                              f"({self.last_at.isoformat()}): facts are judged in time order")
        if type(fact) not in _HANDLERS:
            raise EngineError(f"unknown fact type {type(fact).__name__}")
        if isinstance(fact, f.Visit):
            self._validate_visit(fact)
        elif isinstance(fact, f.Confirm):
            pending = self._peek(fact.customer).unconfirmed_seq
            if pending is None:
                raise EngineError("没有待确认的登记 / this customer has no check-in waiting for confirmation")
            if pending != fact.visit:
                raise EngineError(f"登记 #{fact.visit} 不是待确认的那一条 (#{pending}) / check-in #{fact.visit} "
                                  f"is not the one waiting for confirmation (#{pending})")
        elif isinstance(fact, f.Report):
            if fact.masked and self.ruleset(fact.at).number_mode != "masked_3_4":
                raise EngineError("本项目要求全号报备 / this project takes reports with the full phone number "
                                  "(channel.number_mode = full)")
        elif isinstance(fact, f.StageChange):
            self._validate_stage(fact)
        elif isinstance(fact, f.Release):
            c = self._peek(fact.customer)
            owner = self._owner_at(c, fact.at)
            if owner != fact.consultant:
                raise EngineError(f"只有归属顾问可以释放客户 / only the owner can release this customer "
                                  f"(owner: {owner or 'none'})")
            if c.deal_at is not None:
                raise EngineError("已成交客户不能释放 / a customer with a closed deal cannot be released")
        elif isinstance(fact, f.RulesChange):
            try:
                validate_overrides(fact.overrides)
            except RuleError as exc:
                raise EngineError(str(exc)) from exc
        elif isinstance(fact, f.Duty) and len(set(fact.consultants)) != len(fact.consultants):
            raise EngineError("a consultant appears twice in the rotation")
        elif isinstance(fact, f.BlacklistChange) and fact.target_kind not in ("customer", "agent", "channel"):
            raise EngineError(f"unknown blacklist target kind {fact.target_kind!r}")
        elif isinstance(fact, f.CaseDecision):
            case = self.cases.get(fact.case_id)
            if case is None:
                raise EngineError(f"no judgment case {fact.case_id}")
            if case.status != "open":
                raise EngineError(f"case {fact.case_id} is already decided ({case.verdict})")
            if fact.verdict != case.recommended and not fact.reason.strip():
                raise EngineError("推翻建议裁决必须写明理由 / overriding the recommended verdict needs a written reason")
        elif isinstance(fact, f.WarningUpdate):
            if fact.warning_id not in self.warnings:
                raise EngineError(f"no warning {fact.warning_id}")
            if fact.status not in WARNING_STATUSES:
                raise EngineError(f"unknown warning status {fact.status!r}")

    def _peek(self, customer_id: int) -> CustomerState:
        """The customer without creating a record for it."""
        return self.customers.get(self.resolve(customer_id)) or CustomerState(id=customer_id)

    @staticmethod
    def _owner_at(c: CustomerState, at: datetime) -> str | None:
        lapse = c.protected_until()
        return None if c.owner is None or (lapse is not None and at >= lapse) else c.owner

    def _validate_visit(self, v: f.Visit) -> None:
        face = self.faces.get(v.face) if v.face else None
        target = self._peek(face.customer) if face and face.customer is not None else self._peek(v.customer)
        if self._owner_at(target, v.at) is None and v.consultant is None:
            self._next_in_rotation()

    def _validate_stage(self, e: f.StageChange) -> None:
        c = self._peek(e.customer)
        if e.stage not in f.STAGES:
            raise EngineError(f"unknown stage {e.stage!r}")
        if e.stage == "cancel" and not c.pledged:
            raise EngineError("没有可取消的认筹 / there is no pledge to cancel")
        if e.stage == "cancel" and c.deal_at is not None:
            raise EngineError("已成交，不能取消认筹 / the deal is closed: the pledge cannot be cancelled")

    # ------------------------------------------------------------------ apply
    def apply(self, fact: f.Fact) -> Outcome:
        self.validate(fact)
        handler = _HANDLERS[type(fact)]
        out = Outcome(seq=fact.seq, kind=f.KIND_OF[type(fact)])
        self._settle(fact.at, out)
        handler(self, fact, out)
        self.last_seq = max(self.last_seq, fact.seq)
        self.last_at = fact.at
        return out

    def _apply_visit(self, v: f.Visit, out: Outcome) -> None:
        rules = self.ruleset(v.at)
        phone_customer = self.customer(v.customer)
        face = self.faces.get(v.face) if v.face else None
        face_owner = self.resolve(face.customer) if face and face.customer is not None else None
        identity_conflict = face_owner is not None and face_owner != phone_customer.id
        target = self.customer(face_owner) if identity_conflict and face_owner is not None else phone_customer
        self._settle_customer(target, v.at)
        if target.owner is None:
            receiving = v.consultant or self._next_in_rotation()
        else:
            receiving = target.owner

        if phone_customer.mask is None:
            phone_customer.mask, phone_customer.surname = v.mask, v.surname
        self._judge_reports_at_visit(v, phone_customer, target, face, rules, out)

        if identity_conflict:
            if phone_customer.first_seen_at is None and phone_customer.owner is None:
                phone_customer.merged_into = target.id  # a new number for a known face: one customer
                self.aliases.setdefault(target.id, []).append(phone_customer.id)
            self._warn(out, target.id, "identity_split", v.at,
                       [v.seq] + ([face.first_seen_seq] if face else []), "identity.face")
            self._open_case(out, target, "identity_conflict", v.consultant, receiving, "identity.face",
                            [v.seq] + ([face.first_seen_seq] if face else []), v.at)
        elif target.owner is not None and v.consultant is not None and v.consultant != target.owner:
            self._competing(out, target, "ownership_conflict", v.consultant, "protection.consultant_days", v)

        # ownership and rotation
        if target.owner is None:
            self._use_turn(receiving)
            if v.verified:
                self._take_ownership(target, receiving, v.at, v.seq, rules.consultant_days, rules)
                out.reasons.append(Reason("first_visit" if target.first_visit_at is None else "pool_visit",
                                          "protection.consultant_days", (v.seq,)))
        else:
            if not rules.returning_keeps_turn:
                self._use_turn(receiving)
            if v.verified:
                target.anchor_end = v.at + _days(rules.consultant_days)
            target.contact_end = v.at + _days(rules.follow_up_days)
            out.reasons.append(Reason("protected_return", "rotation.returning_keeps_turn", (v.seq,)))
        if v.verified and target.first_visit_at is None:
            target.first_visit_at = v.at
        if not v.verified:
            target.unconfirmed_seq, target.unconfirmed_at, target.unconfirmed_by = v.seq, v.at, receiving
        if target.first_seen_at is None:
            target.first_seen_at = v.at
            if target.mask is not None:
                self.seen_by_mask.setdefault(target.mask, []).append(target.id)
        target.visits.append(v.at)
        target.last_visit_seq = v.seq
        if v.face:
            if face is None:
                self.faces[v.face] = FaceState(customer=target.id, first_seen_at=v.at, first_seen_seq=v.seq)
            elif face.customer is None:
                face.customer = target.id
            if v.face not in target.faces:
                target.faces.append(v.face)
        self._check_repeat_visits(target, v, rules, out)
        out.customer = target.id
        out.assigned_to = receiving
        out.touched_customers.update({target.id, phone_customer.id})

    def _apply_confirm(self, e: f.Confirm, out: Outcome) -> None:
        """Reception confirms a check-in: from now on it is a verified visit received by whoever received
        the check-in; ownership, protection and contact count from the confirmation, while the check-in
        time stays when the customer was first seen. Someone else owning the customer by now makes it a
        competing registration."""
        rules = self.ruleset(e.at)
        c = self.customer(e.customer)
        self._settle_customer(c, e.at)
        receiving, checked_in_at = c.unconfirmed_by, c.unconfirmed_at
        assert receiving is not None and checked_in_at is not None  # validate() checked there is one
        c.unconfirmed_seq = c.unconfirmed_at = c.unconfirmed_by = None
        if c.owner is None:
            self._take_ownership(c, receiving, e.at, e.seq, rules.consultant_days, rules)
            out.reasons.append(Reason("first_visit" if c.first_visit_at is None else "pool_visit",
                                      "protection.consultant_days", (e.visit, e.seq)))
        elif c.owner == receiving:
            c.anchor_end = e.at + _days(rules.consultant_days)
            c.contact_end = e.at + _days(rules.follow_up_days)
            out.reasons.append(Reason("protected_return", "protection.consultant_days", (e.visit, e.seq)))
        else:
            self._open_case(out, c, "ownership_conflict", receiving, c.owner, "protection.consultant_days",
                            [e.visit, e.seq] + _opt(c.owner_since_seq), e.at)
        if c.first_visit_at is None:
            c.first_visit_at = checked_in_at
        out.customer, out.assigned_to = c.id, c.owner
        out.touched_customers.add(c.id)

    def _judge_reports_at_visit(self, v: f.Visit, phone_customer: CustomerState, target: CustomerState,
                                face: FaceState | None, rules: RuleSet, out: Outcome) -> None:
        """Settles the reports on this visitor at their first visit and fixes the channel (带访优先)."""
        if phone_customer.first_seen_at is not None:
            return  # reports on a customer already seen were judged when they were made
        brand_new = target.first_seen_at is None
        valid: list[ReportState] = []
        for r in self._candidate_reports(phone_customer):
            self._expire(r, v.at, out)
            if r.status != "pending":
                continue
            report_rules = self.ruleset(r.at)
            if face is not None and face.first_seen_at < r.at:
                self._invalidate(r, "face_seen_before_report", v.seq, out)
                self._warn(out, target.id, "face_seen_before_report", v.at, [r.id, face.first_seen_seq, v.seq],
                           "channel.face_seen_before_report")
            elif not brand_new:
                self._invalidate(r, "already_visited", v.seq, out)
            elif self._is_report_blacklisted(r):
                self._invalidate(r, "blacklisted", v.seq, out)
            elif v.at - r.at < timedelta(minutes=report_rules.pre_intercept_minutes):
                self._invalidate(r, "pre_intercept", v.seq, out)
                self._warn(out, target.id, "pre_intercept", v.at, [r.id, v.seq], "channel.pre_intercept_minutes")
            else:
                valid.append(r)
        if not brand_new:
            return
        declared = v.channel if v.channel != f.NATURAL else None
        if declared in self.blacklisted_channels or (v.agent and v.agent in self.blacklisted_agents):
            declared = None
        winner: ReportState | None = None
        if rules.channel_mode == "report_protect":
            winner = valid[0] if valid else None
            if winner is not None and declared is not None and declared != winner.channel:
                self._open_case(out, target, "channel_conflict", declared, winner.channel, "channel.mode",
                                [winner.id, v.seq], v.at)
        else:
            winner = next((r for r in valid if r.channel == declared), None)
            rivals = sorted({r.channel for r in valid if winner is None or r.channel != winner.channel})
            if winner is not None and rivals:
                for rival in rivals:
                    self._open_case(out, target, "channel_conflict", rival, winner.channel, "channel.mode",
                                    [r.id for r in valid] + [v.seq], v.at)
        for r in valid:
            if r is winner:
                r.status, r.decided_seq = "used", v.seq
                out.touched_reports.add(r.id)
                out.reasons.append(Reason("channel_led", "channel.visit_deadline_hours", (r.id, v.seq)))
            else:
                self._invalidate(r, "already_visited", v.seq, out)
        if winner is not None:
            target.channel, target.agent = winner.channel, winner.agent
            target.channel_visit_seq = v.seq
            target.channel_protection_end = v.at + _days(rules.channel_protection_days)
        else:
            target.channel, target.agent = f.NATURAL, None

    def _check_repeat_visits(self, c: CustomerState, v: f.Visit, rules: RuleSet, out: Outcome) -> None:
        if c.pledged or rules.repeat_visits <= 0:
            return
        window_start = v.at - _days(rules.repeat_window_days)
        recent = [t for t in c.visits if t > window_start]
        if len(recent) >= rules.repeat_visits and not self._has_warning(c.id, "repeat_visits_no_pledge"):
            self._warn(out, c.id, "repeat_visits_no_pledge", v.at, [v.seq], "warnings.repeat_visits")

    def _has_warning(self, customer: int, kind: str) -> bool:
        return any(self.warnings[w].kind == kind and self.warnings[w].status == "open"
                   for w in self.warnings_by_customer.get(customer, []))

    def _apply_report(self, r: f.Report, out: Outcome) -> None:
        rules = self.ruleset(r.at)
        report = ReportState(id=r.seq, at=r.at, channel=r.channel, agent=r.agent,
                             customer=self.resolve(r.customer) if r.customer is not None else None,
                             mask=r.mask, masked=r.masked, surname=r.surname,
                             expires_at=r.at + timedelta(hours=rules.visit_deadline_hours))
        self.reports[report.id] = report
        if report.customer is not None:
            self.reports_by_customer.setdefault(report.customer, []).append(report.id)
            reported = self.customer(report.customer)
            if reported.mask is None:
                reported.mask, reported.surname = r.mask, r.surname
        self.reports_by_mask.setdefault(report.mask, []).append(report.id)
        out.touched_reports.add(report.id)

        if self._is_report_blacklisted(report):
            self._invalidate(report, "blacklisted", r.seq, out)
        elif (seen := self._report_customer_seen(report)) is not None:
            self._invalidate(report, "already_visited", r.seq, out)
            out.customer = seen.id
        else:
            rival = self._pending_rival(report, rules, r.at, out)
            if rival is not None:
                self._invalidate(report, "duplicate_report", r.seq, out)
                out.reasons[-1] = Reason("duplicate_report", "channel.mode", (rival.id, r.seq))
        if report.customer is not None:
            out.customer = report.customer
            out.touched_customers.add(report.customer)
        out.report_status, out.report_reason = report.status, report.reason

    def _report_customer_seen(self, report: ReportState) -> CustomerState | None:
        if report.customer is not None:
            c = self.customer(report.customer)
            return c if c.first_seen_at is not None else None
        for cid in self.seen_by_mask.get(report.mask, []):
            c = self.customer(cid)
            if self._surnames_agree(report.surname, c.surname):
                return c
        return None

    def _pending_rival(self, report: ReportState, rules: RuleSet, at: datetime,
                       out: Outcome) -> ReportState | None:
        ids = set(self.reports_by_mask.get(report.mask, []))
        if report.customer is not None:
            ids.update(self.reports_by_customer.get(report.customer, []))
        for rid in sorted(ids):
            other = self.reports[rid]
            if other is report:
                continue
            self._expire(other, at, out)
            if other.status != "pending" or not self._reports_overlap(report, other):
                continue
            if rules.channel_mode == "report_protect" or other.channel == report.channel:
                return other
        return None

    def _apply_follow_up(self, e: f.FollowUp, out: Outcome) -> None:
        rules = self.ruleset(e.at)
        c = self.customer(e.customer)
        self._settle_customer(c, e.at)
        if c.owner == e.consultant:
            c.contact_end = e.at + _days(rules.follow_up_days)
        elif c.owner is not None:
            self._competing(out, c, "ownership_conflict", e.consultant, "protection.follow_up_days", e)
        out.customer = c.id
        out.touched_customers.add(c.id)

    def _apply_stage(self, e: f.StageChange, out: Outcome) -> None:
        rules = self.ruleset(e.at)
        c = self.customer(e.customer)
        self._settle_customer(c, e.at)
        if c.owner is None:
            self._take_ownership(c, e.consultant, e.at, e.seq, rules.consultant_days, rules)
        elif e.consultant != c.owner:
            kind = "deal_by_non_owner" if e.stage in f.DEAL_STAGES else "ownership_conflict"
            self._competing(out, c, kind, e.consultant, "protection.consultant_days", e)
            if kind == "deal_by_non_owner":
                self._warn(out, c.id, kind, e.at, [e.seq], "protection.consultant_days")
        if e.stage == "pledge":
            c.pledged = True
            c.pledge_frozen = rules.pledge_freezes
        elif e.stage == "cancel":
            c.pledged = False
            c.pledge_frozen = False
            c.anchor_end = e.at + _days(rules.consultant_days)
            c.contact_end = e.at + _days(rules.follow_up_days)
        elif c.deal_at is None:
            c.deal_at = e.at
            is_channel = c.channel not in (None, f.NATURAL)
            if is_channel and c.first_visit_at is not None and \
                    e.at - c.first_visit_at < timedelta(hours=rules.fast_deal_hours):
                self._warn(out, c.id, "fast_deal", e.at, [e.seq] + _opt(c.channel_visit_seq),
                           "warnings.fast_deal_hours")
        c.stage = e.stage
        out.customer = c.id
        out.touched_customers.add(c.id)

    def _apply_claim(self, e: f.Claim, out: Outcome) -> None:
        rules = self.ruleset(e.at)
        c = self.customer(e.customer)
        self._settle_customer(c, e.at)
        day = e.at.astimezone(rules.timezone).date().isoformat()
        claimed_day, count = self.claims_today.get(e.consultant, (day, 0))
        if claimed_day != day:
            count = 0
        lost = c.lost_at.get(e.consultant)
        in_pool = c.owner is None and (c.first_visit_at is not None or bool(c.lost_at))
        if c.blacklisted:
            refusal, rule = "blacklisted", "blacklist"
        elif not in_pool:
            refusal, rule = "not_in_pool", "protection.consultant_days"
        elif count >= rules.daily_claim_limit:
            refusal, rule = "daily_limit", "pool.daily_claim_limit"
        elif lost is not None and e.at < lost + _days(rules.reclaim_cooldown_days):
            refusal, rule = "reclaim_cooldown", "pool.reclaim_cooldown_days"
        else:
            refusal, rule = None, "pool.claim_protection_days"
        if refusal is None:
            self._take_ownership(c, e.consultant, e.at, e.seq, rules.claim_protection_days, rules)
            self.claims_today[e.consultant] = (day, count + 1)
            out.claim = "accepted"
        else:
            out.claim = refusal
        out.reasons.append(Reason(out.claim, rule, (e.seq,)))
        out.customer = c.id
        out.touched_customers.add(c.id)

    def _apply_release(self, e: f.Release, out: Outcome) -> None:
        c = self.customer(e.customer)
        self._settle_customer(c, e.at)
        c.lost_at[e.consultant] = e.at
        c.owner, c.owner_since_seq = None, None
        c.pledge_frozen = False
        out.customer = c.id
        out.touched_customers.add(c.id)

    def _apply_assign(self, e: f.Assign, out: Outcome) -> None:
        rules = self.ruleset(e.at)
        c = self.customer(e.customer)
        self._settle_customer(c, e.at)
        self._take_ownership(c, e.consultant, e.at, e.seq, rules.consultant_days, rules)
        out.reasons.append(Reason("assigned", "protection.consultant_days", (e.seq,)))
        out.customer, out.assigned_to = c.id, e.consultant
        out.touched_customers.add(c.id)

    def _apply_sighting(self, e: f.Sighting, out: Outcome) -> None:
        rules = self.ruleset(e.at)
        face = self.faces.get(e.face)
        if face is None:
            self.faces[e.face] = FaceState(customer=None, first_seen_at=e.at, first_seen_seq=e.seq)
        self.pending_sightings.append(PendingSighting(
            seq=e.seq, at=e.at, face=e.face, deadline=e.at + timedelta(minutes=rules.unregistered_minutes)))
        if face is not None and face.customer is not None:
            out.customer = self.resolve(face.customer)

    def _apply_duty(self, e: f.Duty, out: Outcome) -> None:
        self.rotation = list(e.consultants)

    def _apply_busy(self, e: f.Busy, out: Outcome) -> None:
        (self.busy.add if e.busy else self.busy.discard)(e.consultant)

    def _apply_blacklist(self, e: f.BlacklistChange, out: Outcome) -> None:
        if e.target_kind == "customer":
            c = self.customer(int(e.target))
            c.blacklisted = e.listed
            out.customer = c.id
            out.touched_customers.add(c.id)
        else:
            target = self.blacklisted_agents if e.target_kind == "agent" else self.blacklisted_channels
            (target.add if e.listed else target.discard)(e.target)

    def _apply_rules(self, e: f.RulesChange, out: Outcome) -> None:
        self.rules.add(e.at, e.overrides)

    def _apply_case_decision(self, e: f.CaseDecision, out: Outcome) -> None:
        case = self.cases[e.case_id]
        c = self.customer(case.customer)
        self._settle_customer(c, e.at)
        rules = self.ruleset(e.at)
        if case.kind in OWNERSHIP_KINDS and e.verdict != c.owner:
            self._take_ownership(c, e.verdict, e.at, e.seq, rules.consultant_days, rules)
        elif case.kind == "channel_conflict" and e.verdict != c.channel:
            c.channel = e.verdict
            c.agent = next((self.reports[i].agent for i in case.evidence
                            if i in self.reports and self.reports[i].channel == e.verdict), None)
        case.status, case.verdict, case.decided_by, case.reason = "decided", e.verdict, e.decided_by, e.reason
        out.touched_cases.add(case.id)
        out.customer = c.id
        out.touched_customers.add(c.id)
        out.reasons.append(Reason("case_decided", case.rule, (case.id, e.seq)))

    def _apply_warning_update(self, e: f.WarningUpdate, out: Outcome) -> None:
        warning = self.warnings[e.warning_id]
        warning.status, warning.note = e.status, e.note
        out.touched_warnings.add(warning.id)
        if warning.customer is not None:
            out.customer = warning.customer
            out.touched_customers.add(warning.customer)

    # ------------------------------------------------------------------ views
    def customer_view(self, customer_id: int, at: datetime) -> CustomerView:
        """The customer as of `at` (no later than the facts applied so far allow, or later)."""
        c = self.customer(customer_id)
        owner, lapse = c.owner, c.protected_until()
        lost = bool(c.lost_at)
        if owner is not None and lapse is not None and at >= lapse:
            owner, lapse, lost = None, None, True
        if owner is None:
            owner_label = "pool" if (c.first_visit_at is not None or lost) else "none"
        else:
            owner_label = owner
        group = [c.id, *self.aliases.get(c.id, [])]
        cases = tuple(self.cases[i] for g in group for i in self.cases_by_customer.get(g, []))
        warnings = [self.warnings[i] for g in group for i in self.warnings_by_customer.get(g, [])]
        warnings.extend(self._overdue_sightings(c.id, at))
        return CustomerView(customer=c.id, owner=owner_label, protected_until=lapse, frozen=c.frozen(),
                            channel=c.channel, agent=c.agent, commission=c.commission(), stage=c.stage,
                            cases=cases, warnings=tuple(warnings))

    def _overdue_sightings(self, customer: int, at: datetime) -> list[WarningState]:
        """Warnings that time has brought but no fact has settled yet."""
        found = []
        for s in self.pending_sightings:
            if s.deadline > at:
                continue
            face = self.faces.get(s.face)
            if face and face.customer is not None and self.resolve(face.customer) == customer \
                    and not self._sighting_registered(s):
                found.append(WarningState(id=0, customer=customer, kind="unregistered_sighting",
                                          at=s.deadline, evidence=[s.seq], rule="warnings.unregistered_minutes"))
        return found

    def report_status(self, r: ReportState, at: datetime) -> str:
        return "expired" if self._report_expired(r, at) else r.status

    def latest_report(self, customer_id: int, channel: str, agent: str) -> ReportState | None:
        c = self.customer(customer_id)
        matches = [r for r in self._candidate_reports(c) if r.channel == channel and r.agent == agent]
        return matches[-1] if matches else None

    def pool(self, at: datetime) -> list[int]:
        return [cid for cid in self.customers if self.customers[cid].merged_into is None
                and self.customer_view(cid, at).owner == "pool"]


def _opt(seq: int | None) -> list[int]:
    return [] if seq is None else [seq]


_REPORT_RULES = {
    "already_visited": "channel.first_visit",
    "duplicate_report": "channel.mode",
    "pre_intercept": "channel.pre_intercept_minutes",
    "face_seen_before_report": "channel.face_seen_before_report",
    "blacklisted": "blacklist",
}

_HANDLERS: dict[type[f.Fact], Callable[[Site, Any, Outcome], None]] = {
    f.Visit: Site._apply_visit,
    f.Confirm: Site._apply_confirm,
    f.Report: Site._apply_report,
    f.FollowUp: Site._apply_follow_up,
    f.StageChange: Site._apply_stage,
    f.Claim: Site._apply_claim,
    f.Release: Site._apply_release,
    f.Assign: Site._apply_assign,
    f.Sighting: Site._apply_sighting,
    f.Duty: Site._apply_duty,
    f.Busy: Site._apply_busy,
    f.BlacklistChange: Site._apply_blacklist,
    f.RulesChange: Site._apply_rules,
    f.CaseDecision: Site._apply_case_decision,
    f.WarningUpdate: Site._apply_warning_update,
}


def replay(facts: list[f.Fact], rules: RuleBook | None = None) -> Site:
    """The pure judgment of a site's whole history."""
    site = Site(rules)
    for fact in facts:
        site.apply(fact)
    return site
