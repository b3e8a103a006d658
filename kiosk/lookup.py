"""Reads the kiosk needs about a returning visitor, recognised by face or by the phone they typed, Qt-free:
who to ask "是您吗？" and which face key the journal already knows for them. The full phone and name stay
in memory for the write; the screen shows them masked (张女士 or 孙**, 138****5678)."""

from __future__ import annotations

from dataclasses import dataclass

from db import identity
from db.database import read_session
from db.personal import mask_phone
from db.search_keys import decrypted_people
from service.reception import shown_surname
from service.store import Store


@dataclass(frozen=True)
class KnownVisitor:
    customer_id: int
    phone: str
    name: str | None  # as kept: "张女士", or the full name an ID card gave ("孙小美"); never shown
    face: str | None  # the face key linked by an earlier visit

    @property
    def masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def display(self) -> str | None:
        """The name a public screen may show: 张女士 as given, a full name as 孙** (reception.shown_surname)."""
        return shown_surname(self.name)


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


def known_by_phone(store: Store, phone: str) -> KnownVisitor | None:
    """The customer a typed number belongs to, found by its keyed hash; None for a number never seen (or
    erased). One read, never the engine: the phone screen gives it a few hundred milliseconds at most."""
    keys = identity.phone_keys(store.keyring, phone)
    with read_session(store.engine) as session:
        customer = identity.find_customer(session, "phone", keys.lookup)
        if customer is None:
            return None
        people = decrypted_people(session, store.keyring, [customer], phones=False)
    if customer not in people:
        return None  # erased meanwhile: nothing to greet
    return KnownVisitor(customer, keys.e164, people[customer][1], None)


def face_of(store: Store, customer_id: int) -> str | None:
    """The face key of an enrolled customer, for a sighting; None when no visit linked one yet."""
    site = store.site()
    state = site.customers.get(site.resolve(customer_id)) if customer_id in site.customers else None
    return state.faces[0] if state is not None and state.faces else None
