"""Reads of the 预警 page: warnings filtered and paged, their counts and precision, and one warning's
steps (each `warning_update` in the journal: when, who, to which status, with the note as written).

A consultant sees only warnings about their own customers: owned by them and still protected, as the
engine decides ownership (judge.engine.Site.customer_view). Phones are masked, names reduced to the
surname display.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from db import notes
from db.database import read_session
from db.models import Customer, JournalEntry
from db.models import Warning as WarningRecord
from db.personal import mask_phone
from judge.reasons import WARNING_STATUSES
from service.queries.customers import ERASED
from service.reception import surname_display
from service.store import Store

ACTIVE = ("open", "following", "intervened")  # still being worked through
CONFIRMED = ("resolved", "blacklisted")  # the warning was right
HANDLED = (*CONFIRMED, "dismissed")
STEP_KIND = "warning_update"


@dataclass(frozen=True)
class WarningFilter:
    status: str | None = None  # a status, "active" (open, following, intervened) or None: all
    kind: str | None = None
    consultant: str | None = None  # a consultant's own view: only their customers


@dataclass(frozen=True)
class WarningRow:
    id: int  # the engine's warning number
    kind: str
    at: datetime
    customer_id: int | None
    phone: str  # masked, （已删除）, or "" for a warning about nobody registered (a sighting)
    surname: str | None
    owner: str | None  # the customer's consultant
    channel: str | None
    agent: str | None
    status: str
    rule: str  # the rule key that raised it
    evidence: tuple[int, ...] = ()  # journal seqs of the facts it rests on


@dataclass(frozen=True)
class WarningStep:
    seq: int
    at: datetime
    actor: str
    status: str
    note: str


@dataclass(frozen=True)
class WarningCounts:
    by_status: dict[str, int]
    confirmed: int  # resolved or blacklisted
    handled: int  # confirmed or dismissed

    @property
    def active(self) -> int:
        return sum(self.by_status[s] for s in ACTIVE)

    @property
    def precision(self) -> float | None:
        """Share of handled warnings that were confirmed; None before any is handled."""
        return self.confirmed / self.handled if self.handled else None


def _where(flt: WarningFilter, now: datetime) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if flt.status == "active":
        conditions.append(WarningRecord.status.in_(ACTIVE))
    elif flt.status is not None:
        if flt.status not in WARNING_STATUSES:
            raise ValueError(f"未知预警状态 / unknown warning status {flt.status!r}")
        conditions.append(WarningRecord.status == flt.status)
    if flt.kind is not None:
        conditions.append(WarningRecord.kind == flt.kind)
    if flt.consultant is not None:
        conditions += [Customer.owner == flt.consultant,
                       sa.or_(Customer.protected_until.is_(None), Customer.protected_until > now)]
    return conditions


def list_warnings(store: Store, flt: WarningFilter, offset: int, limit: int) -> list[WarningRow]:
    """Newest first, `limit` rows from `offset`."""
    return _rows(store, flt, [], offset, limit)


def warning(store: Store, warning_id: int, consultant: str | None = None) -> WarningRow | None:
    """One warning as the list shows it; None when there is none (or it is not about this consultant's)."""
    found = _rows(store, WarningFilter(consultant=consultant), [WarningRecord.id == warning_id], 0, 1)
    return found[0] if found else None


def _rows(store: Store, flt: WarningFilter, extra: list[sa.ColumnElement[bool]], offset: int,
          limit: int) -> list[WarningRow]:
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        rows = session.execute(
            sa.select(WarningRecord.id, WarningRecord.kind, WarningRecord.raised_at, WarningRecord.customer_id,
                      WarningRecord.status, Customer.phone_masked, Customer.forgotten, Customer.owner,
                      Customer.channel, Customer.agent)
            .outerjoin(Customer, Customer.id == WarningRecord.customer_id)
            .where(*_where(flt, now), *extra).order_by(WarningRecord.id.desc()).offset(offset).limit(limit)).all()
        found = []
        for r in rows:
            known = r.customer_id is not None
            erased = known and (bool(r.forgotten) or not r.phone_masked)
            phone = "" if not known else ERASED if erased else mask_phone(r.phone_masked)
            surname = surname_display(session, store.keyring, r.customer_id) if known and not erased else None
            found.append(WarningRow(r.id, r.kind, r.raised_at, r.customer_id, phone, surname, r.owner, r.channel,
                                    r.agent, r.status, ""))
    grounds = _grounds(store, [r.id for r in found])
    return [replace(w, rule=grounds[w.id][0], evidence=grounds[w.id][1]) if w.id in grounds else w for w in found]


def _grounds(store: Store, ids: list[int]) -> dict[int, tuple[str, tuple[int, ...]]]:
    """The rule that raised each warning and the facts it rests on (the engine's state: the projection
    row keeps no rule)."""
    if not ids:
        return {}
    with store._lock:
        warnings = store.site().warnings
        return {i: (warnings[i].rule, tuple(warnings[i].evidence)) for i in ids if i in warnings}


def warning_steps(store: Store, warning_id: int) -> list[WarningStep]:
    """Every step taken on the warning, oldest first, with its note as written."""
    with read_session(store.engine) as session:
        raised = session.scalar(sa.select(WarningRecord.raised_at).where(WarningRecord.id == warning_id))
        if raised is None:
            return []
        entries = session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor,
                                            JournalEntry.payload)
                                  .where(JournalEntry.kind == STEP_KIND, JournalEntry.at >= raised)
                                  .order_by(JournalEntry.seq)).all()
        steps = [(seq, at, actor, body) for seq, at, actor, payload in entries
                 if (body := json.loads(payload)).get("warning_id") == warning_id]
        texts = notes.note_texts(session, store.keyring, [body.get("note") or "" for *_, body in steps])
    return [WarningStep(seq, at, body.get("by") or actor, body["status"], texts.get(body.get("note") or "", ""))
            for seq, at, actor, body in steps]


def warning_counts(store: Store, consultant: str | None = None) -> WarningCounts:
    """How many warnings are in each status (a consultant: about their customers), and the precision."""
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        rows = session.execute(sa.select(WarningRecord.status, sa.func.count())
                               .outerjoin(Customer, Customer.id == WarningRecord.customer_id)
                               .where(*_where(WarningFilter(consultant=consultant), now))
                               .group_by(WarningRecord.status)).all()
    by_status = dict.fromkeys(WARNING_STATUSES, 0) | {status: int(n) for status, n in rows}
    confirmed = sum(by_status[s] for s in CONFIRMED)
    return WarningCounts(by_status, confirmed, confirmed + by_status["dismissed"])
