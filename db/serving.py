"""接待开始 / 接待结束: a consultant receives a visitor, and how long the visitor stayed (停留时长).

Starting a reception writes the stay row (`visit_stays`) and its journal entry `reception_stay` in one
transaction, then marks the consultant busy (an engine fact, `Store.set_busy`); ending it closes the row
(journalled the same way) and frees the consultant unless they are still receiving another visit. The
journal entry holds the visit's seq, the consultant and the times: no personal data, and enough to
rebuild the table from the journal.

A consultant receives only the visits given to them, and only as themself; reception and the manager
may start a reception for any consultant (the one the visit went to unless they name another).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import read_session
from db.desk import Desk
from db.models import Consultant, VisitRecord, VisitStay
from db.roles import PermissionDenied
from judge.reasons import EngineError

SERVE = "reception.serve"
STAY = "reception_stay"  # journal kind of a stay's start and end


class ReceptionError(EngineError):
    """A reception that cannot start or end as asked (not started, ended already, no such visit)."""


@dataclass(frozen=True)
class Stay:
    visit_seq: int
    consultant: str
    started_at: datetime
    ended_at: datetime | None = None

    @property
    def seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.started_at).total_seconds()))


def _visit(desk: Desk, visit_seq: int) -> tuple[datetime, str | None]:
    with read_session(desk.store.engine) as session:
        row = session.execute(sa.select(VisitRecord.at, VisitRecord.consultant)
                              .where(VisitRecord.id == visit_seq)).first()
    if row is None:
        raise ReceptionError(f"没有此来访（或已标记为误登记）/ no visit #{visit_seq} (or it was dismissed)")
    return row.at, row.consultant


def _receiving(desk: Desk, visit_seq: int, received_by: str | None, consultant: str | None) -> str:
    """Who receives the visitor: a consultant only their own visits, as themself."""
    if desk.consultant is not None:
        if received_by != desk.consultant:
            raise PermissionDenied(f"这不是您的来访 / visit #{visit_seq} was not given to {desk.consultant}")
        if consultant not in (None, desk.consultant):
            raise PermissionDenied(f"只能以本人名义接待 / {desk.actor} receives only as {desk.consultant}")
        return desk.consultant
    chosen = consultant or received_by
    if not chosen:
        raise ReceptionError("请选择接待的置业顾问 / choose the consultant who receives the visitor")
    return chosen


def start_reception(desk: Desk, visit_seq: int, consultant: str | None = None) -> Stay:
    """接待开始 on today's visit `visit_seq`; marks the consultant busy."""
    desk.require(SERVE)
    store = desk.store
    visited_at, received_by = _visit(desk, visit_seq)
    chosen = _receiving(desk, visit_seq, received_by, consultant)
    now = store.now()
    zone = store.rules_at(now).timezone
    if visited_at.astimezone(zone).date() != now.astimezone(zone).date():
        raise ReceptionError(f"只能接待今日的来访 / visit #{visit_seq} is not from today")
    started: list[datetime] = []

    def work(session: Session) -> dict[str, Any]:
        if session.get(Consultant, chosen) is None:
            raise ReceptionError(f"未知置业顾问 / unknown consultant: {chosen!r}")
        existing = session.get(VisitStay, visit_seq)
        if existing is not None:
            raise ReceptionError(f"来访 #{visit_seq} 已由 {existing.consultant} 开始接待 / reception of visit "
                                 f"#{visit_seq} already started by {existing.consultant}")
        at = store.clock.now(session)
        session.add(VisitStay(visit_seq=visit_seq, consultant=chosen, started_at=at, started_by=desk.actor))
        started.append(at)
        return {"visit": visit_seq, "action": "start", "consultant": chosen, "started_at": at.isoformat()}

    store._journal_only(STAY, desk.actor, work)
    if not _is_busy(desk, chosen):
        store.set_busy(chosen, True, actor=desk.actor)  # the stay stands even if this fails: the page says so
    return Stay(visit_seq=visit_seq, consultant=chosen, started_at=started[-1])  # the last try's (a write may retry)


def end_reception(desk: Desk, visit_seq: int) -> Stay:
    """接待结束: the stay's end; frees the consultant unless they still receive another visitor."""
    desk.require(SERVE)
    store = desk.store
    with read_session(store.engine) as session:
        stay = session.get(VisitStay, visit_seq)
        if stay is not None and desk.consultant is not None and stay.consultant != desk.consultant:
            raise PermissionDenied(f"这不是您的接待 / visit #{visit_seq} is received by {stay.consultant}")
    ended: list[Stay] = []

    def work(session: Session) -> dict[str, Any]:
        row = session.get(VisitStay, visit_seq)
        if row is None:
            raise ReceptionError(f"来访 #{visit_seq} 尚未开始接待 / reception of visit #{visit_seq} has not started")
        if row.ended_at is not None:
            raise ReceptionError(f"来访 #{visit_seq} 的接待已结束 / reception of visit #{visit_seq} already ended")
        if desk.consultant is not None and row.consultant != desk.consultant:
            raise PermissionDenied(f"这不是您的接待 / visit #{visit_seq} is received by {row.consultant}")
        row.ended_at, row.ended_by = max(store.clock.now(session), row.started_at), desk.actor
        done = Stay(visit_seq, row.consultant, row.started_at, row.ended_at)
        ended.append(done)
        return {"visit": visit_seq, "action": "end", "consultant": row.consultant,
                "started_at": row.started_at.isoformat(), "ended_at": row.ended_at.isoformat(),
                "seconds": done.seconds}

    store._journal_only(STAY, desk.actor, work)
    done = ended[-1]
    if not _still_receiving(desk, done.consultant) and _is_busy(desk, done.consultant):
        store.set_busy(done.consultant, False, actor=desk.actor)
    return done


def _is_busy(desk: Desk, consultant: str) -> bool:
    with desk.store._lock:  # the engine cache is read under the store's lock
        return consultant in desk.store.site().busy


def _still_receiving(desk: Desk, consultant: str) -> bool:
    with read_session(desk.store.engine) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(VisitStay).where(
            VisitStay.consultant == consultant, VisitStay.ended_at.is_(None))) != 0
