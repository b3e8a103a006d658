"""Rule sets (判客规则): typed, validated, versioned by effective time.

A rule set is the default TOML in resources/rules with dotted-key overrides on top. A RuleBook holds the
versions in force from their effective times; a decision asks for the version in force at its event.
"""

from __future__ import annotations

import bisect
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CHANNEL_MODES = ("report_protect", "competitive")
NUMBER_MODES = ("full", "masked_3_4")

# Every whole-number rule has a sane range: far beyond any real project, yet small enough that a date
# plus the duration stays a date (99999999999999999999 days would make every later write overflow).
YEARS_10 = 3650
INT_RANGES: dict[str, tuple[int, int]] = {
    "protection.consultant_days": (1, YEARS_10),
    "protection.follow_up_days": (0, YEARS_10),
    "channel.visit_deadline_hours": (1, 24 * 365),
    "channel.pre_intercept_minutes": (0, 24 * 60),
    "channel.protection_days": (0, YEARS_10),
    "pool.daily_claim_limit": (0, 1000),
    "pool.reclaim_cooldown_days": (0, YEARS_10),
    "pool.claim_protection_days": (0, YEARS_10),
    "warnings.repeat_visits": (2, 1000),
    "warnings.repeat_window_days": (1, YEARS_10),
    "warnings.fast_deal_hours": (0, 24 * 365),
    "warnings.unregistered_minutes": (0, 24 * 60),
    "site.max_clock_jump_days": (1, YEARS_10),  # the longest closure a station may reopen after unasked
}
FALLBACK_RANGE = (0, 100_000)  # a whole-number rule added without its own range is still bounded
MAX_SCHEDULE_DAYS = 366  # a version may be scheduled up to a year ahead (2062 for 2026 is a typo)


