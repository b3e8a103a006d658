"""申诉: a consultant holds that a customer is theirs and asks the manager to judge.

The appeal is a judged fact (judge.facts.Appeal, journal kind "appeal"): the engine opens an `appeal`
case with the consultant as claimant and the recommendation the rules give (judge/cases.py). The
written reason is a note (db/notes.py, erasable with the customer); the journal holds its ref.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import evidence, notes, text_rules
from db.database import read_session
from db.models import JournalEntry
from judge import facts as f
from judge.engine import Site
from judge.reasons import EngineError
from service import appeal_guard
from service.desk import MIN_REASON, Desk
from service.roles import PermissionDenied
from service.store import Step, WriteResult

if TYPE_CHECKING:
    from service.store import Store

APPEAL = "appeal"  # journal kind
EVIDENCE = "appeal_evidence"  # journal kind: the photos given with an appeal, by ref
MAX_PHOTOS = 4


def file_appeal(desk: Desk, customer_id: int, reason: str, photos: Sequence[bytes] = ()) -> WriteResult:
    """The logged-in consultant's appeal about `customer_id`, with a written reason and, from a phone,
    photos of evidence (db/evidence.py: encrypted, erased with the customer)."""
    desk.require("cases.appeal")
    consultant = desk.consultant
    if consultant is None:
        raise PermissionDenied(f"只有置业顾问可以申诉 / {desk.actor} is not a consultant")
    _checked_photos(photos)
    return appeal(desk.store, customer_id, consultant, _checked_reason(reason), actor=desk.actor, photos=photos)


def file_appeal_by_phone(desk: Desk, phone: str, reason: str, photos: Sequence[bytes] = ()) -> WriteResult:
    """The appeal form's way in: the consultant types the customer's number (input only: it is hashed
    to find the customer and never shown back). No oracle (service/appeal_guard.py): a number the site does not
    know, the consultant's own customer and one never at the site are refused in the same words, counted,
    and too many such misses pause the consultant's lookups. `photos`: evidence from a phone, as file_appeal
    takes them (checked before the lookup: a file that is no photo is no miss)."""
    desk.require("cases.appeal")
    consultant = desk.consultant
    if consultant is None:
        raise PermissionDenied(f"只有置业顾问可以申诉 / {desk.actor} is not a consultant")
    _checked_reason(reason)  # before any lookup: a bad reason is no miss
    _checked_photos(photos)  # nor is a file that is no photo
    store = desk.store
    until = appeal_guard.paused_until(store, desk.actor)
    if until is not None:
        raise appeal_guard.LookupsPaused(until)
    customer = store.customer_id(phone)  # InvalidPhone for a number that is not a mainland mobile
    if customer is not None and _own_open_appeal(store.site(), customer, consultant):
        return file_appeal(desk, customer, reason, photos)  # refused as still open: their own appeal, no secret
    try:
        if customer is None:
            raise EngineError(appeal_guard.NOT_APPEALABLE)
        return file_appeal(desk, customer, reason, photos)
    except PermissionDenied:
        raise
    except EngineError:
        appeal_guard.record_miss(store, desk.actor, consultant)
        raise EngineError(appeal_guard.NOT_APPEALABLE) from None


def _checked_reason(reason: str) -> str:
    reason = text_rules.check_text(reason, "申诉理由", "reason")
    if len(reason) < MIN_REASON:
        raise EngineError(f"请写明申诉理由（至少 {MIN_REASON} 个字）/ give a reason of {MIN_REASON} characters or more")
    return reason


def _checked_photos(photos: Sequence[bytes]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise EngineError(f"最多 {MAX_PHOTOS} 张照片 / at most {MAX_PHOTOS} photos")
    for photo in photos:
        evidence.media_type(photo)  # a file that is no photo is refused before anything is written


def _own_open_appeal(site: Site, customer_id: int, consultant: str) -> bool:
    cases = (site.cases[i] for i in site.cases_by_customer.get(site.resolve(customer_id), []))
    return any(c.kind == "appeal" and c.status == "open" and c.claimant == consultant for c in cases)


def appeal(store: Store, customer_id: int, consultant: str, reason: str, actor: str | None = None,
           photos: Sequence[bytes] = ()) -> WriteResult:
    """Journals the appeal; the engine refuses it (nothing written, not even the note) when the
    consultant already owns the customer, the customer never visited, or their appeal is still open.
    Photos go in the same write, journalled as `appeal_evidence` {appeal, customer, photos: refs}."""

    def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
        store._check_consultant(session, consultant)
        if site.resolve(customer_id) not in site.customers:
            raise EngineError(f"没有此客户 / no customer #{customer_id}")
        ref = notes.add_note(session, store.keyring, reason, customer_id, at)
        return f.Appeal(seq=seq, at=at, customer=customer_id, consultant=consultant, reason=ref)

    if not photos:
        return store._write(APPEAL, actor or consultant, build)

    def photographed(session: Session, earlier: list[Any], at: datetime) -> dict[str, Any]:
        refs = [evidence.add(session, store.keyring, photo, customer_id, at) for photo in photos]
        return {"appeal": earlier[0].seq, "customer": customer_id, "photos": refs}

    appealed, _ = store._write_steps(actor or consultant, (Step(APPEAL, fact=build), Step(EVIDENCE, entry=photographed)))
    assert isinstance(appealed, WriteResult)
    return appealed


def evidence_photos(store: Store, appeal_seqs: Sequence[int]) -> list[str]:
    """The refs of the photos given with these appeals (their `appeal_evidence` entries), in order."""
    if not appeal_seqs:
        return []
    wanted = set(appeal_seqs)
    with read_session(store.engine) as session:
        payloads = session.scalars(sa.select(JournalEntry.payload).where(JournalEntry.kind == EVIDENCE)
                                   .order_by(JournalEntry.seq))
        return [ref for body in map(json.loads, payloads) if body.get("appeal") in wanted for ref in body["photos"]]
