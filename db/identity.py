"""Customers' personal data: looked up by keyed hash, stored encrypted under each customer's own key.

Erasure must erase: the journal outlives every customer, and the site's lookup key stays on site, so
the journal may hold no value computed from a phone or a name (a keyed hash of 138****5678 is found by
trying every number in a second). Facts carry pseudonyms instead: a random token per distinct value
(`Pseudonym`), looked up by the keyed hash in a deletable table. Equal values keep getting the same
token, so the engine matches masked reports (隐号报备) exactly as it did with hashes, and a replay
needs nothing but the journal (no per-entry lookup). When the last customer holding a token is erased,
its row goes and the token in the journal, the engine and its snapshots points at nothing.
We chose this over per-customer tokens mapped back at replay: those make the replay depend on a table
that erasure changes, so a rebuild could judge old masked reports differently from the live engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import personal, search_keys, write_sql
from db.keys import Keyring, decrypt_field, encrypt_field
from db.models import Customer, CustomerKey, FaceTemplate, Identity, Pseudonym, PseudonymHolder


@dataclass(frozen=True)
class PhoneKeys:
    """What the journal and the engine may know of a phone: keyed hashes, never the number."""

    e164: str
    lookup: str
    mask: str  # hash of the 前三后四 form; facts carry its pseudonym (Lookup.pseudonyms), never this
    masked_display: str
    form: str  # the 前三后四 form, 138****5678


def phone_keys(keyring: Keyring, phone: str) -> PhoneKeys:
    e164 = personal.normalize_phone(phone)
    form = personal.masked_form(e164)  # a mainland mobile (normalize_phone) is shown as its 前三后四 form
    return PhoneKeys(e164=e164, lookup=keyring.lookup_hash("phone", e164),
                     mask=keyring.lookup_hash("phone_mask", form), masked_display=form, form=form)


def masked_report_keys(keyring: Keyring, masked: str) -> tuple[str, str]:
    """(mask hash, display form) of a report given as 138****5678."""
    first3, last4 = personal.parse_masked_phone(masked)
    form = f"{first3}****{last4}"
    return keyring.lookup_hash("phone_mask", form), form


def surname_key(keyring: Keyring, name: str | None) -> str | None:
    """Keyed hash of the family name alone. Never journalled (a few hundred surnames are tried at once);
    the facts carry pseudonyms instead (Lookup.pseudonyms)."""
    surname = personal.surname_of(name or "")
    return keyring.lookup_hash("surname", surname) if surname else None


def pseudonym_digests(keyring: Keyring, masked_form: str, name: str | None) -> tuple[str, ...]:
    """Keyed hashes a fact's pseudonyms stand for: the 前三后四 form, and that form with the surname.

    The surname is taken together with the masked form so its token is shared only by customers with
    the same seven visible digits: the engine compares surnames only between equal masks anyway."""
    mask = keyring.lookup_hash("phone_mask", masked_form)
    surname = personal.surname_of(name or "")
    return (mask,) if not surname else (mask, keyring.lookup_hash("mask_surname", f"{masked_form}\x00{surname}"))


def drop_pseudonyms(session: Session, customer_id: int) -> list[str]:
    """Forgets the customer as a holder; the tokens nobody else holds lose their row. Returns those.

    A token another live customer holds (same 前三后四, same surname) must stay for them: the README says
    what that leaves."""
    held = session.scalars(sa.select(PseudonymHolder.token).where(PseudonymHolder.customer_id == customer_id)).all()
    session.execute(sa.delete(PseudonymHolder).where(PseudonymHolder.customer_id == customer_id))
    still_held = set(session.scalars(sa.select(PseudonymHolder.token).where(PseudonymHolder.token.in_(held))))
    orphaned = [token for token in held if token not in still_held]
    if orphaned:
        session.execute(sa.delete(Pseudonym).where(Pseudonym.token.in_(orphaned)))
    return orphaned


def find_customer(session: Session, kind: str, lookup: str) -> int | None:
    return session.scalar(sa.select(Identity.customer_id).where(Identity.kind == kind,
                                                                Identity.lookup_hash == lookup))


def customer_key(session: Session, keyring: Keyring, customer_id: int) -> bytes | None:
    """The customer's data key, or None once it was destroyed (erased customer)."""
    wrapped = session.scalar(sa.select(CustomerKey.wrapped_key).where(CustomerKey.customer_id == customer_id))
    return None if wrapped is None else keyring.unwrap_customer_key(wrapped)


