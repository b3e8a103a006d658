"""Reads of the 判客 page: open and decided cases, paged, and one case with both sides' evidence.

A case rests on journal entries (its evidence seqs). Each is read back from the journal and put on the
side it speaks for: the claimant's (the consultant, channel or agent who claims), the recommended
verdict's, or neither (a fact both sides share). A visit names who received it (the visit projection)
and who the check-in named; a confirmation, the check-in it confirms; a follow-up and an appeal, their
note as written (db/notes.py).

A consultant sees the cases where they are a side (claimant, recommended or verdict) and those about
their own customers (owned by them and still protected); asking for another case is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import notes
from db.database import read_session
from db.models import Case, Customer, JournalEntry, VisitRecord
from db.personal import mask_phone
from db.search_keys import decrypted_people
from service.desk import Desk
from service.queries.customers import ERASED, surname_display
from service.roles import PermissionDenied

OPEN, DECIDED = "open", "decided"
CLAIMANT, RECOMMENDED, SHARED = "claimant", "recommended", "shared"


@dataclass(frozen=True)
class CaseRow:
    id: int
    kind: str
    opened_at: datetime
    customer_id: int
    phone: str  # masked, or （已删除）
    surname: str | None
    claimant: str | None  # None: a check-in that named nobody (the rotation's visitor)
    recommended: str
    rule: str
    status: str  # open | decided
    verdict: str | None
    decided_by: str | None


@dataclass(frozen=True)
class Evidence:
    seq: int
    at: datetime
    kind: str  # journal kind: visit, report, follow_up, stage, claim, release, assign, confirm, appeal, ...
    actor: str
    station: str
    side: str  # claimant | recommended | shared
    consultant: str | None = None  # who the fact names; a visit: who received it
    named: str | None = None  # a visit: the consultant the check-in named (None: the rotation)
    channel: str | None = None
    agent: str | None = None
    stage: str | None = None
    verified: bool | None = None
    refers_to: int | None = None  # a confirmation: the check-in it confirms
    note: str = ""  # a follow-up's note, an appeal's reason


@dataclass(frozen=True)
class Decision:
    seq: int
    at: datetime
    by: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class CaseDetail:
    case: CaseRow
    claimant_side: tuple[Evidence, ...]
    recommended_side: tuple[Evidence, ...]
    shared: tuple[Evidence, ...]
    rule_value: Any  # the rule's value in force when the case opened (None for a principle, not a setting)
    owner_now: str  # the customer's owner now: a consultant, "pool" or "none"
    decision: Decision | None

    @property
    def choices(self) -> tuple[str, ...]:
        """The verdicts to choose from: the recommendation first, then the claimant's."""
        c = self.case
        return (c.recommended,) if c.claimant in (None, c.recommended) else (c.recommended, c.claimant)


def _visible_to(consultant: str, now: datetime) -> sa.ColumnElement[bool]:
    own_customer = sa.and_(Customer.owner == consultant,
                           sa.or_(Customer.protected_until.is_(None), Customer.protected_until > now))
    return sa.or_(Case.claimant == consultant, Case.recommended == consultant, Case.verdict == consultant,
                  own_customer)


def _select(desk: Desk, session: Session) -> sa.Select[*tuple[Any, ...]]:
    query: sa.Select[*tuple[Any, ...]] = (sa.select(Case.id, Case.kind, Case.opened_at, Case.customer_id, Case.claimant, Case.recommended,
                       Case.rule, Case.status, Case.verdict, Case.decided_by, Case.decision_reason, Case.evidence,
                       Customer.phone_masked, Customer.forgotten)
             .join(Customer, Customer.id == Case.customer_id))
    if desk.consultant is not None:
        query = query.where(_visible_to(desk.consultant, desk.store.clock.now(session)))
    return query


def _rows(desk: Desk, session: Session, rows: list[Any]) -> list[CaseRow]:
    """The rows with their customers' surname displays (names decrypted in one query)."""
    names = decrypted_people(session, desk.store.keyring, [r.customer_id for r in rows], phones=False)
    found = []
    for r in rows:
        erased = bool(r.forgotten) or not r.phone_masked
        found.append(CaseRow(r.id, r.kind, r.opened_at, r.customer_id,
                             ERASED if erased else mask_phone(r.phone_masked),
                             None if erased else surname_display(names.get(r.customer_id, (None, None))[1]),
                             r.claimant, r.recommended, r.rule, r.status, r.verdict, r.decided_by))
    return found


