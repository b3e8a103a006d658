"""Search keys of customers (table `customer_search`): how staff find a customer by surname, pinyin
initials or the last four digits of the phone when names and phones are stored encrypted.

Each key is `Keyring.lookup_hash("search", "<kind>:<value>")` beside the customer id: found by exact
key, never readable, deleted with the customer on erasure (db/erasure.py). The kinds:
- `surname:张`, `name:张小明` (the whole name as given, 张女士 too);
- `pinyin:zhang` (the surname read out; every reading of a polyphonic surname: 单 dan/shan);
- `initials:z`, `initials:zx`, `initials:zxm` (every prefix of the name's pinyin initials, so typing
  narrows step by step; polyphonic characters give each reading, at most MAX_READINGS spellings);
- `last4:5678`.
A Latin-letter name ("Zhang Wei") gives surname `zhang`, initials `zw`.

The write path adds `key_rows` to the rows of the transaction that gives a customer a phone or a name
(db/identity.py); `index_customer` does the same in any session. `ensure_indexed` catches up customers written without keys (a database from before
the console, the demo) and runs before the customers page's first search; `reindex_all` rebuilds
everything (after a change to how keys are made).
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
import weakref
from collections.abc import Callable, Iterable
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db import personal, write_sql
from db.database import read_session, run_write
from db.keys import Keyring, decrypt_field
from db.models import Customer, CustomerKey, CustomerSearchKey, Identity

LOOKUP_KIND = "search"
MAX_READINGS = 16  # spellings of one name's initials (polyphonic characters multiply them)
BATCH = 500  # customers per catch-up transaction: the site's write lock is held only briefly
INSERT_ROWS = 450  # rows per INSERT: two parameters each, under SQLite's old limit of 999
_TABLE = cast(sa.Table, CustomerSearchKey.__table__)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def digest(keyring: Keyring, kind: str, value: str) -> str:
    return keyring.lookup_hash(LOOKUP_KIND, f"{kind}:{value}")


def _readings(text: str, first_letter: bool) -> list[list[str]]:
    """Every reading of each character. pypinyin is imported here, on first use: its dictionaries take
    0.15 s to load, which a kiosk starting up should not pay."""
    from pypinyin import Style, pinyin

    style = Style.FIRST_LETTER if first_letter else Style.NORMAL
    return [list(r) for r in pinyin(text, style=style, heteronym=True, errors="ignore")]


def _initials(name: str) -> set[str]:
    """Pinyin initials of a Chinese name in every reading ("张小明" -> {"zxm"}); Latin words' first letters."""
    if not _HAN.search(name):
        return {"".join(word[0] for word in name.lower().split() if word[0].isalpha())} - {""}
    letters = [sorted({r[0].lower() for r in readings if r and r[0].isalpha()})
               for readings in _readings(name, first_letter=True)]
    letters = [choice for choice in letters if choice]
    spellings = itertools.islice(itertools.product(*letters), MAX_READINGS)
    return {"".join(spelling) for spelling in spellings} - {""}


def _surname_pinyin(surname: str) -> set[str]:
    if not _HAN.search(surname):
        return {surname.lower()}
    readings = _readings(surname, first_letter=False)
    spellings = itertools.islice(itertools.product(*[r for r in readings if r]), MAX_READINGS)
    return {"".join(spelling).lower() for spelling in spellings} - {""}


def name_keys(name: str | None) -> set[tuple[str, str]]:
    """(kind, value) keys of a name: surname, whole name, surname pinyin, prefixes of the initials."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name:
        return set()
    name = " ".join(name.split())
    surname = personal.surname_of(name)
    keys = {("name", name.lower())}
    if surname:
        keys.add(("surname", surname.lower()))
        keys.update(("pinyin", spelling) for spelling in _surname_pinyin(surname))
    for spelling in _initials(name):
        keys.update(("initials", spelling[:end]) for end in range(1, len(spelling) + 1))
    return keys


def phone_keys(phone: str | None) -> set[tuple[str, str]]:
    """The last four digits of a full phone number (any written form)."""
    if not phone:
        return set()
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    return {("last4", digits[-4:])} if len(digits) >= 4 else set()


def _insert_ignoring_existing(session: Session, rows: list[dict[str, object]]) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for start in range(0, len(rows), INSERT_ROWS):
        session.execute(insert(_TABLE).values(rows[start:start + INSERT_ROWS]).on_conflict_do_nothing())


def key_rows(keyring: Keyring, customer_id: int, phone: str | None, name: str | None) -> list[write_sql.RowWrite]:
    """The search-key rows of a new customer, or of a name given to a customer who had none, as row writes
    for the write path's one statement (db/write_sql.py). Their keys are new then: a plain insert."""
    keys = phone_keys(phone) | name_keys(name)
    if not keys:
        return []
    return [write_sql.insert(_TABLE.name, *({"digest": digest(keyring, kind, value), "customer_id": customer_id}
                                            for kind, value in sorted(keys)))]


def index_customer(session: Session, keyring: Keyring, customer_id: int, phone: str | None,
                   name: str | None) -> None:
    """Adds the search keys of a customer's phone and/or name, in the caller's transaction. Idempotent."""
    keys = phone_keys(phone) | name_keys(name)
    _insert_ignoring_existing(session, [{"digest": digest(keyring, kind, value), "customer_id": customer_id}
                                        for kind, value in sorted(keys)])


def forget(session: Session, customer_id: int) -> None:
    """Erasure: the customer's search keys go."""
    session.execute(sa.delete(_TABLE).where(_TABLE.c.customer_id == customer_id))


