"""Kiosk check-in references: an idempotency key per check-in (a uuid the kiosk made) and the kiosk's own
time of the check-in, kept beside the visit and written in the visit's transaction.

A kiosk that lost the connection after the commit sends the same check-in again; the second call finds
the reference and gets the first result back, and nothing is written twice. A check-in delayed in the
kiosk's outbox is judged when it reaches the store (time first, 时间优先, by the store's clock), while the
time the visitor actually stood at the kiosk is kept and shown as the arrival time.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import CheckinRef, JournalEntry, VisitRecord
from judge.engine import Outcome
from judge.reasons import EngineError

MAX_REF_LENGTH = 64


class AlreadyRegistered(EngineError):  # noqa: N818 - a refusal that carries the earlier visit
    """This reference was registered meanwhile: the transaction stops, the earlier visit stands."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"登记 {ref} 已写入 / check-in {ref} is already registered")
        self.ref = ref


def check(ref: str | None, arrived_at: datetime | None) -> None:
    """Bad references and naive times are refused before any transaction."""
    if ref is not None and not 0 < len(ref) <= MAX_REF_LENGTH:
        raise ValueError(f"登记编号须为 1-{MAX_REF_LENGTH} 个字符 / a check-in ref has 1 to {MAX_REF_LENGTH} characters")
    if arrived_at is not None and arrived_at.tzinfo is None:
        raise ValueError("arrived_at must be an aware datetime (the kiosk's clock, with its zone)")


def record(session: Session, ref: str | None, visit_seq: int, at: datetime, arrived_at: datetime | None,
           source: str | None) -> None:
    """Beside the visit being written. A kiosk clock ahead of the store's is capped at the judging time,
    so no visit shows an arrival after it was registered."""
    if ref is None and arrived_at is None and source is None:
        return
    if ref is not None and session.get(CheckinRef, ref) is not None:
        raise AlreadyRegistered(ref)
    arrival = at if arrived_at is None else min(arrived_at, at)
    session.add(CheckinRef(ref=ref or f"seq:{visit_seq}", visit_seq=visit_seq, arrived_at=arrival, source=source))


def earlier_result(engine: Engine, ref: str) -> tuple[int, datetime, Outcome] | None:
    """(seq, judging time, outcome) of the visit already registered under `ref`, or None. The outcome
    carries the customer it was judged as and who received it; reasons are in the journal entry."""
    with read_session(engine) as session:
        row = session.execute(
            sa.select(CheckinRef.visit_seq, JournalEntry.at, VisitRecord.customer_id, VisitRecord.consultant)
            .join(JournalEntry, JournalEntry.seq == CheckinRef.visit_seq)
            .outerjoin(VisitRecord, VisitRecord.id == CheckinRef.visit_seq)
            .where(CheckinRef.ref == ref)).first()
    if row is None:
        return None
    seq, at, customer, consultant = row
    return seq, at, Outcome(seq=seq, kind="visit", customer=customer, assigned_to=consultant)


def arrivals(session: Session, visit_seqs: list[int]) -> dict[int, datetime]:
    """The kiosk's check-in time of each of these visits that has one."""
    if not visit_seqs:
        return {}
    rows = session.execute(sa.select(CheckinRef.visit_seq, CheckinRef.arrived_at)
                           .where(CheckinRef.visit_seq.in_(visit_seqs)))
    return {seq: at for seq, at in rows}

