"""Cases and warnings over time: the warnings time raises (a sighting nobody registered within its
window, a check-in still waiting for reception when its local day ended: one queue of deadlines, settled
before each fact and seen in a view as of any time), blacklists, appeals, case decisions and the warning
workflow.

An appeal (申诉) is a consultant saying a customer is theirs. It opens an `appeal` case with the
consultant as claimant and a recommendation by the rules as they stand at the appeal:
- someone owns the customer (protected): that owner (保护期; `protection.pledge_freezes` when a pledge
  or a deal holds the protection), since the rules already gave them the customer;
- the customer is in the public pool: `pool` (逾期释放: whoever claims it under the pool rules).
An appeal is refused when the consultant already owns the customer, when the customer was never at
the site (the first verified visit decides: there is nothing to appeal yet), without a reason, and
while the same consultant's appeal about the customer is still open. Deciding for the appellant makes
them the owner from the decision, protected for `protection.consultant_days` like a designated
assignment; deciding as recommended changes nothing. No other verdict is taken.

A warning closed (resolved, dismissed or blacklisted) takes no further step: two managers acting on one
warning at once, the first to close it wins and the other is told who did.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from judge import facts as f
from judge.reasons import WARNING_CLOSED, EngineError
from judge.site_core import OWNERSHIP_KINDS, Outcome, Reason, SiteCore, _opt
from judge.state import CaseState, FaceState, PendingDeadline, WarningState

POOL = "pool"  # an appeal's verdict that leaves the customer in the public pool
# the rule a warning raised by time names
DEADLINE_RULES = {"unregistered_sighting": "warnings.unregistered_minutes", "unconfirmed_checkin": "reception.confirm"}


def closed_warning(warning: WarningState) -> str | None:
    """Why no step can be taken on `warning` (it is closed, and by whom), or None while it is open."""
    if warning.status not in WARNING_CLOSED:
        return None
    by_zh, by_en = (f"已被 {warning.by} ", f" by {warning.by}") if warning.by else ("已", "")  # older snapshots
    return (f"预警 #{warning.id} {by_zh}处理（{WARNING_CLOSED[warning.status]}）/ warning #{warning.id} was "
            f"already closed{by_en} ({warning.status})")


class CaseRules(SiteCore):
    def _settle(self, at: datetime, out: Outcome) -> None:
        """Raises the warnings whose deadline `at` has reached and no fact has met: a sighting nobody
        registered within its window, a check-in still waiting for reception when its local day ended."""
        while self.deadlines and self.deadlines[0].deadline <= at:  # soonest first (_add_deadline)
            deadline = self.deadlines.popleft()
            if not self._deadline_met(deadline):
                self._warn(out, self._deadline_customer(deadline), deadline.kind, deadline.deadline,
                           self._deadline_evidence(deadline), DEADLINE_RULES[deadline.kind])

    def _deadline_met(self, d: PendingDeadline) -> bool:
        if d.kind == "unconfirmed_checkin":
            assert d.customer is not None
            return d.seq not in self._peek(d.customer).awaiting()
        return self._sighting_registered(d)

    def _deadline_evidence(self, d: PendingDeadline) -> list[int]:
        """The sighting; every check-in of the arrival still waiting (no fact came between the deadline and
        its settling: any would have settled it first)."""
        if d.kind == "unconfirmed_checkin":
            assert d.customer is not None
            return self._peek(d.customer).awaiting()
        return [d.seq]

    def _deadline_customer(self, d: PendingDeadline) -> int | None:
        if d.customer is not None:
            return self.resolve(d.customer)
        face = self.faces.get(d.face) if d.face else None
        return self.resolve(face.customer) if face and face.customer is not None else None

    def _sighting_registered(self, sighting: PendingDeadline) -> bool:
        face = self.faces.get(sighting.face) if sighting.face else None
        if face is None or face.customer is None:
            return False
        window = sighting.deadline - sighting.at
        c = self.customer(face.customer)
        return any(sighting.at - window <= t <= sighting.deadline for t in c.visits)

    def _overdue(self, customer: int, at: datetime) -> list[WarningState]:
        """Warnings that time has brought but no fact has settled yet."""
        due = itertools.takewhile(lambda d: d.deadline <= at, self.deadlines)  # soonest first: those due
        return [WarningState(id=0, customer=customer, kind=d.kind, at=d.deadline, evidence=self._deadline_evidence(d),
                             rule=DEADLINE_RULES[d.kind])
                for d in due if self._deadline_customer(d) == customer and not self._deadline_met(d)]

    def _apply_sighting(self, e: f.Sighting, out: Outcome) -> None:
        rules = self.ruleset(e.at)
        face = self.faces.get(e.face)
        if face is None:
            self.faces[e.face] = FaceState(customer=None, first_seen_at=e.at, first_seen_seq=e.seq)
        self._add_deadline(PendingDeadline(
            seq=e.seq, at=e.at, deadline=e.at + timedelta(minutes=rules.unregistered_minutes),
            kind="unregistered_sighting", face=e.face))
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

    def _validate_appeal(self, e: f.Appeal) -> None:
        c = self._peek(e.customer)
        if not e.reason.strip():
            raise EngineError("申诉必须写明理由 / an appeal needs a written reason")
        owner = self._owner_at(c, e.at)
        if owner == e.consultant:
            raise EngineError(f"{e.consultant} 已是该客户的归属顾问 / {e.consultant} already owns this customer")
        if owner is None and c.first_visit_at is None and not c.lost_at:
            raise EngineError("客户尚未到访，首次到访决定归属，暂无可申诉 / the customer has not visited yet: "
                              "the first verified visit decides the owner")
        for case_id in self.cases_by_customer.get(c.id, []):
            case = self.cases[case_id]
            if case.kind == "appeal" and case.status == "open" and case.claimant == e.consultant:
                raise EngineError(f"您对该客户的申诉（案件 #{case.id}）尚未裁决 / {e.consultant}'s appeal about "
                                  f"this customer (case {case.id}) is still open")

    def _apply_appeal(self, e: f.Appeal, out: Outcome) -> None:
        c = self.customer(e.customer)
        self._settle_customer(c, e.at)
        if c.owner is not None:
            rule = "protection.pledge_freezes" if c.frozen() else "protection.consultant_days"
            self._open_case(out, c, "appeal", e.consultant, c.owner, rule, [e.seq] + _opt(c.owner_since_seq), e.at)
        else:
            self._open_case(out, c, "appeal", e.consultant, POOL, "pool.lapse", [e.seq] + _opt(c.last_visit_seq),
                            e.at)
        out.customer = c.id
        out.touched_customers.add(c.id)

    @staticmethod
    def _validate_decision(e: f.CaseDecision, case: CaseState) -> None:
        if case.kind == "appeal" and e.verdict not in (case.claimant, case.recommended):
            raise EngineError(f"申诉只能裁决给申诉人 {case.claimant} 或维持建议 {case.recommended} / an appeal is "
                              f"decided for the appellant ({case.claimant}) or as recommended ({case.recommended})")

    def _apply_case_decision(self, e: f.CaseDecision, out: Outcome) -> None:
        case = self.cases[e.case_id]
        c = self.customer(case.customer)
        self._settle_customer(c, e.at)
        rules = self.ruleset(e.at)
        if case.kind == "appeal":
            if e.verdict == case.claimant and c.owner != e.verdict:  # upheld; as recommended changes nothing
                self._take_ownership(c, e.verdict, e.at, e.seq, rules.consultant_days, rules)
        elif case.kind in OWNERSHIP_KINDS and e.verdict != c.owner:
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
        warning.status, warning.note, warning.by = e.status, e.note, e.by
        out.touched_warnings.add(warning.id)
        if warning.customer is not None:
            out.customer = warning.customer
            out.touched_customers.add(warning.customer)
