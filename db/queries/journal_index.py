"""Which journal entries mention a customer, a visit, a report, a case or a warning: an in-memory index
per store, so a customer's page finds every fact about them without scanning the journal.

The journal holds a fact's references in its JSON payload (`customer`, `visit`, `case_id`...), which no
SQL index covers, and the projections keep only some of them (visits, reports, cases, warnings; not
follow-ups, stage changes, claims, releases, assignments, reveals...). So each station reads the journal
once, keeps (field, id) -> journal seqs, and then reads only the entries written since, like its engine.
An entry whose hash changed under the index (a restore) starts it over. Ids are not personal data.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from array import array
from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import read_session
from db.journal import GENESIS_HASH
from db.models import JournalEntry

if TYPE_CHECKING:
    from db.service import Store

# payload fields that name another record by id, as the facts and the staff entries write them
REF_FIELDS = ("customer", "id_card_holder", "visit", "report", "case_id", "warning_id")
_MENTIONS = re.compile(r'"(?:customer|id_card_holder|visit|report|case_id|warning_id|target_kind)":')
READ_CHUNK = 20_000


class JournalIndex:
    def __init__(self) -> None:
        self.seq = 0
        self.hash = GENESIS_HASH
        self.refs: dict[tuple[str, int], array[int]] = {}
        self.lock = threading.Lock()

    def _add(self, field: str, value: object, seq: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            return
        found = self.refs.get((field, value))
        if found is None:
            self.refs[(field, value)] = array("q", [seq])
        elif found[-1] != seq:
            found.append(seq)

    def _read(self, seq: int, kind: str, payload: str) -> None:
        if not _MENTIONS.search(payload):
            return  # duty, busy, sightings, rules, staff...: nothing to index (and no JSON parsing)
        data = json.loads(payload)
        if not isinstance(data, dict):
            return
        for field in REF_FIELDS:
            self._add(field, data.get(field), seq)
        if kind == "blacklist" and data.get("target_kind") == "customer" and str(data.get("target", "")).isdigit():
            self._add("customer", int(data["target"]), seq)

    def catch_up(self, session: Session) -> None:
        """Reads the entries written since the last call (all of them the first time)."""
        with self.lock:
            if self.seq and session.scalar(sa.select(JournalEntry.hash).where(JournalEntry.seq == self.seq)) \
                    != self.hash:
                self.seq, self.hash, self.refs = 0, GENESIS_HASH, {}  # the journal was restored: start over
            last = None
            query = (sa.select(JournalEntry.seq, JournalEntry.kind, JournalEntry.payload, JournalEntry.hash)
                     .where(JournalEntry.seq > self.seq).order_by(JournalEntry.seq)
                     .execution_options(yield_per=READ_CHUNK))
            for seq, kind, payload, entry_hash in session.execute(query):
                self._read(seq, kind, payload)
                last = (seq, entry_hash)
            if last is not None:
                self.seq, self.hash = last

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
