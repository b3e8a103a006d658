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

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import personal, write_sql
from db.keys import Keyring, decrypt_field, encrypt_field
from db.models import Customer, CustomerKey, FaceTemplate, Identity, Pseudonym, PseudonymHolder
from db.write_reads import Probe


@dataclass(frozen=True)
class PhoneKeys:
    """What the journal and the engine may know of a phone: keyed hashes, never the number."""

    e164: str
    lookup: str
    mask: str  # hash of the 前三后四 form; facts carry its pseudonym (fact_pseudonyms), never this
    masked_display: str
    form: str  # the 前三后四 form, 138****5678


def phone_keys(keyring: Keyring, phone: str) -> PhoneKeys:
    e164 = personal.normalize_phone(phone)
    form = personal.masked_form(e164)
    return PhoneKeys(e164=e164, lookup=keyring.lookup_hash("phone", e164),
                     mask=keyring.lookup_hash("phone_mask", form),
                     masked_display=personal.mask_phone(e164), form=form)


def masked_report_keys(keyring: Keyring, masked: str) -> tuple[str, str]:
    """(mask hash, display form) of a report given as 138****5678."""
    first3, last4 = personal.parse_masked_phone(masked)
    form = f"{first3}****{last4}"
    return keyring.lookup_hash("phone_mask", form), form


def surname_key(keyring: Keyring, name: str | None) -> str | None:
    """Keyed hash of the family name alone. Never journalled (a few hundred surnames are tried at once);
    the facts carry `fact_pseudonyms` instead."""
    surname = personal.surname_of(name or "")
    return keyring.lookup_hash("surname", surname) if surname else None


def pseudonym_digests(keyring: Keyring, masked_form: str, name: str | None) -> tuple[str, ...]:
    """Keyed hashes a fact's pseudonyms stand for: the 前三后四 form, and that form with the surname.

    The surname is taken together with the masked form so its token is shared only by customers with
    the same seven visible digits: the engine compares surnames only between equal masks anyway."""
    mask = keyring.lookup_hash("phone_mask", masked_form)
    surname = personal.surname_of(name or "")
    return (mask,) if not surname else (mask, keyring.lookup_hash("mask_surname", f"{masked_form}\x00{surname}"))


def pseudonym(session: Session, digest: str, customer: int | None) -> str:
    """The token standing for `digest`, made on first use; `customer` is recorded as one of its holders.
    Callers hold the site's write lock, so two stations never make two tokens for one value."""
    connection = session.connection()
    token = connection.scalar(sa.select(Pseudonym.token).where(Pseudonym.digest == digest))
    writes = []
    if token is None:
        token = secrets.token_hex(16)
        writes.append(write_sql.insert("pseudonyms", {"digest": digest, "token": token}))
    if customer is not None and connection.scalar(sa.select(sa.exists().where(
            PseudonymHolder.token == token, PseudonymHolder.customer_id == customer))) is not True:
        writes.append(write_sql.insert("pseudonym_holders", {"token": token, "customer_id": customer}))
    write_sql.execute(connection, writes)
    return token


def fact_pseudonyms(session: Session, keyring: Keyring, masked_form: str, name: str | None,
                    customer: int | None) -> tuple[str, str | None]:
    """(mask, surname) tokens for a fact (see pseudonym_digests)."""
    tokens = [pseudonym(session, digest, customer) for digest in pseudonym_digests(keyring, masked_form, name)]
    return tokens[0], (tokens[1] if len(tokens) > 1 else None)


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


def _new_customer(keyring: Keyring, customer_id: int, phone: PhoneKeys, name: str | None,
                  at: datetime) -> tuple[dict[str, Any], bytes, list[write_sql.RowWrite]]:
    """A new customer's row values, data key, and its key and phone identity rows."""
    raw, wrapped = keyring.new_customer_key()
    values: dict[str, Any] = {"created_at": at, "phone_masked": phone.masked_display, "forgotten": False,
                              "name_enc": _name_enc(raw, customer_id, name) if name else None}
    rows = [write_sql.insert("customer_keys", {"customer_id": customer_id, "wrapped_key": wrapped}),
            write_sql.insert("identities", {
                "customer_id": customer_id, "kind": "phone", "lookup_hash": phone.lookup, "masked": phone.masked_display,
                "ciphertext": encrypt_field(raw, phone.e164, f"identity:phone:{customer_id}".encode())})]
    return values, raw, rows


