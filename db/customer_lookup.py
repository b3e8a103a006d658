"""What a write needs of the identity tables (db/identity.py), asked under the site's lock in the
statement that replays the journal (db/write_reads.py), and the rows the answers make it write.

A kiosk's check-in needs the customer of its phone (or the id a new one gets), the pseudonyms of the
fact, maybe an ID card's holder and a returning customer's key: each was a round trip of its own, with
ORM flushes, while every other kiosk waited. The keyed hashes are computed before the lock; the rows a
new customer, a new pseudonym or a new holder needs go into the write's one statement.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from db import identity, search_keys, write_sql
from db.identity import PhoneKeys
from db.keys import Keyring
from db.models import Customer, CustomerKey, Identity, Pseudonym, PseudonymHolder
from db.write_reads import Probe


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
        self.digests = () if form is None else identity.pseudonym_digests(keyring, form, name)
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
                asked.append(sa.case((customer.is_(None), identity.next_customer_id(dialect))).label("l_new"))
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
            values, self._key, rows = identity.new_customer(self.keyring, self._new_id, self.phone, self.name, at)
            self._customer_values = values
            self._rows.extend(rows)
        return self._new_id

    def add_name(self) -> None:
        """A returning customer's name, kept when they had none (encrypted under their key)."""
        if self.found is None or self.name is None or not self._name_missing or self._wrapped is None:
            return
        key = self.keyring.unwrap_customer_key(self._wrapped)
        self._customer_values["name_enc"] = identity.name_enc(key, self.found, self.name)
        self._rows.extend(search_keys.key_rows(self.keyring, self.found, None, self.name))

    def add_id_card(self, customer_id: int) -> None:
        """The ID card, held by nobody yet, becomes the customer's (found or just made)."""
        assert self.id_card is not None and self.id_lookup is not None
        key = self._key if customer_id == self._new_id else (
            None if self._wrapped is None else self.keyring.unwrap_customer_key(self._wrapped))
        if key is None:
            raise ValueError(f"customer {customer_id} was erased")
        self._rows.append(identity.id_card_row(key, customer_id, self.id_card, self.id_lookup))

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
