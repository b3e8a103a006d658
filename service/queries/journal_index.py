"""Which journal entries mention a customer, a visit, a report, a case or a warning: an in-memory index
per store, so a customer's page finds every fact about them without scanning the journal.

The journal holds a fact's references in its JSON payload (`customer`, `visit`, `case_id`...), which no
SQL index covers, and the projections keep only some of them (visits, reports, cases, warnings; not
follow-ups, stage changes, claims, releases, assignments, reveals...). So each station reads the journal
once, keeps (field, id) -> journal seqs, and then reads only the entries written since, like its engine.
Visits and reports are found through their projection tables instead, and sightings, busy, duty and
rule changes name no customer: those kinds (over half of a busy journal) are not read at all. An entry
whose hash changed under the index (a restore) starts it over. Ids are not personal data.

Reading is a regular expression over the canonical JSON (sorted keys, no spaces; a quote inside a string
is escaped, so a key can only match at the payload's own level): a million-entry journal is read in a
few seconds, on a worker, when the 客户 page is built.
"""

from __future__ import annotations

import re
import threading
import weakref
from array import array
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import read_session
from db.journal import GENESIS_HASH
from db.models import JournalEntry

if TYPE_CHECKING:
    from service.store import Store

_TABLE = cast(sa.Table, JournalEntry.__table__)  # Core rows: no ORM work per entry

# payload fields that name another record by id, as the facts and the staff entries write them
REF_FIELDS = ("customer", "id_card_holder", "visit", "report", "case_id", "warning_id")
_REFS = re.compile(r'"(customer|id_card_holder|visit|report|case_id|warning_id)":(\d+)[,}]')
_LISTED_CUSTOMER = re.compile(r'"target":"(\d+)","target_kind":"customer"')  # a blacklist entry
NOT_READ = ("visit", "report", "sighting", "busy", "duty", "rules")  # see the module's docstring
READ_CHUNK = 20_000


class JournalIndex:
    def __init__(self) -> None:
        self.seq = 0
        self.hash = GENESIS_HASH
        self.refs: dict[tuple[str, int], array[int]] = {}
        self.lock = threading.Lock()

    def _add(self, field: str, value: int, seq: int) -> None:
        found = self.refs.get((field, value))
        if found is None:
            self.refs[(field, value)] = array("q", [seq])
        elif found[-1] != seq:
            found.append(seq)

    def _read(self, seq: int, kind: str, payload: str) -> None:
        refs = _REFS.findall(payload)
        for field, value in refs:
            self._add(field, int(value), seq)
        if kind == "blacklist" and (listed := _LISTED_CUSTOMER.search(payload)):
            self._add("customer", int(listed.group(1)), seq)
        elif kind == "dismiss":  # the voided check-in left the visits table: keep it with its customer
            named = dict(refs)
            if "customer" in named and "visit" in named:
                self._add("customer", int(named["customer"]), int(named["visit"]))

    def catch_up(self, session: Session) -> None:
        """Reads the entries written since the last call (all of them the first time)."""
        with self.lock:
            if self.seq and session.scalar(sa.select(JournalEntry.hash).where(JournalEntry.seq == self.seq)) \
                    != self.hash:
                self.seq, self.hash, self.refs = 0, GENESIS_HASH, {}  # the journal was restored: start over
            head = session.execute(sa.select(JournalEntry.seq, JournalEntry.hash)
                                   .order_by(JournalEntry.seq.desc()).limit(1)).first()
            if head is None or head.seq <= self.seq:
                return
            query = (sa.select(_TABLE.c.seq, _TABLE.c.kind, _TABLE.c.payload)
                     .where(_TABLE.c.seq > self.seq, _TABLE.c.seq <= head.seq, _TABLE.c.kind.not_in(NOT_READ))
                     .order_by(_TABLE.c.seq).execution_options(yield_per=READ_CHUNK))
            for seq, kind, payload in session.connection().execute(query):
                self._read(seq, kind, payload)
            self.seq, self.hash = head.seq, head.hash

    def seqs(self, field: str, ids: Iterable[int]) -> set[int]:
        with self.lock:
            found: set[int] = set()
            for value in ids:
                found.update(self.refs.get((field, value), ()))
            return found


_INDEXES: weakref.WeakKeyDictionary[Store, JournalIndex] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def index_of(store: Store) -> JournalIndex:
    with _GUARD:
        index = _INDEXES.get(store)
        if index is None:
            index = _INDEXES[store] = JournalIndex()
        return index


def warm(store: Store) -> int:
    """Brings the store's index up to the journal's head (the customers page starts this in the
    background, so the first customer opened does not wait for the first full read). Returns its seq."""
    index = index_of(store)
    with read_session(store.engine) as session:
        index.catch_up(session)
    return index.seq