# ---------------------------------------------------------------- catching up, rebuilding
def decrypted_people(session: Session, keyring: Keyring, customer_ids: list[int], *,
                     phones: bool = True) -> dict[int, tuple[str | None, str | None]]:
    """{customer: (full phone, name)} for many customers in one query (the AAD labels are those of
    db/identity.py). Erased customers (no key) are left out."""
    found: dict[int, tuple[str | None, str | None]] = {}
    query = (sa.select(Customer.id, Customer.name_enc, CustomerKey.wrapped_key,
                       Identity.ciphertext if phones else sa.null())
             .join(CustomerKey, CustomerKey.customer_id == Customer.id)
             .where(Customer.id.in_(customer_ids)))
    if phones:
        query = query.outerjoin(Identity, sa.and_(Identity.customer_id == Customer.id, Identity.kind == "phone"))
    for customer_id, name_enc, wrapped, phone_enc in session.execute(query):
        key = keyring.unwrap_customer_key(wrapped)
        name = None if name_enc is None else decrypt_field(key, name_enc, f"customer:name:{customer_id}".encode())
        phone = None if phone_enc is None else decrypt_field(key, phone_enc,
                                                             f"identity:phone:{customer_id}".encode())
        found[customer_id] = (phone, name)
    return found


def _index_batch(engine: Engine, keyring: Keyring, customer_ids: list[int], replace: bool) -> int:
    """Decrypts outside the write lock, then writes the keys of those still not erased in a short write
    (the check inside it is serialised with any erasure by the site's lock)."""
    with read_session(engine) as session:
        people = decrypted_people(session, keyring, customer_ids)
    keys = {cid: phone_keys(phone) | name_keys(name) for cid, (phone, name) in people.items()}

    def write(session: Session) -> int:
        alive = set(session.scalars(sa.select(CustomerKey.customer_id)
                                    .where(CustomerKey.customer_id.in_(list(keys)))))
        if replace:
            session.execute(sa.delete(_TABLE).where(_TABLE.c.customer_id.in_(customer_ids)))
        _insert_ignoring_existing(session, [{"digest": digest(keyring, kind, value), "customer_id": cid}
                                            for cid in sorted(alive) for kind, value in sorted(keys[cid])])
        return len(alive)

    return run_write(engine, write)


def _in_batches(engine: Engine, keyring: Keyring, customer_ids: list[int], replace: bool,
                progress: Callable[[int, int], None] | None) -> int:
    done = 0
    for start in range(0, len(customer_ids), BATCH):
        done += _index_batch(engine, keyring, customer_ids[start:start + BATCH], replace)
        if progress is not None:
            progress(min(start + BATCH, len(customer_ids)), len(customer_ids))
    return done


def unindexed(session: Session, after_id: int = 0) -> list[int]:
    """Customers with a phone (not erased) and no search key at all, with ids above `after_id`."""
    has_key = sa.select(_TABLE.c.customer_id).where(_TABLE.c.customer_id == Identity.customer_id).exists()
    return list(session.scalars(sa.select(Identity.customer_id)
                                .where(Identity.kind == "phone", Identity.customer_id > after_id, ~has_key)
                                .order_by(Identity.customer_id)))


class _Checked:
    """Per database engine: customers up to `through` were checked for keys (catch-up runs once per new customer)."""

    def __init__(self) -> None:
        self.through = 0
        self.lock = threading.Lock()


_CHECKED: weakref.WeakKeyDictionary[Engine, _Checked] = weakref.WeakKeyDictionary()
_CHECKED_GUARD = threading.Lock()


def ensure_indexed(engine: Engine, keyring: Keyring, progress: Callable[[int, int], None] | None = None) -> int:
    """Indexes customers that have no search keys yet; cheap when there are none (one anti-join over
    the customers written since the last call in this process). Returns how many were indexed."""
    with _CHECKED_GUARD:
        checked = _CHECKED.setdefault(engine, _Checked())
    with checked.lock:
        with read_session(engine) as session:
            newest = session.scalar(sa.select(sa.func.max(Customer.id))) or 0
            if newest <= checked.through:
                return 0
            missing = unindexed(session, checked.through)
        done = _in_batches(engine, keyring, missing, False, progress)
        checked.through = newest
        return done


def reindex_all(engine: Engine, keyring: Keyring, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuilds every customer's search keys from their encrypted phone and name (a backfill for a
    database written before the keys existed, or after a change to how they are made)."""
    with read_session(engine) as session:
        customer_ids = list(session.scalars(sa.select(Identity.customer_id).where(Identity.kind == "phone")
                                            .order_by(Identity.customer_id)))
    return _in_batches(engine, keyring, customer_ids, True, progress)


# ---------------------------------------------------------------- searching
def query_keys(text: str) -> set[tuple[str, str]] | None:
    """The keys a typed search looks for: Chinese -> surname and whole name; Latin letters -> initials
    and surname pinyin; four digits -> last four of the phone. None: not something we can search by
    (the page then says what to type). A full number and 138****5678 are handled by the caller."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        return {("last4", text)}
    if re.fullmatch(r"[a-z]+", text):
        return {("initials", text), ("pinyin", text)}
    if _HAN.search(text):
        keys = {("name", text)}
        if personal.surname_of(text) == text or text in personal.COMPOUND_SURNAMES:
            keys.add(("surname", text))
        return keys
    if re.fullmatch(r"[a-z][a-z ]*", text):  # "zhang wei": a Latin-letter name as written
        return {("name", " ".join(text.split()))}
    return None


def digests_for(keyring: Keyring, keys: Iterable[tuple[str, str]]) -> list[str]:
    return sorted(digest(keyring, kind, value) for kind, value in keys)