def list_cases(desk: Desk, status: str, offset: int, limit: int) -> list[CaseRow]:
    """Open cases oldest first (the manager's queue); decided ones newest first."""
    desk.require("cases.view")
    if status not in (OPEN, DECIDED):
        raise ValueError(f"未知案件状态 / unknown case status {status!r}")
    order = Case.id.asc() if status == OPEN else Case.id.desc()
    with read_session(desk.store.engine) as session:
        rows = session.execute(_select(desk, session).where(Case.status == status).order_by(order)
                               .offset(offset).limit(limit)).all()
        return _rows(desk, session, list(rows))


def case_counts(desk: Desk) -> dict[str, int]:
    """How many open and decided cases this user sees."""
    desk.require("cases.view")
    with read_session(desk.store.engine) as session:
        inner = _select(desk, session).subquery()
        counted: dict[str, int] = dict(session.execute(sa.select(inner.c.status, sa.func.count()).group_by(inner.c.status)).all())
    return {OPEN: int(counted.get(OPEN, 0)), DECIDED: int(counted.get(DECIDED, 0))}


def case_detail(desk: Desk, case_id: int) -> CaseDetail:
    desk.require("cases.view")
    store = desk.store
    with read_session(store.engine) as session:
        r = session.execute(_select(desk, session).where(Case.id == case_id)).first()
        if r is None:
            if desk.consultant is not None and session.get(Case, case_id) is not None:
                raise PermissionDenied(f"无权查看此案件 / case #{case_id} is not about {desk.consultant}")
            raise LookupError(f"没有案件 #{case_id} / no case #{case_id}")
        case = _rows(desk, session, [r])[0]
        evidence = _evidence(session, desk, case, json.loads(r.evidence))
        decision = _decision(session, desk, case_id, r.decision_reason) if case.status == DECIDED else None
    with store._lock:  # the engine cache is read under the store's lock
        rule_value = store.site().ruleset(case.opened_at).values.get(case.rule)
        owner_now = desk.owner_of(case.customer_id)
    return CaseDetail(case, tuple(e for e in evidence if e.side == CLAIMANT),
                      tuple(e for e in evidence if e.side == RECOMMENDED),
                      tuple(e for e in evidence if e.side == SHARED), rule_value, owner_now, decision)


def _evidence(session: Session, desk: Desk, case: CaseRow, seqs: list[int]) -> list[Evidence]:
    entries = session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.actor,
                                        JournalEntry.station, JournalEntry.payload)
                              .where(JournalEntry.seq.in_(seqs)).order_by(JournalEntry.seq)).all()
    bodies = {e.seq: json.loads(e.payload) for e in entries}
    visits = {e.seq for e in entries if e.kind == "visit"}
    confirmed = {body["visit"] for body in bodies.values() if "visit" in body}
    received = {seq: consultant for seq, consultant in session.execute(
        sa.select(VisitRecord.id, VisitRecord.consultant).where(VisitRecord.id.in_(visits | confirmed)))}
    texts = notes.note_texts(session, desk.store.keyring, [str(b.get("note") or b.get("reason") or "")
                                                           for b in bodies.values()])
    found = []
    for e in entries:
        body = bodies[e.seq]
        named = body.get("consultant")
        if e.kind == "visit":
            consultant = received.get(e.seq, named)
        elif e.kind == "confirm":
            consultant = received.get(body.get("visit"))
        else:
            consultant = named
        parties = {named, consultant, body.get("channel"), body.get("agent")} - {None}
        side = CLAIMANT if case.claimant in parties else RECOMMENDED if case.recommended in parties else SHARED
        note = texts.get(str(body.get("note") or body.get("reason") or ""), "")
        found.append(Evidence(e.seq, e.at, e.kind, e.actor, e.station, side, consultant,
                              named if e.kind == "visit" else None, body.get("channel"), body.get("agent"),
                              body.get("stage"), body.get("verified", True) if e.kind == "visit" else None,
                              body.get("visit"), note))
    return found


def _decision(session: Session, desk: Desk, case_id: int, reason_ref: str | None) -> Decision | None:
    """The journal entry that decided the case (canonical JSON: "case_id" is its first key)."""
    rows = session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor, JournalEntry.payload)
                           .where(JournalEntry.kind == "case_decision",
                                  JournalEntry.payload.like(f'{{"case_id":{int(case_id)},%'))
                           .order_by(JournalEntry.seq.desc())).all()
    for seq, at, actor, payload in rows:
        body = json.loads(payload)
        if body.get("case_id") == case_id:
            reason = notes.note_text(session, desk.store.keyring, reason_ref or body.get("reason"))
            return Decision(seq, at, body.get("decided_by") or actor, body["verdict"], reason)
    return None