class RuleError(ValueError):
    """A rule key that does not exist, or a value of the wrong type or out of range."""


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _load_default_values() -> dict[str, Any]:
    text = resources.files("resources.rules").joinpath("default.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


DEFAULT_VALUES: dict[str, Any] = _load_default_values()


def _check_value(key: str, value: Any) -> Any:
    default = DEFAULT_VALUES[key]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise RuleError(f"rule {key} takes true or false, not {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleError(f"rule {key} takes a whole number, not {value!r}")
        low, high = INT_RANGES.get(key, FALLBACK_RANGE)
        if value < 0:
            raise RuleError(f"rule {key} cannot be negative ({value})")
        if not low <= value <= high:
            raise RuleError(f"rule {key} must be between {low} and {high}, not {value}")
        return value
    if not isinstance(value, str):
        raise RuleError(f"rule {key} takes text, not {value!r}")
    if key == "channel.mode" and value not in CHANNEL_MODES:
        raise RuleError(f"rule channel.mode must be one of {', '.join(CHANNEL_MODES)}, not {value!r}")
    if key == "channel.number_mode" and value not in NUMBER_MODES:
        raise RuleError(f"rule channel.number_mode must be one of {', '.join(NUMBER_MODES)}, not {value!r}")
    if key == "site.timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise RuleError(f"rule site.timezone: unknown time zone {value!r}") from exc
    return value


def validate_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Checks dotted-key overrides (nested tables are flattened first); returns them flat."""
    flat = _flatten(overrides)
    for key, value in flat.items():
        if key not in DEFAULT_VALUES:
            raise RuleError(f"unknown rule key {key!r}")
        flat[key] = _check_value(key, value)
    return flat


def effective_time(recorded_at: datetime, effective_at: datetime | None) -> datetime:
    """When a change recorded at `recorded_at` takes effect, in UTC: now (None), or a later time no more
    than MAX_SCHEDULE_DAYS ahead; an earlier one would re-judge what was already decided."""
    if effective_at is None:
        return recorded_at
    if effective_at.tzinfo is None:
        raise RuleError("a rule version needs an aware effective time")
    if effective_at < recorded_at:
        raise RuleError(f"生效时间不能早于现在 / a rule version cannot take effect in the past "
                        f"({effective_at.isoformat()} is before {recorded_at.isoformat()})")
    if effective_at - recorded_at > timedelta(days=MAX_SCHEDULE_DAYS):
        raise RuleError(f"生效时间最多提前 {MAX_SCHEDULE_DAYS} 天 / a rule version can be scheduled at most "
                        f"{MAX_SCHEDULE_DAYS} days ahead")
    return effective_at.astimezone(UTC)


@dataclass(frozen=True)
class RuleSet:
    """One complete version of the rules. Attribute names follow the dotted keys."""

    values: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_VALUES))

    def with_overrides(self, overrides: Mapping[str, Any]) -> RuleSet:
        merged = dict(self.values)
        merged.update(validate_overrides(overrides))
        return RuleSet(merged)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def diff(self) -> dict[str, Any]:
        """The keys that differ from the defaults."""
        return {k: v for k, v in self.values.items() if DEFAULT_VALUES.get(k) != v}

    def to_toml(self) -> str:
        sections: dict[str, list[str]] = {}
        for key, value in self.values.items():
            section, name = key.split(".", 1)
            rendered = ("true" if value else "false") if isinstance(value, bool) else (
                str(value) if isinstance(value, int) else f'"{value}"')
            sections.setdefault(section, []).append(f"{name} = {rendered}")
        return "\n".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())

    # typed accessors used by the engine
    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.values["site.timezone"])

    @property
    def consultant_days(self) -> int:
        return int(self.values["protection.consultant_days"])

    @property
    def follow_up_days(self) -> int:
        return int(self.values["protection.follow_up_days"])

    @property
    def pledge_freezes(self) -> bool:
        return bool(self.values["protection.pledge_freezes"])

    @property
    def channel_mode(self) -> str:
        return str(self.values["channel.mode"])

    @property
    def number_mode(self) -> str:
        return str(self.values["channel.number_mode"])

    @property
    def visit_deadline_hours(self) -> int:
        return int(self.values["channel.visit_deadline_hours"])

    @property
    def pre_intercept_minutes(self) -> int:
        return int(self.values["channel.pre_intercept_minutes"])

    @property
    def channel_protection_days(self) -> int:
        return int(self.values["channel.protection_days"])

    @property
    def daily_claim_limit(self) -> int:
        return int(self.values["pool.daily_claim_limit"])

    @property
    def reclaim_cooldown_days(self) -> int:
        return int(self.values["pool.reclaim_cooldown_days"])

    @property
    def claim_protection_days(self) -> int:
        return int(self.values["pool.claim_protection_days"])

    @property
    def returning_keeps_turn(self) -> bool:
        return bool(self.values["rotation.returning_keeps_turn"])

    @property
    def repeat_visits(self) -> int:
        return int(self.values["warnings.repeat_visits"])

    @property
    def repeat_window_days(self) -> int:
        return int(self.values["warnings.repeat_window_days"])

    @property
    def fast_deal_hours(self) -> int:
        return int(self.values["warnings.fast_deal_hours"])

    @property
    def unregistered_minutes(self) -> int:
        return int(self.values["warnings.unregistered_minutes"])


def parse_rules_toml(text: str) -> dict[str, Any]:
    """Overrides from a TOML text (tables or dotted keys), validated and flattened."""
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"rules file is not valid TOML: {exc}") from exc
    return validate_overrides(tree)


@dataclass
class RuleBook:
    """Rule-set versions, each in force from its effective time until the next one."""

    effective: list[datetime] = field(default_factory=list)
    versions: list[RuleSet] = field(default_factory=list)
    base: RuleSet = field(default_factory=RuleSet)

    def add(self, effective_at: datetime, overrides: Mapping[str, Any]) -> RuleSet:
        """A new version: the one in force at `effective_at` with `overrides` on top."""
        if effective_at.tzinfo is None:
            raise RuleError("a rule version needs an aware effective time")
        ruleset = self.at(effective_at).with_overrides(overrides)
        index = bisect.bisect_right(self.effective, effective_at)
        if index != len(self.effective):
            raise RuleError("a rule version cannot take effect before a later version already recorded")
        self.effective.append(effective_at)
        self.versions.append(ruleset)
        return ruleset

    def add_change(self, effective_at: datetime, overrides: Mapping[str, Any]) -> RuleSet:
        """A change recorded now, in force from `effective_at` (now or later). A version scheduled after
        it keeps what it changes (its keys that differ from the version before it) and takes the rest
        from this one: so an urgent change made today still holds after next month's scheduled one.
        Nothing changes when a value is refused."""
        if effective_at.tzinfo is None:
            raise RuleError("a rule version needs an aware effective time")
        index = bisect.bisect_right(self.effective, effective_at)  # equal times: the later recorded wins
        before = self.versions[index - 1] if index else self.base
        ruleset = before.with_overrides(overrides)
        versions, current = [ruleset], ruleset
        for version in self.versions[index:]:
            changed = {k: v for k, v in version.values.items() if before.values.get(k) != v}
            before, current = version, current.with_overrides(changed)
            versions.append(current)
        self.effective.insert(index, effective_at)
        self.versions[index:] = versions
        return ruleset

    def at(self, moment: datetime) -> RuleSet:
        index = bisect.bisect_right(self.effective, moment)
        return self.versions[index - 1] if index else self.base

    @property
    def version_count(self) -> int:
        return len(self.versions) + 1