def _name_enc(key: bytes, customer_id: int, name: str) -> bytes:
    return encrypt_field(key, name, f"customer:name:{customer_id}".encode())


def _id_card_row(key: bytes, customer_id: int, number: str, lookup: str) -> write_sql.RowWrite:
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
    values, _, rows = _new_customer(keyring, customer_id, phone, name, at)
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
                "id": existing, "name_enc": _name_enc(key, existing, name)})])
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
    write_sql.execute(session.connection(), [_id_card_row(key, customer_id, number, lookup)])


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


class Lookup(Probe):
    """A write's questions to the identity tables, answered by the statement that replays the journal
    under the site's lock (db/write_reads.py), so they cost no round trip; the keyed hashes are computed
    before the lock. Then, under the lock, `customer()`, `pseudonyms()` and `id_card_holder` decide what
    the write adds, and `writes()` / `customer_rows()` say it as rows for the write's one statement.

    `phone`: the customer of this number (made when new if `create`); `form` and `name`: the fact's
    pseudonyms (the 前三后四 form, with the surname); `id_card`: a validated ID-card number."""

    def __init__(self, keyring: Keyring, *, phone: PhoneKeys | None = None, create: bool = True,
                 form: str | None = None, name: str | None = None, id_card: str | None = None) -> None:
        self.keyring, self.phone, self.create, self.name = keyring, phone, create, name or None
        self.digests = () if form is None else pseudonym_digests(keyring, form, name)
        self.id_card = id_card
        self.id_lookup = None if id_card is None else keyring.lookup_hash("id_card", id_card)
        self.found: int | None = None  # the customer of the phone, as read under the lock
        self.id_card_holder: int | None = None
        self._new_id: int | None = None
        self._tokens: list[str | None] = []
        self._held: list[bool] = []
        self._name_missing = False
        self._wrapped: bytes | None = None
        self._key: bytes | None = None  # a new customer's data key
        self._customer_values: dict[str, Any] = {}
        self._rows: list[write_sql.RowWrite] = []
        self._holders_of: int | None = None

    def signature(self) -> tuple[Any, ...]:
        return ("identity", self.phone is not None, self.create, len(self.digests), self.name is not None,
                self.id_card is not None)

    def columns(self, dialect: str) -> list[sa.ColumnElement[Any]]:
        asked: list[sa.ColumnElement[Any]] = []
        customer: Any = sa.null()
        if self.phone is not None:
            customer = _customer_of("phone", "l_phone")
            asked.append(customer.label("l_customer"))
            if self.create:
                asked.append(sa.case((customer.is_(None), next_customer_id(dialect))).label("l_new"))
            if self.name is not None or self.id_card is not None:  # a returning customer's name or ID card
                asked.append(sa.select(sa.case((Customer.name_enc.is_(None), 1), else_=0))
                             .where(Customer.id == customer).scalar_subquery().label("l_no_name"))
                asked.append(sa.select(CustomerKey.wrapped_key).where(CustomerKey.customer_id == customer)
                             .scalar_subquery().label("l_key"))
        for i in range(len(self.digests)):
            digest = sa.bindparam(f"l_d{i}", type_=sa.String)
            asked.append(sa.select(Pseudonym.token).where(Pseudonym.digest == digest).scalar_subquery()
                         .label(f"l_t{i}"))
            asked.append(sa.exists().where(PseudonymHolder.token == Pseudonym.token, Pseudonym.digest == digest,
                                           PseudonymHolder.customer_id == customer).label(f"l_h{i}"))
        if self.id_card is not None:
            asked.append(_customer_of("id_card", "l_id").label("l_id_holder"))
        return asked

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {f"l_d{i}": digest for i, digest in enumerate(self.digests)}
        if self.phone is not None:
            values["l_phone"] = self.phone.lookup
        if self.id_lookup is not None:
            values["l_id"] = self.id_lookup
        return values

    def read(self, row: sa.RowMapping) -> None:
        self.found = row["l_customer"] if self.phone is not None else None
        self._new_id = row["l_new"] if self.phone is not None and self.create else None
        if self.found is not None and (self.name is not None or self.id_card is not None):
            self._name_missing, self._wrapped = bool(row["l_no_name"]), row["l_key"]
        self._tokens = [row[f"l_t{i}"] for i in range(len(self.digests))]
        self._held = [bool(row[f"l_h{i}"]) for i in range(len(self.digests))]
        self.id_card_holder = row["l_id_holder"] if self.id_card is not None else None
        self._customer_values, self._rows, self._key = {}, [], None

    def customer(self, at: datetime) -> int | None:
        """The phone's customer; with `create`, made now (its rows go with the write) when there is none."""
        if self.found is not None or not self.create or self.phone is None:
            return self.found
        assert self._new_id is not None, "read() under the lock first"
        if self._key is None:
            values, self._key, rows = _new_customer(self.keyring, self._new_id, self.phone, self.name, at)
            self._customer_values = values
            self._rows.extend(rows)
        return self._new_id

    def add_name(self) -> None:
        """A returning customer's name, kept when they had none (encrypted under their key)."""
        if self.found is None or self.name is None or not self._name_missing or self._wrapped is None:
            return
        key = self.keyring.unwrap_customer_key(self._wrapped)
        self._customer_values["name_enc"] = _name_enc(key, self.found, self.name)

    def add_id_card(self, customer_id: int) -> None:
        """The ID card, held by nobody yet, becomes the customer's (found or just made)."""
        assert self.id_card is not None and self.id_lookup is not None
        key = self._key if customer_id == self._new_id else (
            None if self._wrapped is None else self.keyring.unwrap_customer_key(self._wrapped))
        if key is None:
            raise ValueError(f"customer {customer_id} was erased")
        self._rows.append(_id_card_row(key, customer_id, self.id_card, self.id_lookup))

    def pseudonyms(self, customer: int | None) -> tuple[str, str | None]:
        """(mask, surname) tokens of the fact, made when new; `customer` becomes a holder of each."""
        tokens: list[str] = []
        for i, digest in enumerate(self.digests):
            token = self._tokens[i]
            if token is None:
                token = self._tokens[i] = secrets.token_hex(16)
                self._rows.append(write_sql.insert("pseudonyms", {"digest": digest, "token": token}))
            if customer is not None and not (self._held[i] and customer == self.found):
                self._rows.append(write_sql.insert("pseudonym_holders", {"token": token, "customer_id": customer}))
            tokens.append(token)
        return tokens[0], (tokens[1] if len(tokens) > 1 else None)

    def writes(self) -> list[write_sql.RowWrite]:
        return self._merged_rows()

    def customer_rows(self) -> dict[int, tuple[bool, dict[str, Any]]]:
        if self._key is not None:
            return {self._new_id: (True, self._customer_values)}  # type: ignore[dict-item]
        if self._customer_values and self.found is not None:
            return {self.found: (False, self._customer_values)}
        return {}

    def _merged_rows(self) -> list[write_sql.RowWrite]:
        """One insert per table (the write sends one statement per table)."""
        by_table: dict[str, list[dict[str, Any]]] = {}
        for row in self._rows:
            by_table.setdefault(row.table, []).extend(row.rows)
        return [write_sql.insert(table, *rows) for table, rows in by_table.items()]


def _customer_of(kind: str, parameter: str) -> Any:
    return (sa.select(Identity.customer_id)
            .where(Identity.kind == kind, Identity.lookup_hash == sa.bindparam(parameter, type_=sa.String))
            .scalar_subquery())
