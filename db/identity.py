"""Customers' personal data: looked up by keyed hash, stored encrypted under each customer's own key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import personal
from db.keys import Keyring, decrypt_field, encrypt_field
from db.models import Customer, CustomerKey, FaceTemplate, Identity


@dataclass(frozen=True)
class PhoneKeys:
    """What the journal and the engine may know of a phone: keyed hashes, never the number."""

    e164: str
    lookup: str
    mask: str  # hash of the 前三后四 form, to match masked channel reports
    masked_display: str


def phone_keys(keyring: Keyring, phone: str) -> PhoneKeys:
    e164 = personal.normalize_phone(phone)
    return PhoneKeys(e164=e164, lookup=keyring.lookup_hash("phone", e164),
                     mask=keyring.lookup_hash("phone_mask", personal.masked_form(e164)),
                     masked_display=personal.mask_phone(e164))


def masked_report_keys(keyring: Keyring, masked: str) -> tuple[str, str]:
    """(mask hash, display form) of a report given as 138****5678."""
    first3, last4 = personal.parse_masked_phone(masked)
    form = f"{first3}****{last4}"
    return keyring.lookup_hash("phone_mask", form), form


def surname_key(keyring: Keyring, name: str | None) -> str | None:
    surname = personal.surname_of(name or "")
    return keyring.lookup_hash("surname", surname) if surname else None


def find_customer(session: Session, kind: str, lookup: str) -> int | None:
    return session.scalar(sa.select(Identity.customer_id).where(Identity.kind == kind,
                                                                Identity.lookup_hash == lookup))


def customer_key(session: Session, keyring: Keyring, customer_id: int) -> bytes | None:
    """The customer's data key, or None once it was destroyed (erased customer)."""
    wrapped = session.scalar(sa.select(CustomerKey.wrapped_key).where(CustomerKey.customer_id == customer_id))
    return None if wrapped is None else keyring.unwrap_customer_key(wrapped)


def create_customer(session: Session, keyring: Keyring, phone: PhoneKeys, name: str | None,
                    at: datetime) -> int:
    raw, wrapped = keyring.new_customer_key()
    customer = Customer(created_at=at, phone_masked=phone.masked_display)
    session.add(customer)
    session.flush()
    session.add(CustomerKey(customer_id=customer.id, wrapped_key=wrapped))
    session.add(Identity(customer_id=customer.id, kind="phone", lookup_hash=phone.lookup,
                         ciphertext=encrypt_field(raw, phone.e164, f"identity:phone:{customer.id}".encode()),
                         masked=phone.masked_display))
    if name:
        customer.name_enc = encrypt_field(raw, name, f"customer:name:{customer.id}".encode())
    session.flush()
    return customer.id


def customer_for_phone(session: Session, keyring: Keyring, phone: PhoneKeys, name: str | None,
                       at: datetime) -> int:
    """The customer with this phone, created when new. Callers hold the site's write lock."""
    existing = find_customer(session, "phone", phone.lookup)
    if existing is None:
        return create_customer(session, keyring, phone, name, at)
    if name:
        customer = session.get(Customer, existing)
        key = customer_key(session, keyring, existing)
        if customer is not None and customer.name_enc is None and key is not None:
            customer.name_enc = encrypt_field(key, name, f"customer:name:{existing}".encode())
    return existing


def id_card_holder(session: Session, keyring: Keyring, id_number: str) -> int | None:
    """The customer already holding this ID-card number, if any."""
    number = personal.validate_id_card(id_number)
    return find_customer(session, "id_card", keyring.lookup_hash("id_card", number))


def add_id_card(session: Session, keyring: Keyring, customer_id: int, id_number: str) -> None:
    number = personal.validate_id_card(id_number)
    lookup = keyring.lookup_hash("id_card", number)
    if find_customer(session, "id_card", lookup) is not None:
        return
    key = customer_key(session, keyring, customer_id)
    if key is None:
        raise ValueError(f"customer {customer_id} was erased")
    session.add(Identity(customer_id=customer_id, kind="id_card", lookup_hash=lookup,
                         ciphertext=encrypt_field(key, number, f"identity:id_card:{customer_id}".encode()),
                         masked=personal.mask_id_card(number)))


def customer_name(session: Session, keyring: Keyring, customer_id: int) -> str | None:
    customer = session.get(Customer, customer_id)
    key = customer_key(session, keyring, customer_id)
    if customer is None or customer.name_enc is None or key is None:
        return None
    return decrypt_field(key, customer.name_enc, f"customer:name:{customer_id}".encode())


def reveal_phone(session: Session, keyring: Keyring, customer_id: int) -> str | None:
    """The full number, for a role that needs it; the caller journals the viewing."""
    key = customer_key(session, keyring, customer_id)
    row = session.scalar(sa.select(Identity).where(Identity.customer_id == customer_id, Identity.kind == "phone"))
    if key is None or row is None:
        return None
    return decrypt_field(key, row.ciphertext, f"identity:phone:{customer_id}".encode())


def erase_customer(session: Session, customer_id: int) -> None:
    """Crypto-shredding: the key goes, and with it every ciphertext; lookups, masks and faces go too."""
    session.execute(sa.delete(FaceTemplate).where(FaceTemplate.customer_id == customer_id))
    session.execute(sa.delete(CustomerKey).where(CustomerKey.customer_id == customer_id))
    session.execute(sa.delete(Identity).where(Identity.customer_id == customer_id))
    customer = session.get(Customer, customer_id)
    if customer is not None:
        customer.name_enc = None
        customer.phone_masked = None
        customer.forgotten = True
