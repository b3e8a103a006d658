"""Seeing a full number from a phone: a consultant asks, with a reason; a manager approves or refuses,
with a reason; the consultant sees the number once. Nothing else gives a phone a full number.

All three steps are journal entries (no table of their own): `number_requested` {customer, consultant,
reason}, `number_request_decided` {request, approved, reason}, `number_viewed` {request}. A request's
state is read back from them. Each step checks the state inside its own write, under the site's write
lock, so two managers deciding at once, or two taps on 查看号码, cannot both succeed. Reasons are notes
(db/notes.py): encrypted, and erased with the customer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import identity, notes
from db.database import read_session
from db.models import Customer, JournalEntry
from judge.reasons import EngineError
from service.desk import MIN_REASON, Desk, national_format
from service.roles import PermissionDenied

REQUESTED = "number_requested"
DECIDED = "number_request_decided"
VIEWED = "number_viewed"
KINDS = (REQUESTED, DECIDED, VIEWED)
WAITING, APPROVED, REFUSED, SEEN = "waiting", "approved", "refused", "viewed"


class RequestClosed(EngineError):
    """A decision on a request already decided, or a second view of a number already seen."""


@dataclass(frozen=True)
class NumberRequest:
    id: int  # the request's journal entry
    customer: int
    consultant: str
    requested_by: str
    requested_at: datetime
    reason: str
    status: str  # waiting | approved | refused | viewed
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    phone_masked: str | None


def _entries(session: Session, request_id: int | None = None) -> list[Any]:
    query = sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor, JournalEntry.kind,
                      JournalEntry.payload).where(JournalEntry.kind.in_(KINDS))
    if request_id is not None:
        query = query.where(JournalEntry.seq >= request_id)
    return list(session.execute(query.order_by(JournalEntry.seq)))


def _fold(session: Session, desk: Desk, rows: list[Any]) -> dict[int, NumberRequest]:
    """The requests as their entries leave them, reasons decrypted."""
    raw: dict[int, dict[str, Any]] = {}
    for seq, at, actor, kind, payload in rows:
        body = json.loads(payload)
        if kind == REQUESTED:
            raw[seq] = {"id": seq, "customer": int(body["customer"]), "consultant": body["consultant"],
                        "requested_by": actor, "requested_at": at, "reason": body.get("reason", ""),
                        "status": WAITING, "decided_by": None, "decided_at": None, "decision_reason": None}
        elif int(body.get("request", 0)) in raw:
            item = raw[int(body["request"])]
            if kind == DECIDED:
                item.update(status=APPROVED if body.get("approved") else REFUSED, decided_by=actor,
                            decided_at=at, decision_reason=body.get("reason", ""))
            else:
                item["status"] = SEEN
    texts = notes.note_texts(session, desk.store.keyring,
                             [r for item in raw.values() for r in (item["reason"], item["decision_reason"]) if r])
    masks = dict(session.execute(sa.select(Customer.id, Customer.phone_masked)
                                 .where(Customer.id.in_({item["customer"] for item in raw.values()}))).all())
    return {seq: NumberRequest(**{**item, "reason": texts.get(item["reason"], ""),
                                  "decision_reason": texts.get(item["decision_reason"] or "", None)
                                  if item["decision_reason"] else None,
                                  "phone_masked": masks.get(item["customer"])})
            for seq, item in raw.items()}


def _reason(text: str, zh: str, en: str) -> str:
    text = (text or "").strip()
    if len(text) < MIN_REASON:
        raise EngineError(f"请写明{zh}（至少 {MIN_REASON} 个字）/ give {en} of {MIN_REASON} characters or more")
    return text


def ask(desk: Desk, customer_id: int, reason: str) -> int:
    """A consultant asks to see their own customer's full number; returns the request's id."""
    desk.require_customer("customers.follow_up", customer_id)
    if desk.consultant is None:
        raise PermissionDenied("只有置业顾问申请查看号码；经理可直接查看 / only a consultant asks: a manager "
                               "reveals a number on the console")
    reason = _reason(reason, "原因", "a reason")
    consultant = desk.consultant
    store = desk.store

    def work(session: Session) -> dict[str, Any]:
        ref = notes.add_note(session, store.keyring, reason, customer_id, store.clock.now(session))
        return {"customer": customer_id, "consultant": consultant, "reason": ref}

    return store._journal_only(REQUESTED, desk.actor, work)


def decide(desk: Desk, request_id: int, approve: bool, reason: str) -> int:
    """A manager's decision, with a reason; refused when the request was decided meanwhile."""
    desk.require("customers.reveal")
    reason = _reason(reason, "理由", "a reason")
    store = desk.store

    def work(session: Session) -> dict[str, Any]:
        request = _fold(session, desk, _entries(session, request_id)).get(request_id)
        if request is None:
            raise EngineError(f"没有此申请 / no number request #{request_id}")
        if request.status != WAITING:
            raise RequestClosed(f"申请 #{request_id} 已由 {request.decided_by} 处理 / request #{request_id} was "
                                f"already decided by {request.decided_by}")
        ref = notes.add_note(session, store.keyring, reason, request.customer, store.clock.now(session))
        return {"request": request_id, "approved": bool(approve), "reason": ref}

    return store._journal_only(DECIDED, desk.actor, work)


def view(desk: Desk, request_id: int) -> str:
    """The full number, once, to the consultant whose request was approved; the viewing is journalled."""
    desk.require("customers.view")
    store = desk.store
    shown: list[str] = []

    def work(session: Session) -> dict[str, Any]:
        request = _fold(session, desk, _entries(session, request_id)).get(request_id)
        if request is None or request.requested_by != desk.actor:
            raise PermissionDenied(f"不是您的申请 / request #{request_id} is not {desk.actor}'s")
        if request.status == SEEN:
            raise RequestClosed(f"号码已查看过一次 / the number of request #{request_id} was already shown once")
        if request.status != APPROVED:
            raise PermissionDenied(f"申请 #{request_id} 未获批准 / request #{request_id} is {request.status}")
        phone = identity.reveal_phone(session, store.keyring, request.customer)
        if phone is None:
            raise EngineError(f"客户 #{request.customer} 的号码已删除 / customer #{request.customer} was erased")
        shown.append(national_format(phone))
        return {"request": request_id, "customer": request.customer}

    store._journal_only(VIEWED, desk.actor, work)
    return shown[0]


def requests(desk: Desk, *, waiting_only: bool = False) -> list[NumberRequest]:
    """A consultant's own requests; a manager's view: every request (or those waiting). Newest first."""
    desk.require("customers.view")
    with read_session(desk.store.engine) as session:
        found = list(_fold(session, desk, _entries(session)).values())
    if desk.consultant is not None:
        found = [r for r in found if r.requested_by == desk.actor]
    elif not desk.can("customers.reveal"):
        raise PermissionDenied(f"无权限 / {desk.actor} ({desk.role}) may not see number requests")
    if waiting_only:
        found = [r for r in found if r.status == WAITING]
    return sorted(found, key=lambda r: r.id, reverse=True)


def one(desk: Desk, request_id: int) -> NumberRequest:
    for request in requests(desk):
        if request.id == request_id:
            return request
    raise EngineError(f"没有此申请 / no number request #{request_id}")
