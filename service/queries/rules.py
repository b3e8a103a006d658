"""The 规则 page: every rule-set version, the one in force, those scheduled, and what each changed.

The versions are rebuilt from the journal's `rules` entries with the engine's own RuleBook (the same
`add_change` the engine applies), so what the page shows is what the engine judges with; each version
carries the journal entry that recorded it, who, when, from when, and the reason written for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from db import notes
from db.database import read_session
from db.models import JournalEntry
from judge import facts as f
from judge.rules import DEFAULT_VALUES, RuleBook, effective_time
from service.store import Store

RULES_KIND = "rules"


@dataclass(frozen=True)
class RuleVersion:
    number: int  # 0: the defaults; then 1, 2, ... in the order they take effect
    seq: int | None  # the journal entry that recorded it (None: the defaults)
    effective_at: datetime | None  # None: the defaults, in force before any version
    recorded_at: datetime | None
    actor: str
    reason: str
    values: Mapping[str, Any]
    status: str  # past | in_force | scheduled


@dataclass(frozen=True)
class RuleDiff:
    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RulesOverview:
    versions: tuple[RuleVersion, ...]  # number order (version 0 first)
    in_force: RuleVersion
    now: datetime

    @property
    def scheduled(self) -> tuple[RuleVersion, ...]:
        return tuple(v for v in self.versions if v.status == "scheduled")

    def changes(self, version: RuleVersion) -> list[RuleDiff]:
        """What `version` changed from the version before it."""
        if version.number == 0:
            return []
        return version_diff(self.versions[version.number - 1], version)


def version_diff(old: RuleVersion, new: RuleVersion) -> list[RuleDiff]:
    """Every rule whose value differs between two versions, in the rule file's order."""
    return [RuleDiff(key, old.values.get(key), new.values.get(key)) for key in DEFAULT_VALUES
            if old.values.get(key) != new.values.get(key)]


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def rules_overview(store: Store, now: datetime | None = None) -> RulesOverview:
    """All versions as of `now` (the store's clock by default)."""
    at_now = now or store.now()
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor, JournalEntry.payload)
                               .where(JournalEntry.kind == RULES_KIND).order_by(JournalEntry.seq)).all()
        changes = [(seq, actor, f.from_payload(RULES_KIND, seq, _aware(at), json.loads(payload)))
                   for seq, at, actor, payload in rows]
        reasons = notes.note_texts(session, store.keyring, [c.reason for _s, _a, c in changes
                                                            if isinstance(c, f.RulesChange)])
    book = RuleBook()
    recorded: list[tuple[int, datetime, str, str]] = []  # beside book.versions, in effective order
    for seq, actor, change in changes:
        if not isinstance(change, f.RulesChange):
            continue
        starts = effective_time(change.at, change.effective_at)
        index = sum(1 for moment in book.effective if moment <= starts)  # where add_change puts it
        book.add_change(starts, change.overrides)
        recorded.insert(index, (seq, change.at, actor, reasons.get(change.reason, "")))
    current = sum(1 for moment in book.effective if moment <= at_now)
    versions = [RuleVersion(0, None, None, None, "", "", dict(book.base.values),
                            "in_force" if current == 0 else "past")]
    for number, (moment, ruleset, (seq, at, actor, reason)) in enumerate(
            zip(book.effective, book.versions, recorded, strict=True), start=1):
        status = "in_force" if number == current else ("past" if number < current else "scheduled")
        versions.append(RuleVersion(number, seq, moment, at, actor, reason, dict(ruleset.values), status))
    return RulesOverview(tuple(versions), versions[current], at_now)
