"""The 判客 engine: a deterministic fold over a site's facts in time order.

`Site.apply(fact)` judges one new fact and returns an `Outcome` naming the rule and the journal entries
behind every decision. Nothing here reads a clock: lapses, expiries and overdue sightings are worked out
from the times of the facts and the time a question is asked about (`Site.customer_view(id, at)`).
Replaying the same facts always gives the same state, which is what makes projections rebuildable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from judge import facts as f
from judge.cases import CaseRules, closed_warning
from judge.pipeline import PipelineRules
from judge.reasons import WARNING_STATUSES, EngineError, WarningClosed
from judge.rules import RuleBook, RuleError, effective_time, validate_overrides
from judge.site_core import OWNERSHIP_KINDS, CustomerView, Outcome, Reason
from judge.visits import VisitRules

__all__ = ["OWNERSHIP_KINDS", "CustomerView", "Outcome", "Reason", "Site", "replay"]


class Site(VisitRules, PipelineRules, CaseRules):
    """The whole judged state of one sales office: validation, the fold, and the views."""

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
        elif isinstance(fact, (f.Confirm, f.Dismiss)):
            waiting = self._peek(fact.customer).awaiting()
            if not waiting:
                raise EngineError("没有待确认的登记 / this customer has no check-in waiting for confirmation")
            if fact.visit not in waiting:
                shown = ", ".join(f"#{seq}" for seq in waiting)
                raise EngineError(f"登记 #{fact.visit} 不是待确认的登记 ({shown}) / check-in #{fact.visit} "
                                  f"is not one waiting for confirmation ({shown})")
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
                effective_time(fact.at, fact.effective_at)
            except RuleError as exc:
                raise EngineError(str(exc)) from exc
        elif isinstance(fact, f.Duty) and len(set(fact.consultants)) != len(fact.consultants):
            raise EngineError("a consultant appears twice in the rotation")
        elif isinstance(fact, f.BlacklistChange) and fact.target_kind not in ("customer", "agent", "channel"):
            raise EngineError(f"unknown blacklist target kind {fact.target_kind!r}")
        elif isinstance(fact, f.CaseDecision):
            case = self.cases.get(fact.case_id)
            if case is None:
                raise EngineError(f"没有案件 #{fact.case_id} / no judgment case {fact.case_id}")
            if case.status != "open":
                raise EngineError(f"案件 #{fact.case_id} 已由 {case.decided_by} 裁决为 {case.verdict} / case "
                                  f"{fact.case_id} is already decided by {case.decided_by} ({case.verdict})")
            if fact.verdict != case.recommended and not fact.reason.strip():
                raise EngineError("推翻建议裁决必须写明理由 / overriding the recommended verdict needs a written reason")
            self._validate_decision(fact, case)
        elif isinstance(fact, f.Appeal):
            self._validate_appeal(fact)
        elif isinstance(fact, f.WarningUpdate):
            if fact.warning_id not in self.warnings:
                raise EngineError(f"no warning {fact.warning_id}")
            if fact.status not in WARNING_STATUSES:
                raise EngineError(f"unknown warning status {fact.status!r}")
            closed = closed_warning(self.warnings[fact.warning_id])
            if closed is not None:  # two managers at once: the first to close it wins
                raise WarningClosed(closed)

    def apply(self, fact: f.Fact) -> Outcome:
        self.validate(fact)
        handler = _HANDLERS[type(fact)]
        out = Outcome(seq=fact.seq, kind=f.KIND_OF[type(fact)])
        self._settle(fact.at, out)
        handler(self, fact, out)
        self.last_seq = max(self.last_seq, fact.seq)
        self.last_at = fact.at
        return out

    def _apply_rules(self, e: f.RulesChange, out: Outcome) -> None:
        # a scheduled version needs no later fact: ruleset(at) picks it for every fact from its time on
        self.rules.add_change(effective_time(e.at, e.effective_at), e.overrides)

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
        warnings.extend(self._overdue(c.id, at))
        return CustomerView(customer=c.id, owner=owner_label, protected_until=lapse, frozen=c.frozen(),
                            channel=c.channel, agent=c.agent, commission=c.commission(), stage=c.stage,
                            cases=cases, warnings=tuple(warnings))

    def pool(self, at: datetime) -> list[int]:
        return [cid for cid in self.customers if self.customers[cid].merged_into is None
                and self.customer_view(cid, at).owner == "pool"]


_HANDLERS: dict[type[f.Fact], Callable[[Site, Any, Outcome], None]] = {
    f.Visit: Site._apply_visit,
    f.Confirm: Site._apply_confirm,
    f.Dismiss: Site._apply_dismiss,
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
    f.Appeal: Site._apply_appeal,
}


def replay(facts: list[f.Fact], rules: RuleBook | None = None) -> Site:
    """The pure judgment of a site's whole history."""
    site = Site(rules)
    for fact in facts:
        site.apply(fact)
    return site