def new_customer(keyring: Keyring, customer_id: int, phone: PhoneKeys, name: str | None,
                  at: datetime) -> tuple[dict[str, Any], bytes, list[write_sql.RowWrite]]:
    """A new customer's row values, data key, and its key and phone identity rows."""
    raw, wrapped = keyring.new_customer_key()
    values: dict[str, Any] = {"created_at": at, "phone_masked": phone.masked_display, "forgotten": False,
                              "name_enc": name_enc(raw, customer_id, name) if name else None}
    rows = [write_sql.insert("customer_keys", {"customer_id": customer_id, "wrapped_key": wrapped}),
            write_sql.insert("identities", {
                "customer_id": customer_id, "kind": "phone", "lookup_hash": phone.lookup, "masked": phone.masked_display,
                "ciphertext": encrypt_field(raw, phone.e164, f"identity:phone:{customer_id}".encode())}),
            *search_keys.key_rows(keyring, customer_id, phone.e164, name)]  # found later by surname, initials, last 4
    return values, raw, rows


def name_enc(key: bytes, customer_id: int, name: str) -> bytes:
    return encrypt_field(key, name, f"customer:name:{customer_id}".encode())


def id_card_row(key: bytes, customer_id: int, number: str, lookup: str) -> write_sql.RowWrite:
    return write_sql.insert("identities", {
        "customer_id": customer_id, "kind": "id_card", "lookup_hash": lookup, "masked": personal.mask_id_card(number),
        "ciphertext": encrypt_field(key, number, f"identity:id_card:{customer_id}".encode())})


def next_customer_id(dialect: str) -> sa.ColumnElement[int]:
    """The id the next customer gets; read under the site's lock, which every customer insert holds."""
    if dialect == "postgresql":
        return sa.func.nextval(sa.func.pg_get_serial_sequence("customers", "id"))
    return sa.select(sa.func.coalesce(sa.func.max(Customer.id), 0) + 1).scalar_subquery()  # SQLite's own rule


def create_customer(session: Session, keyring: Keyring, phone: PhoneKeys, name: str | None,
                    at: datetime) -> int:
    connection = session.connection()
    customer_id: int = connection.execute(sa.select(next_customer_id(connection.dialect.name))).scalar_one()
    values, _, rows = new_customer(keyring, customer_id, phone, name, at)
    write_sql.execute(connection, [write_sql.insert("customers", {"id": customer_id, **values}), *rows])
    return customer_id


def customer_for_phone(session: Session, keyring: Keyring, phone: PhoneKeys, name: str | None,
                       at: datetime) -> int:
    """The customer with this phone, created when new. Callers hold the site's write lock."""
    existing = find_customer(session, "phone", phone.lookup)
    if existing is None:
        return create_customer(session, keyring, phone, name, at)
    if name:
        connection = session.connection()
        row = connection.execute(sa.select(Customer.name_enc, CustomerKey.wrapped_key)
                                 .join(CustomerKey, CustomerKey.customer_id == Customer.id)
                                 .where(Customer.id == existing)).first()
        if row is not None and row.name_enc is None:
            key = keyring.unwrap_customer_key(row.wrapped_key)
            write_sql.execute(connection, [write_sql.update("customers", {
                "id": existing, "name_enc": name_enc(key, existing, name)}),
                *search_keys.key_rows(keyring, existing, None, name)])
    return existing


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


def drop_unheld(session: Session, tokens: set[str]) -> None:
    """Deletes those of `tokens` nobody holds: a masked report's surname, once its customer is erased."""
    held = set(session.scalars(sa.select(PseudonymHolder.token).where(PseudonymHolder.token.in_(tokens))))
    if tokens - held:
        session.execute(sa.delete(Pseudonym).where(Pseudonym.token.in_(sorted(tokens - held))))


def erase_customer(session: Session, customer_id: int) -> list[str]:
    """Crypto-shredding: the key goes, and with it every ciphertext; lookups, masks, pseudonyms and
    faces go too. Returns the pseudonyms whose rows were deleted."""
    orphaned = drop_pseudonyms(session, customer_id)
    session.execute(sa.delete(FaceTemplate).where(FaceTemplate.customer_id == customer_id))
    session.execute(sa.delete(CustomerKey).where(CustomerKey.customer_id == customer_id))
    session.execute(sa.delete(Identity).where(Identity.customer_id == customer_id))
    customer = session.get(Customer, customer_id)
    if customer is not None:
        customer.name_enc = None
        customer.phone_masked = None
        customer.forgotten = True
    return orphaned

