"""Erasing a customer everywhere the database keeps them, and then from the storage files.

`erase` runs inside the erasure's transaction: the key, identities, faces, pseudonyms the customer alone
held, their notes, and the masked numbers the projections show for them (the kiosk check-ins refused
with their phone go in the same write: Store._erase, service/kiosk_refusals.py). After the commit,
db/scrub.py scrubs the storage so that deleted bytes do not linger in the files a backup copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import evidence, identity, notes, search_keys
from db.models import Identity, Report
from db.scrub import Scrub
from judge.engine import Site


@dataclass(frozen=True)
class Forgotten:
    """What one erasure erased: the customer (None: the phone had only refused check-ins), the refused
    kiosk check-ins shredded, and how the storage scrub went (None when the caller scrubs later)."""

    customer: int | None
    refused_checkins: tuple[str, ...]
    scrub: Scrub | None


def erase(session: Session, site: Site, customer_id: int) -> list[str]:
    """Returns the keyed hashes of the customer's phones, read before their identities go."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA secure_delete = ON"))  # deleted cells are overwritten with zeros
    phones = list(session.scalars(sa.select(Identity.lookup_hash).where(Identity.customer_id == customer_id,
                                                                       Identity.kind == "phone")))
    orphaned = identity.erase_customer(session, customer_id)
    notes.erase_notes(session, customer_id)
    evidence.erase(session, customer_id)  # appeals' photos
    search_keys.forget(session, customer_id)  # keyed hashes of surname, initials, last four digits
    # Reports show the masked number the channel gave: the customer's own reports, and the masked
    # reports (隐号报备) whose pseudonym went with them.
    state = site.customers.get(customer_id)
    report_ids = set(session.scalars(sa.select(Report.id).where(Report.customer_id == customer_id)))
    if state is not None and state.mask in orphaned:
        masked_reports = site.reports_by_mask.get(state.mask, [])
        report_ids.update(masked_reports)
        # a masked report's mask + surname token, if no customer holds it, would still name the form
        identity.drop_unheld(session, {s for r in masked_reports if (s := site.reports[r].surname) is not None})
    if report_ids:
        session.execute(sa.update(Report).where(Report.id.in_(sorted(report_ids))).values(phone_masked=None))
    return phones
