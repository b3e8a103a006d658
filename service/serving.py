"""接待开始 / 接待结束: a consultant receives a visitor, and how long the visitor stayed (停留时长).

Starting a reception writes the stay row (`visit_stays`), its journal entry `reception_stay` and the
consultant's busy mark (an engine fact, `busy`) in one transaction; ending it closes the row (journalled
the same way) and, in the same transaction, frees the consultant unless they still receive another
visitor: a stay is never left open with its consultant free, nor ended with them still busy. The
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
from db.models import Consultant, VisitRecord, VisitStay
from judge import facts as f
from judge.engine import Site
from judge.reasons import EngineError
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Step

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

    def stay_started(session: Session, _earlier: list[Any], at: datetime) -> dict[str, Any]:
        if session.get(Consultant, chosen) is None:
            raise ReceptionError(f"未知置业顾问 / unknown consultant: {chosen!r}")
        existing = session.get(VisitStay, visit_seq)
        if existing is not None:
            raise ReceptionError(f"来访 #{visit_seq} 已由 {existing.consultant} 开始接待 / reception of visit "
                                 f"#{visit_seq} already started by {existing.consultant}")
        session.add(VisitStay(visit_seq=visit_seq, consultant=chosen, started_at=at, started_by=desk.actor))
        started.append(at)
        return {"visit": visit_seq, "action": "start", "consultant": chosen, "started_at": at.isoformat()}

    def busy(session: Session, site: Site, seq: int, at: datetime) -> f.Fact | None:
        return None if chosen in site.busy else f.Busy(seq=seq, at=at, consultant=chosen, busy=True)

    store._write_steps(desk.actor, (Step(STAY, entry=stay_started), Step("busy", fact=busy)))
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

    def stay_ended(session: Session, _earlier: list[Any], at: datetime) -> dict[str, Any]:
        row = session.get(VisitStay, visit_seq)
        if row is None:
            raise ReceptionError(f"来访 #{visit_seq} 尚未开始接待 / reception of visit #{visit_seq} has not started")
        if row.ended_at is not None:
            raise ReceptionError(f"来访 #{visit_seq} 的接待已结束 / reception of visit #{visit_seq} already ended")
        if desk.consultant is not None and row.consultant != desk.consultant:
            raise PermissionDenied(f"这不是您的接待 / visit #{visit_seq} is received by {row.consultant}")
        row.ended_at, row.ended_by = max(at, row.started_at), desk.actor
        done = Stay(visit_seq, row.consultant, row.started_at, row.ended_at)
        ended.append(done)
        return {"visit": visit_seq, "action": "end", "consultant": row.consultant,
                "started_at": done.started_at.isoformat(), "ended_at": row.ended_at.isoformat(),
                "seconds": done.seconds}

    def free(session: Session, site: Site, seq: int, at: datetime) -> f.Fact | None:
        consultant = ended[-1].consultant
        if consultant not in site.busy or _still_receiving(session, consultant):
            return None
        return f.Busy(seq=seq, at=at, consultant=consultant, busy=False)

    store._write_steps(desk.actor, (Step(STAY, entry=stay_ended), Step("busy", fact=free)))
    return ended[-1]


def _still_receiving(session: Session, consultant: str) -> bool:
    """Is the consultant receiving a visitor whose stay has not ended (this write's end already counted)?"""
    return session.scalar(sa.select(sa.func.count()).select_from(VisitStay).where(
        VisitStay.consultant == consultant, VisitStay.ended_at.is_(None))) != 0

