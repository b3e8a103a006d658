"""Kiosk check-in references: an idempotency key per check-in (a uuid the kiosk made) and the kiosk's own
time of the check-in, kept beside the visit and written in the visit's transaction; the visitor's optional intent (户型/面积/预算) beside it.

A kiosk that lost the connection after the commit sends the same check-in again; the second call finds
the reference and gets the first result back, and nothing is written twice. A check-in delayed in the
kiosk's outbox is judged when it reaches the store (time first, 时间优先, by the store's clock), while the
time the visitor actually stood at the kiosk is kept and shown as the arrival time.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.database import read_session, run_write
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


def row_values(ref: str | None, visit_seq: int, at: datetime, arrived_at: datetime | None,
               source: str | None) -> dict[str, object] | None:
    """The check-in's row beside the visit being written, in its transaction (None when the kiosk gave
    nothing to keep); a ref already there is AlreadyRegistered (the store reads it under the lock). A
    kiosk clock ahead of the store's is capped at the judging time, so no visit shows an arrival after
    it was registered."""
    if ref is None and arrived_at is None and source is None:
        return None
    return {"ref": ref or f"seq:{visit_seq}", "visit_seq": visit_seq, "arrived_at": capped(arrived_at, at) or at,
            "source": source}


def capped(arrived_at: datetime | None, at: datetime) -> datetime | None:
    """The kiosk's arrival time as kept and journalled with the visit (`Visit.arrived_at`, which 防截客's
    warning measures against): no later than the judging time `at`."""
    return None if arrived_at is None else min(arrived_at, at)


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



INTENT_FIELDS = ("户型", "面积", "预算")  # the kiosk's optional intent groups (kiosk/screens/visitor.py)
MAX_INTENT_VALUE = 32


def check_intent(intent: dict[str, str]) -> dict[str, str]:
    """The visitor's stated intent (户型/面积/预算 -> a chosen option): known groups, short values only, so
    nothing personal can ride along in it."""
    unknown = set(intent) - set(INTENT_FIELDS)
    if unknown:
        raise ValueError(f"未知意向项 / unknown intent field(s): {', '.join(sorted(unknown))}")
    for key, value in intent.items():
        if not isinstance(value, str) or not 0 < len(value) <= MAX_INTENT_VALUE:
            raise ValueError(f"意向 {key} 的取值无效 / intent {key!r} needs 1 to {MAX_INTENT_VALUE} characters")
    return dict(intent)


def record_intent(engine: Engine, ref: str, intent: dict[str, str]) -> None:
    """Keeps the intent beside the check-in `ref` (already written). Not journalled: it judges nothing."""
    text = json.dumps(check_intent(intent), ensure_ascii=False, sort_keys=True)

    def work(session: Session) -> None:
        session.execute(sa.update(CheckinRef).where(CheckinRef.ref == ref).values(intent=text))

    run_write(engine, work, site_lock=False)


def intents(session: Session, visit_seqs: list[int]) -> dict[int, dict[str, str]]:
    """The stated intent of each of these visits that has one."""
    if not visit_seqs:
        return {}
    rows = session.execute(sa.select(CheckinRef.visit_seq, CheckinRef.intent)
                           .where(CheckinRef.visit_seq.in_(visit_seqs), CheckinRef.intent.is_not(None)))
    return {seq: json.loads(text) for seq, text in rows if text is not None}
