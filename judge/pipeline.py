"""Ownership after the visit: follow-ups, pipeline stages, the public pool (claims, releases),
designated assignments and the reception rotation."""

from __future__ import annotations

from datetime import timedelta

from judge import facts as f
from judge.reasons import EngineError
from judge.site_core import Outcome, Reason, SiteCore, _days, _opt


class PipelineRules(SiteCore):
    def _validate_stage(self, e: f.StageChange) -> None:
        c = self._peek(e.customer)
        if e.stage not in f.STAGES:
            raise EngineError(f"unknown stage {e.stage!r}")
        if e.stage == "cancel" and not c.pledged:
            raise EngineError("没有可取消的认筹 / there is no pledge to cancel")
        if e.stage == "cancel" and c.deal_at is not None:
            raise EngineError("已成交，不能取消认筹 / the deal is closed: the pledge cannot be cancelled")

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

    def _apply_duty(self, e: f.Duty, out: Outcome) -> None:
        self.rotation = list(e.consultants)

    def _apply_busy(self, e: f.Busy, out: Outcome) -> None:
        (self.busy.add if e.busy else self.busy.discard)(e.consultant)
