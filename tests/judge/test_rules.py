from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from judge import facts as f
from judge.engine import Site
from judge.rules import (
    DEFAULT_VALUES,
    FALLBACK_RANGE,
    INT_RANGES,
    RuleBook,
    RuleError,
    RuleSet,
    parse_rules_toml,
    validate_overrides,
)


def test_defaults_match_the_design() -> None:
    rules = RuleSet()
    assert (rules.consultant_days, rules.follow_up_days, rules.pledge_freezes) == (30, 7, True)
    assert (rules.channel_mode, rules.number_mode) == ("report_protect", "full")
    assert (rules.visit_deadline_hours, rules.pre_intercept_minutes, rules.channel_protection_days) == (72, 30, 90)
    assert (rules.daily_claim_limit, rules.reclaim_cooldown_days, rules.claim_protection_days) == (3, 7, 15)
    assert rules.returning_keeps_turn is True
    assert (rules.repeat_visits, rules.repeat_window_days, rules.fast_deal_hours, rules.unregistered_minutes) == (
        3, 30, 24, 30)
    assert str(rules.timezone) == "Asia/Shanghai"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"protection.no_such": 1}, "unknown rule key"),
    ({"protection.consultant_days": "thirty"}, "whole number"),
    ({"protection.consultant_days": -1}, "negative"),
    ({"protection.pledge_freezes": 1}, "true or false"),
    ({"channel.mode": "auction"}, "channel.mode"),
    ({"channel.number_mode": "last4"}, "number_mode"),
    ({"site.timezone": "Mars/Olympus"}, "time zone"),
    ({"protection.consultant_days": 99999999999999999999}, "between 1 and 3650"),
    ({"channel.visit_deadline_hours": 10**9}, "between"),
    ({"warnings.unregistered_minutes": 24 * 60 + 1}, "between"),
])
def test_bad_overrides_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        validate_overrides(overrides)


def test_nested_tables_flatten() -> None:
    assert validate_overrides({"pool": {"daily_claim_limit": 5}}) == {"pool.daily_claim_limit": 5}


def test_toml_round_trip() -> None:
    changed = RuleSet().with_overrides({"channel.mode": "competitive", "pool.daily_claim_limit": 9})
    assert RuleSet().with_overrides(parse_rules_toml(changed.to_toml())) == changed
    assert changed.diff() == {"channel.mode": "competitive", "pool.daily_claim_limit": 9}
    with pytest.raises(RuleError, match="not valid TOML"):
        parse_rules_toml("[pool\n")


def test_rulebook_versions_by_effective_time() -> None:
    book = RuleBook()
    t1 = datetime(2026, 3, 1, tzinfo=UTC)
    t2 = datetime(2026, 4, 1, tzinfo=UTC)
    book.add(t1, {"protection.consultant_days": 10})
    book.add(t2, {"pool.daily_claim_limit": 1})
    assert book.at(datetime(2026, 2, 1, tzinfo=UTC)).consultant_days == 30
    assert book.at(t1).consultant_days == 10
    later = book.at(datetime(2026, 5, 1, tzinfo=UTC))
    assert (later.consultant_days, later.daily_claim_limit) == (10, 1)  # versions build on each other
    assert book.version_count == 3
    with pytest.raises(RuleError, match="before a later version"):
        book.add(datetime(2026, 3, 15, tzinfo=UTC), {"pool.daily_claim_limit": 2})
    assert set(DEFAULT_VALUES) == set(later.values)


def _int_keys() -> list[str]:
    return [k for k, v in DEFAULT_VALUES.items() if isinstance(v, int) and not isinstance(v, bool)]


def test_every_whole_number_rule_is_bounded() -> None:
    for key in _int_keys():
        low, high = INT_RANGES.get(key, FALLBACK_RANGE)
        assert low <= DEFAULT_VALUES[key] <= high, key
        assert validate_overrides({key: high}) == {key: high}
        with pytest.raises(RuleError, match="between"):
            validate_overrides({key: high + 1})


def test_rules_at_their_upper_bounds_still_judge() -> None:
    """Every duration at its maximum, added to a date, is still a date: writes keep working."""
    t0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    site = Site()
    highest = {key: INT_RANGES.get(key, FALLBACK_RANGE)[1] for key in _int_keys()}
    site.apply(f.RulesChange(seq=1, at=t0, overrides=highest))
    site.apply(f.Duty(seq=2, at=t0, consultants=("A", "B")))
    site.apply(f.Report(seq=3, at=t0, channel="C", agent="a", customer=1, mask="m"))
    visit = site.apply(f.Visit(seq=4, at=t0 + timedelta(days=2), customer=1, channel="C", agent="a"))
    assert visit.assigned_to == "A"
    site.apply(f.StageChange(seq=5, at=t0 + timedelta(days=3), customer=1, consultant="A", stage="subscribe"))
    view = site.customer_view(1, t0 + timedelta(days=4))
    assert view.owner == "A" and view.commission == "C"
