"""Cases and warnings over time: sightings and their registration window, blacklists, case
decisions and the warning workflow."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from judge import facts as f
from judge.site_core import OWNERSHIP_KINDS, Outcome, Reason, SiteCore
from judge.state import FaceState, PendingSighting, WarningState


class CaseRules(SiteCore):
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

    def _apply_sighting(self, e: f.Sighting, out: Outcome) -> None:
        rules = self.ruleset(e.at)
        face = self.faces.get(e.face)
        if face is None:
            self.faces[e.face] = FaceState(customer=None, first_seen_at=e.at, first_seen_seq=e.seq)
        self.pending_sightings.append(PendingSighting(
            seq=e.seq, at=e.at, face=e.face, deadline=e.at + timedelta(minutes=rules.unregistered_minutes)))
        if face is not None and face.customer is not None:
            out.customer = self.resolve(face.customer)

    def _apply_blacklist(self, e: f.BlacklistChange, out: Outcome) -> None:
        if e.target_kind == "customer":
            c = self.customer(int(e.target))
            c.blacklisted = e.listed
            out.customer = c.id
            out.touched_customers.add(c.id)
        else:
            target = self.blacklisted_agents if e.target_kind == "agent" else self.blacklisted_channels
            (target.add if e.listed else target.discard)(e.target)

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
