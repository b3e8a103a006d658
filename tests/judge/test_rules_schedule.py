"""Rule versions scheduled for a later time: the engine applies them when their time comes, with no
fact at that time; refusals; a change made before a scheduled one; payloads, replay and snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from judge import facts as f
from judge import snapshot
from judge.engine import Site, replay
from judge.reasons import EngineError
from judge.rules import MAX_SCHEDULE_DAYS, RuleBook, RuleSet

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def story() -> list[f.Fact]:
    """Day 0: protection 10 days from day 5 on (scheduled). Visits on days 1 and 6."""
    return [
        f.Duty(seq=1, at=day(0), consultants=("A", "B")),
        f.RulesChange(seq=2, at=day(0), overrides={"protection.consultant_days": 10,
                                                   "protection.follow_up_days": 30},
                      effective_at=day(5), reason="ref-1"),
        f.Visit(seq=3, at=day(1), customer=1, consultant="A"),
        f.Visit(seq=4, at=day(6), customer=2, consultant="B"),
    ]


def test_a_scheduled_version_applies_from_its_time_without_a_fact_then() -> None:
    site = replay(story())
    assert site.ruleset(day(4)).consultant_days == 30  # the defaults still
    assert site.ruleset(day(5)).consultant_days == 10  # at the instant
    # day 1: judged with the defaults (7 days' follow-up); day 6: with the new version (10 days)
    assert site.customer_view(1, day(2)).protected_until == day(1) + timedelta(days=7)
    assert site.customer_view(2, day(7)).protected_until == day(6) + timedelta(days=10)


@pytest.mark.parametrize(("effective_at", "message"), [
    (day(-0.01), "in the past"),
    (day(MAX_SCHEDULE_DAYS + 1), "at most"),
    (datetime(2026, 3, 5, 10, 0), "aware"),
])
def test_an_effective_time_in_the_past_or_too_far_is_refused_and_changes_nothing(
        effective_at: datetime, message: str) -> None:
    site = Site()
    before = repr(vars(site))
    with pytest.raises(EngineError, match=message):
        site.apply(f.RulesChange(seq=1, at=T0, overrides={"pool.daily_claim_limit": 1}, effective_at=effective_at))
    assert repr(vars(site)) == before


def test_a_change_made_before_a_scheduled_version_holds_after_it_except_for_what_that_version_changes() -> None:
    site = Site()
    site.apply(f.RulesChange(seq=1, at=T0, overrides={"protection.consultant_days": 10}, effective_at=day(30)))
    site.apply(f.RulesChange(seq=2, at=day(1), overrides={"protection.consultant_days": 20,
                                                          "pool.daily_claim_limit": 5}))
    now, later = site.ruleset(day(2)), site.ruleset(day(31))
    assert (now.consultant_days, now.daily_claim_limit) == (20, 5)
    assert (later.consultant_days, later.daily_claim_limit) == (10, 5)  # the scheduled change still comes
    # a second version scheduled at the same time as the first: the later recorded wins there
    site.apply(f.RulesChange(seq=3, at=day(2), overrides={"protection.consultant_days": 15}, effective_at=day(30)))
    assert site.ruleset(day(31)).consultant_days == 15
    assert site.rules.version_count == 4


def test_rulebook_add_change_in_order_is_add() -> None:
    book, plain = RuleBook(), RuleBook()
    changes: list[dict[str, object]] = [{"pool.daily_claim_limit": 1}, {"channel.mode": "competitive"}]
    for n, overrides in enumerate(changes):
        book.add_change(day(n), overrides)
        plain.add(day(n), overrides)
    assert (book.effective, book.versions) == (plain.effective, plain.versions)


def test_payload_round_trip_keeps_the_effective_time_and_leaves_unset_fields_out() -> None:
    scheduled = f.RulesChange(seq=5, at=T0, overrides={"pool.daily_claim_limit": 2},
                              effective_at=day(3).replace(microsecond=250), reason="abc")
    payload = f.to_payload(scheduled)
    assert payload["effective_at"] == "2026-03-04T02:00:00.000250+00:00"
    assert f.from_payload("rules", 5, T0, payload) == scheduled
    plain = f.RulesChange(seq=6, at=T0, overrides={"pool.daily_claim_limit": 2})
    assert f.to_payload(plain) == {"overrides": {"pool.daily_claim_limit": 2}}  # as written before
    assert f.from_payload("rules", 6, T0, {"overrides": {"pool.daily_claim_limit": 2}}) == plain


def test_replay_and_snapshot_give_the_same_rule_versions() -> None:
    facts = story()[:3] + [
        f.RulesChange(seq=4, at=day(2), overrides={"pool.daily_claim_limit": 1}),  # made before day 5's
        f.Visit(seq=5, at=day(6), customer=2, consultant="B"),
    ]
    live = Site()
    for fact in facts:
        live.apply(fact)
    again = replay(facts)
    restored = snapshot.load(snapshot.dump(live))
    for site in (again, restored):
        assert site.rules.effective == live.rules.effective
        assert site.rules.versions == live.rules.versions
    assert live.ruleset(day(6)) == RuleSet().with_overrides(
        {"protection.consultant_days": 10, "protection.follow_up_days": 30, "pool.daily_claim_limit": 1})
