"""Kiosk check-ins the store refused when the kiosk's outbox sent them (no consultant on duty, an unknown
agent, a blacklisted one...). The visitor saw 已登记 and went in, so the check-in must not end in a file
on the kiosk nobody reads: it becomes a task for reception on the console's 今日 page, in the site
database (the console is another process, often another PC), until someone handles it.

`record` journals `kiosk_checkin_refused` (the ref, the kiosk, the arrival time and the hash of the
sealed detail: no personal data) and keeps the row; the check-in (phone, name, channel, agent) and the
refusal's text, which may quote the phone, are sealed under a key of the row's own wrapped by the site's
master key, as db/notes.py does for text without a customer. `handle` (through a Desk, role
reception.confirm) journals `kiosk_checkin_refused_handled` with who did it.

Erasure: the row keeps the phone's keyed lookup hash (the one identities use), so a deletion request by
phone finds it even when the visitor never became a customer (`Store.forget`). `shred` empties the key,
the sealed detail, the masked phone and the lookup, and closes a task still open (handled by the eraser);
the erasing write journals `kiosk_checkin_refused_erased` with the refs. Retention shreds handled rows
whose handling is older than the cutoff (`erase_expired`), an open task stays until someone handles it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import refused_checkins
from db.database import read_session
from db.keys import decrypt_field, encrypt_field
from db.models import RefusedCheckin
from db.personal import InvalidPhone, mask_phone, normalize_phone

if TYPE_CHECKING:
    from service.desk import Desk
    from service.store import Store

REFUSED = "kiosk_checkin_refused"
HANDLED = "kiosk_checkin_refused_handled"
PERMISSION = "reception.confirm"  # who confirms, corrects and dismisses check-ins handles these too
_AAD = b"anchang/refused_checkin/v1:"
_DETAIL = ("phone", "name", "source", "channel", "agent", "id_card", "appointment")


class RefusalNotFound(ValueError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"没有这条被拒登记 / no refused check-in {ref}")


class RefusalHandled(ValueError):
    def __init__(self, by: str | None) -> None:
        super().__init__(f"这条登记已由 {by} 处理 / {by} has handled this check-in already")


@dataclass(frozen=True)
class Refusal:
    """One refused check-in as reception sees it: masked phone, the name as typed, why it was refused."""

    ref: str
    station: str
    arrived_at: datetime
    refused_at: datetime
    phone_masked: str | None
    name: str | None
    channel: str | None
    agent: str | None
    reason: str


def _masked(checkin: dict[str, Any]) -> str | None:
    shown = checkin.get("masked") or (mask_phone(str(checkin["phone"])) if checkin.get("phone") else None)
    return str(shown)[:16] if shown else None


def _phone_lookup(store: Store, checkin: dict[str, Any]) -> str | None:
    """The phone's keyed hash, None without a phone or with one that is no number (a refusal's reason)."""
    try:
        return store.keyring.lookup_hash("phone", normalize_phone(str(checkin["phone"]))) \
            if checkin.get("phone") else None
    except InvalidPhone:
        return None


def record(store: Store, checkin: dict[str, Any], reason: str) -> int:
    """Journals the refused check-in (the `register_visit`/outbox keyword arguments, with its `ref` and
    `arrived_at`) once: a ref already recorded returns its entry's seq and writes nothing, so an outbox
    that resends after a lost answer adds no second task."""
    ref = str(checkin["ref"])
    arrived_at: datetime = checkin["arrived_at"]
    with read_session(store.engine) as session:
        seq = session.scalar(sa.select(RefusedCheckin.seq).where(RefusedCheckin.ref == ref))
    if seq is not None:
        return int(seq)
    detail = {key: checkin.get(key) for key in _DETAIL if checkin.get(key) is not None}
    detail["reason"] = reason
    key, wrapped = store.keyring.new_customer_key()
    sealed = encrypt_field(key, json.dumps(detail, ensure_ascii=False, sort_keys=True), _AAD + ref.encode())

    def work(session: Session) -> dict[str, Any]:
        at = store.clock.now(session)
        seq = store._head().seq + 1  # the entry appended right after this, in the same transaction
        session.add(RefusedCheckin(ref=ref, seq=seq, station=store.station, arrived_at=min(arrived_at, at),
                                   refused_at=at, phone_masked=_masked(checkin),
                                   phone_lookup=_phone_lookup(store, checkin), wrapped_key=wrapped,
                                   detail_enc=sealed))
        session.flush()
        return {"ref": ref, "kiosk": store.station, "arrived_at": arrived_at.isoformat(),
                "detail": sha256(sealed).hexdigest()}

    return store._journal_only(REFUSED, str(checkin.get("actor") or "kiosk"), work)


def open_refusals(store: Store) -> list[Refusal]:
    """Every refused check-in nobody has handled yet, oldest arrival first."""
    with read_session(store.engine) as session:
        rows = session.scalars(sa.select(RefusedCheckin).where(RefusedCheckin.handled_at.is_(None),
                                                               RefusedCheckin.wrapped_key.is_not(None))
                               .order_by(RefusedCheckin.arrived_at, RefusedCheckin.ref)).all()
    found = []
    for row in rows:
        assert row.wrapped_key is not None and row.detail_enc is not None  # erased rows are never open
        key = store.keyring.unwrap_customer_key(row.wrapped_key)
        detail = json.loads(decrypt_field(key, row.detail_enc, _AAD + row.ref.encode()))
        found.append(Refusal(row.ref, row.station, row.arrived_at, row.refused_at, row.phone_masked,
                             detail.get("name"), detail.get("channel"), detail.get("agent"), detail["reason"]))
    return found


def handle(desk: Desk, ref: str) -> int:
    """Marks one refused check-in handled by the desk's user (reception has called the visitor back, or
    registered them at the console); journalled with who. Refused for a role without reception.confirm,
    an unknown ref, or one someone handled already."""
    desk.require(PERMISSION)
    store = desk.store

    def work(session: Session) -> dict[str, Any]:
        row = session.get(RefusedCheckin, ref)
        if row is None:
            raise RefusalNotFound(ref)
        if row.handled_at is not None:
            raise RefusalHandled(row.handled_by)
        row.handled_at, row.handled_by = store.clock.now(session), desk.actor
        return {"ref": ref, "refused": row.seq}

    return store._journal_only(HANDLED, desk.actor, work)



def erase_expired(store: Store, cutoff: datetime, actor: str) -> list[str]:
    """Retention: shreds the handled refused check-ins handled before `cutoff`, journalled as one entry
    (none when there is nothing to erase). Returns their refs."""
    erased: list[str] = []

    def work(session: Session) -> dict[str, Any]:
        expired = list(session.scalars(sa.select(RefusedCheckin.ref).where(
            RefusedCheckin.handled_at < cutoff, RefusedCheckin.wrapped_key.is_not(None))))
        erased[:] = refused_checkins.shred(session, expired, store.clock.now(session), actor)
        return {"refs": erased, "reason": "retention"}

    with read_session(store.engine) as session:
        if session.scalar(sa.select(sa.func.count()).select_from(RefusedCheckin).where(
                RefusedCheckin.handled_at < cutoff, RefusedCheckin.wrapped_key.is_not(None))) == 0:
            return []
    store._journal_only(refused_checkins.ERASED, actor, work)
    return erased
