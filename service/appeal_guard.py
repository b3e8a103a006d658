"""申诉 by a typed number without an oracle: the appeal form must not tell a consultant whether a number is
a site customer, or whether it is theirs.

Every refusal that depends on the number's customer (no such customer, the consultant's own, one never at
the site) gives the same words, `NOT_APPEALABLE`, and is journalled as a miss (`appeal_lookup_miss`: who,
never the number). `MAX_MISSES` misses by one user within `WINDOW` pause that user's lookups for `PAUSE`;
the pause is journalled (`appeal_lookup_paused`) and listed on the 审计 page for the managers.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import JournalEntry
from judge.reasons import EngineError

if TYPE_CHECKING:
    from service.store import Store, WriteResult

MISS = "appeal_lookup_miss"  # journal kinds
PAUSED = "appeal_lookup_paused"
MAX_MISSES = 5
WINDOW = timedelta(minutes=30)
PAUSE = timedelta(minutes=30)
NOT_APPEALABLE = "此号码没有您可申诉的客户 / no customer you can appeal about has this number"


class LookupsPaused(EngineError):  # noqa: N818 - a refusal, named for what the user sees
    def __init__(self, until: datetime) -> None:
        super().__init__(f"申诉号码查询次数过多，已暂停至 {until.isoformat(timespec='minutes')}，经理已知悉 / too many "
                         f"appeal lookups that found nothing: paused until {until.isoformat(timespec='minutes')}; "
                         f"the managers are told")
        self.until = until


def paused_until(store: Store, actor: str) -> datetime | None:
    """When `actor`'s pause ends, or None when they are not paused."""
    with read_session(store.engine) as session:
        payload = session.scalar(sa.select(JournalEntry.payload)
                                 .where(JournalEntry.kind == PAUSED, JournalEntry.actor == actor)
                                 .order_by(JournalEntry.seq.desc()).limit(1))
    if payload is None:
        return None
    until = datetime.fromisoformat(json.loads(payload)["until"])
    return until if store.now() < until else None


def record_miss(store: Store, actor: str, consultant: str) -> None:
    """Journals a miss, and the pause with it when it is the `MAX_MISSES`th within `WINDOW` (one write)."""
    from service.store import Step

    def pause(session: Session, _earlier: list[WriteResult | int | None], at: datetime) -> dict[str, Any] | None:
        misses = session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
            JournalEntry.kind == MISS, JournalEntry.actor == actor, JournalEntry.at > at - WINDOW)) or 0
        if misses < MAX_MISSES:
            return None
        until = at + PAUSE
        return {"consultant": consultant, "misses": int(misses), "until": until.isoformat(timespec="microseconds")}

    store._write_steps(actor, (Step(MISS, entry=lambda _s, _e, _at: {"consultant": consultant}),
                               Step(PAUSED, entry=pause)))
