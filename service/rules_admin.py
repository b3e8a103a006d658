"""The 规则 page's write, behind a Desk: a new rule-set version with a written reason, in force now or
from a later time (scheduled versions: judge.rules.RuleBook.add_change; the engine applies one to
every fact from its time on, nothing else needs to happen when that time comes).

The reason is free text, so it is a note (db/notes.py, under a key of its own: no customer is
concerned) and the journal's `rules` entry holds its ref beside the overrides and the effective time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from db import notes
from judge import facts as f
from judge.reasons import EngineError
from judge.rules import RuleError, effective_time, validate_overrides
from service.desk import MIN_REASON, Desk

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from judge.engine import Site
    from service.store import WriteResult


class RulesRefused(EngineError):
    """Bad input for one field of the rules form (`field`: a dotted rule key, "reason" or
    "effective_at"; "" for the form as a whole): refused before anything changed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_values(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides, flat and checked key by key, so a refusal names the field it belongs to."""
    checked: dict[str, Any] = {}
    for key, value in overrides.items():
        try:
            checked.update(validate_overrides({key: value}))
        except RuleError as error:
            raise RulesRefused(key, f"规则值无效 / {error}") from None
    return checked


def change_rules(desk: Desk, overrides: Mapping[str, Any], reason: str,
                 effective_at: datetime | None = None) -> WriteResult:
    """A new version: `overrides` on top of the version in force at `effective_at` (None: now). Only the
    keys whose value differs from that version are journalled; a change that changes nothing is refused."""
    desk.require("rules.edit")
    text = reason.strip()
    if len(text) < MIN_REASON:
        raise RulesRefused("reason", f"请写明修改原因（至少 {MIN_REASON} 个字）/ give a reason of {MIN_REASON} "
                                     "characters or more")
    flat = check_values(overrides)
    if effective_at is not None:
        if effective_at.tzinfo is None:
            raise RulesRefused("effective_at", "生效时间缺少时区 / the effective time needs a time zone")
        # whole seconds in UTC: what the journal keeps is what the engine judged with
        effective_at = effective_at.astimezone(UTC).replace(microsecond=0)
    store = desk.store

    def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
        try:
            starts = effective_time(at, effective_at)  # a time already past is refused, never moved to now
        except RuleError as error:
            raise RulesRefused("effective_at", str(error)) from None
        in_force = site.ruleset(starts)
        changes = {key: value for key, value in flat.items() if in_force[key] != value}
        if not changes:
            raise RulesRefused("", "规则没有变化：所选版本已是这些值 / nothing changed: the rules in force at "
                                   "that time already have these values")
        ref = notes.add_note(session, store.keyring, text, None, at)
        return f.RulesChange(seq=seq, at=at, overrides=changes, effective_at=effective_at, reason=ref)

    return store._write("rules", desk.actor, build)
