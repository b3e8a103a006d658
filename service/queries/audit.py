"""The 审计 page's lists: full-number reveals (who saw which customer's number, when and why), case
decisions that went against the engine's recommendation (who, when, and the written reason), and the
pauses of appeal lookups by number after too many misses (who, when, until when: service/appeal_guard.py).

Both are paged with LIMIT/OFFSET, newest first. Customers show as their masked phone and surname
display (138****5678 张*), an erased one as （已删除）; reasons are the notes' texts (db/notes.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import notes
from db.database import read_session
from db.keys import Keyring
from db.models import Case, Customer, JournalEntry
from service import appeal_guard
from service.desk import REVEAL
from service.reception import surname_display
from service.store import Store

ERASED = "（已删除）"
DECISION_KIND = "case_decision"


@dataclass(frozen=True)
class Reveal:
    seq: int
    at: datetime
    actor: str
    customer_id: int
    customer: str  # 138****5678 张*
    reason: str


@dataclass(frozen=True)
class Override:
    case_id: int
    kind: str
    customer_id: int
    customer: str
    recommended: str
    verdict: str
    rule: str
    decided_by: str
    decided_at: datetime | None  # the decision's journal time
    decision_seq: int | None
    reason: str


@dataclass(frozen=True)
class LookupPause:
    seq: int
    at: datetime
    actor: str
    misses: int
    until: datetime


def _customer_labels(session: Session, keyring: Keyring, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    labels = {cid: ERASED for cid in wanted}
    rows = session.execute(sa.select(Customer.id, Customer.phone_masked, Customer.forgotten)
                           .where(Customer.id.in_(wanted)))
    for cid, masked, forgotten in rows:
        if forgotten or not masked:
            continue
        surname = surname_display(session, keyring, cid)
        labels[cid] = f"{masked} {surname}" if surname else masked
    return labels


def reveals(store: Store, offset: int, limit: int) -> list[Reveal]:
    """Journal entries of kind `reveal_phone` (service.desk.Desk.reveal), newest first."""
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor, JournalEntry.payload)
                               .where(JournalEntry.kind == REVEAL).order_by(JournalEntry.seq.desc())
                               .offset(offset).limit(limit)).all()
        payloads = [json.loads(payload) for *_rest, payload in rows]
        labels = _customer_labels(session, store.keyring, (int(p["customer"]) for p in payloads))
        texts = notes.note_texts(session, store.keyring, [p.get("reason", "") for p in payloads])
    return [Reveal(seq, at, actor, int(p["customer"]), labels[int(p["customer"])], texts.get(p.get("reason", ""), ""))
            for (seq, at, actor, _payload), p in zip(rows, payloads, strict=True)]


def overrides(store: Store, offset: int, limit: int) -> list[Override]:
    """Decided cases whose verdict is not the recommended one, newest case first."""
    with read_session(store.engine) as session:
        cases = session.execute(sa.select(Case).where(Case.status == "decided", Case.verdict != Case.recommended)
                                .order_by(Case.id.desc()).offset(offset).limit(limit)).scalars().all()
        decisions = _decisions(session, {c.id for c in cases})
        labels = _customer_labels(session, store.keyring, (c.customer_id for c in cases))
        texts = notes.note_texts(session, store.keyring, [c.decision_reason or "" for c in cases])
    result = []
    for case in cases:
        seq, at = decisions.get(case.id, (None, None))
        result.append(Override(case.id, case.kind, case.customer_id, labels[case.customer_id], case.recommended,
                               case.verdict or "", case.rule, case.decided_by or "", at, seq,
                               texts.get(case.decision_reason or "", "")))
    return result


def lookup_pauses(store: Store, offset: int, limit: int) -> list[LookupPause]:
    """Journal entries of kind `appeal_lookup_paused`, newest first."""
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor, JournalEntry.payload)
                               .where(JournalEntry.kind == appeal_guard.PAUSED).order_by(JournalEntry.seq.desc())
                               .offset(offset).limit(limit)).all()
    return [LookupPause(seq, at, actor, int(p["misses"]), datetime.fromisoformat(p["until"]))
            for seq, at, actor, p in ((seq, at, actor, json.loads(payload)) for seq, at, actor, payload in rows)]


def _decisions(session: Session, case_ids: set[int]) -> dict[int, tuple[int, datetime]]:
    """The journal entry (seq, time) deciding each case. A decision comes after its case was opened
    (the case id is the opening entry's seq), so only decisions after the oldest case are read."""
    found: dict[int, tuple[int, datetime]] = {}
    if not case_ids:
        return found
    query = (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.payload)
             .where(JournalEntry.kind == DECISION_KIND, JournalEntry.seq > min(case_ids))
             .order_by(JournalEntry.seq))
    for seq, at, payload in session.execute(query).yield_per(1000):
        case_id = json.loads(payload).get("case_id")
        if case_id in case_ids:
            found[case_id] = (seq, at)
            if len(found) == len(case_ids):
                break
    return found
