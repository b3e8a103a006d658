"""Reads the kiosk needs about a recognised face, Qt-free: who to ask "是您吗？" and which face key the
journal already knows for them. The full phone stays in memory for the write; the screen shows it masked."""

from __future__ import annotations

from dataclasses import dataclass

from db import identity
from db.database import read_session
from db.personal import mask_phone
from db.search_keys import decrypted_people
from db.service import Store


@dataclass(frozen=True)
class KnownVisitor:
    customer_id: int
    phone: str
    display: str | None  # "张女士"
    face: str | None  # the face key linked by an earlier visit

    @property
    def masked(self) -> str:
        return mask_phone(self.phone)


def known_visitor(store: Store, customer_id: int) -> KnownVisitor | None:
    site = store.site()
    customer = site.resolve(customer_id) if customer_id in site.customers else customer_id
    with read_session(store.engine) as session:  # phone and name in one query: the greeting waits for it
        phone, name = decrypted_people(session, store.keyring, [customer]).get(customer, (None, None))
    if phone is None:
        return None  # erased meanwhile
    state = site.customers.get(customer)
    face = state.faces[0] if state is not None and state.faces else None
    return KnownVisitor(customer, phone, name, face)


def face_of(store: Store, customer_id: int) -> str | None:
    """The face key of an enrolled customer, for a sighting; None when no visit linked one yet."""
    site = store.site()
    state = site.customers.get(site.resolve(customer_id)) if customer_id in site.customers else None
    return state.faces[0] if state is not None and state.faces else None


def phone_of_checkin(store: Store, visit_seq: int) -> str | None:
    """The number a waiting check-in was made with, for reception's one-tap confirmation; it is used for
    the write and never shown."""
    import sqlalchemy as sa

    from db.models import VisitRecord

    with read_session(store.engine) as session:
        customer = session.scalar(sa.select(VisitRecord.registered_as).where(VisitRecord.id == visit_seq))
        return identity.reveal_phone(session, store.keyring, customer) if customer is not None else None
