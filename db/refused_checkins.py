"""Rows of kiosk check-ins the store refused (table refused_checkin): what an erasure does to them, inside
its own write. The reception task around them (record, list, handle, retention) is
service/kiosk_refusals.py."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import RefusedCheckin

ERASED = "kiosk_checkin_refused_erased"  # journal kind of the erasure of refused check-ins

def shred(session: Session, refs: list[str], at: datetime, actor: str) -> list[str]:
    """Crypto-shreds those of `refs` not yet erased, inside the caller's write; returns them, sorted. The
    caller journals them (ERASED), in the same transaction."""
    rows = session.scalars(sa.select(RefusedCheckin).where(RefusedCheckin.ref.in_(refs),
                                                          RefusedCheckin.wrapped_key.is_not(None))
                           .order_by(RefusedCheckin.ref)).all()
    if rows and session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA secure_delete = ON"))  # the old cells are overwritten with zeros
    for row in rows:
        row.wrapped_key = row.detail_enc = row.phone_masked = row.phone_lookup = None
        if row.handled_at is None:  # nothing is left to act on: the task leaves 今日, closed by the erasure
            row.handled_at, row.handled_by = at, actor
    return [row.ref for row in rows]


def refs_for_phones(session: Session, lookups: list[str]) -> list[str]:
    """The refused check-ins not yet erased whose phone has one of these keyed hashes."""
    return list(session.scalars(sa.select(RefusedCheckin.ref).where(RefusedCheckin.phone_lookup.in_(lookups))))
