"""Stateful property tests of the engine's invariants over random office days.

- one owner per customer, and ownership changes only the ways the rules allow: the earliest valid claim
  on an unowned customer wins, and nothing but a lapse, a release, an assignment or a manager's
  decision takes a protected customer away from its owner;
- a replay of the same facts from zero (the "rebuild") equals the incrementally built state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from judge import facts as f
from judge import snapshot
from judge.engine import Site, replay
from judge.reasons import EngineError

CONSULTANTS = ("A", "B", "C")
CUSTOMERS = st.integers(min_value=1, max_value=6)
STEP = st.integers(min_value=1, max_value=60 * 24 * 4)  # minutes; up to four days between facts
T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


class OfficeDays(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.site = Site()
        self.facts: list[f.Fact] = []
        self.now = T0
        self.seq = 0
        self._apply(f.Duty(seq=0, at=T0, consultants=CONSULTANTS))

    def _apply(self, fact: f.Fact) -> object:
        self.seq += 1
        fact = type(fact)(**{**vars(fact), "seq": self.seq})
        try:
            outcome = self.site.apply(fact)
        except EngineError:
            self.seq -= 1
            return None
        self.facts.append(fact)
        return outcome

    def _advance(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def _owner(self, customer: int) -> str:
        return self.site.customer_view(customer, self.now).owner

    @rule(customer=CUSTOMERS, consultant=st.sampled_from((None, *CONSULTANTS)), step=STEP,
          verified=st.booleans(), channel=st.sampled_from(("natural", "贝壳")))
    def visit(self, customer: int, consultant: str | None, step: int, verified: bool, channel: str) -> None:
        at = self._advance(step)
        before = self._owner(customer)
        state = self.site.customers.get(customer)
        # an unverified check-in while one waits for reception joins that arrival (FORMAT.md)
        arrival = state.unconfirmed_by if state is not None and not verified else None
        out = self._apply(f.Visit(seq=0, at=at, customer=customer, consultant=consultant, verified=verified,
                                  channel=channel, agent="x" if channel != "natural" else None, mask=f"m{customer}"))
        assert out is not None
        after = self._owner(customer)
        if before in ("pool", "none"):
            expected = out.assigned_to if verified else before  # type: ignore[attr-defined]
            assert after == expected
            if arrival is not None:
                assert out.assigned_to == arrival  # type: ignore[attr-defined]
            elif consultant is not None:
                assert out.assigned_to == consultant  # type: ignore[attr-defined]
        else:
            assert after == before, "a registration took a protected customer"
            assert out.assigned_to == before  # type: ignore[attr-defined]

    def _waiting(self, customer: int) -> list[int]:
        state = self.site.customers.get(customer)
        return state.awaiting() if state is not None else []

    @rule(customer=CUSTOMERS, step=STEP, through_later=st.booleans())
    def confirm(self, customer: int, step: int, through_later: bool) -> None:
        """Reception confirms the arrival, through its first or its latest check-in: all of it at once."""
        waiting = self._waiting(customer)
        if not waiting:
            return
        at = self._advance(step)
        receiver, before = self.site.customers[customer].unconfirmed_by, self._owner(customer)
        out = self._apply(f.Confirm(seq=0, at=at, customer=customer, visit=waiting[-1 if through_later else 0]))
        assert out is not None and out.checkins == waiting  # type: ignore[attr-defined]
        assert self._waiting(customer) == []
        assert self._owner(customer) == (receiver if before in ("pool", "none") else before)

    @rule(customer=CUSTOMERS, step=STEP, later=st.booleans())
    def dismiss(self, customer: int, step: int, later: bool) -> None:
        """A later check-in marked a mistake goes alone; the first takes its arrival with it."""
        waiting = self._waiting(customer)
        if not waiting:
            return
        before = self._owner(customer)
        gone = waiting[-1] if later and len(waiting) > 1 else waiting[0]
        out = self._apply(f.Dismiss(seq=0, at=self._advance(step), customer=customer, visit=gone))
        assert out is not None
        assert self._waiting(customer) == ([seq for seq in waiting if seq != gone] if gone != waiting[0] else [])
        assert self._owner(customer) in (before, "pool")  # a dismissal gives nobody the customer

    @rule(customer=CUSTOMERS, step=STEP)
    def report(self, customer: int, step: int) -> None:
        self._apply(f.Report(seq=0, at=self._advance(step), channel="贝壳", agent="x", customer=customer,
                             mask=f"m{customer}"))

    @rule(customer=CUSTOMERS, consultant=st.sampled_from(CONSULTANTS), step=STEP)
    def follow_up(self, customer: int, consultant: str, step: int) -> None:
        at = self._advance(step)
        before = self._owner(customer)
        self._apply(f.FollowUp(seq=0, at=at, customer=customer, consultant=consultant))
        assert self._owner(customer) == before

    @rule(customer=CUSTOMERS, consultant=st.sampled_from(CONSULTANTS), step=STEP)
    def claim(self, customer: int, consultant: str, step: int) -> None:
        at = self._advance(step)
        before = self._owner(customer)
        out = self._apply(f.Claim(seq=0, at=at, customer=customer, consultant=consultant))
        assert out is not None
        verdict = out.claim  # type: ignore[attr-defined]
        if before != "pool":
            assert verdict == "not_in_pool"
            assert self._owner(customer) == before
        elif verdict == "accepted":
            assert self._owner(customer) == consultant
        else:
            assert verdict in ("daily_limit", "reclaim_cooldown")
            assert self._owner(customer) == "pool"

    @rule(customer=CUSTOMERS, step=STEP)
    def release(self, customer: int, step: int) -> None:
        at = self._advance(step)
        owner = self._owner(customer)
        if owner in CONSULTANTS:
            frozen_by_deal = self.site.customers[customer].deal_at is not None
            out = self._apply(f.Release(seq=0, at=at, customer=customer, consultant=owner))
            assert (out is None) == frozen_by_deal
            if out is not None:
                assert self._owner(customer) == "pool"

    @rule(customer=CUSTOMERS, consultant=st.sampled_from(CONSULTANTS), step=STEP)
    def assign(self, customer: int, consultant: str, step: int) -> None:
        self._apply(f.Assign(seq=0, at=self._advance(step), customer=customer, consultant=consultant))
        assert self._owner(customer) == consultant

    @rule(customer=CUSTOMERS, consultant=st.sampled_from(CONSULTANTS), step=STEP,
          stage=st.sampled_from(("pledge", "subscribe", "cancel")))
    def stage(self, customer: int, consultant: str, step: int, stage: str) -> None:
        at = self._advance(step)
        before = self._owner(customer)
        out = self._apply(f.StageChange(seq=0, at=at, customer=customer, consultant=consultant, stage=stage))
        if out is not None and before in CONSULTANTS:
            assert self._owner(customer) == before, "a stage change by another consultant moved the customer"

    @rule(consultant=st.sampled_from(CONSULTANTS), busy=st.booleans())
    def busy(self, consultant: str, busy: bool) -> None:
        self._apply(f.Busy(seq=0, at=self.now, consultant=consultant, busy=busy))

    @precondition(lambda self: len(self.facts) > 1)
    @rule(step=STEP)
    def time_passes(self, step: int) -> None:
        self._advance(step)

    @invariant()
    def one_owner_per_customer(self) -> None:
        for customer in self.site.customers:
            view = self.site.customer_view(customer, self.now)
            assert view.owner in (*CONSULTANTS, "pool", "none")
            if view.owner in CONSULTANTS and not view.frozen:
                assert view.protected_until is not None and view.protected_until > self.now

    @invariant()
    def rebuild_equals_incremental(self) -> None:
        rebuilt = replay(self.facts)
        for customer in set(self.site.customers) | set(rebuilt.customers):
            assert rebuilt.customer_view(customer, self.now) == self.site.customer_view(customer, self.now)
        assert {i: vars(r) for i, r in rebuilt.reports.items()} == {i: vars(r) for i, r in self.site.reports.items()}
        assert rebuilt.rotation == self.site.rotation
        restored = snapshot.load(snapshot.dump(self.site))
        for customer in self.site.customers:
            assert restored.customer_view(customer, self.now) == self.site.customer_view(customer, self.now)


TestOfficeDays = OfficeDays.TestCase
TestOfficeDays.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)


def test_snapshot_round_trip_after_random_days() -> None:
    import json

    machine = OfficeDays()
    for i in range(1, 40):
        machine.visit(customer=i % 6 + 1, consultant=None if i % 3 else "B", step=i * 97,
                      verified=i % 5 != 0, channel="natural")
        if i % 4 == 0:
            machine.report(customer=i % 6 + 1, step=30)
        if i % 7 == 0:
            machine.claim(customer=(i + 2) % 6 + 1, consultant="C", step=60 * 24 * 8)
    site = machine.site
    restored = snapshot.load(json.loads(json.dumps(snapshot.dump(site))))
    assert repr(vars(restored)) == repr(vars(site))
    assert snapshot.dump(restored) == snapshot.dump(site)
