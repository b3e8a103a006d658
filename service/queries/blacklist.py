"""The 黑名单 page: who is listed now (customers, agents, channels) with when, by whom and why; the
history of changes (the journal's blacklist entries, newest first); and the customer picker.

Customers appear as their masked phone and surname display (138****5678 张*); an erased one as
（已删除）. The picker finds customers as the customers page does (surname, pinyin initials, last four digits,
前三后四, full number); a full number nobody has is offered as a new number (listing it registers it),
shown masked like the rest.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db import notes, search_keys
from db.database import read_session
from db.keys import Keyring
from db.models import Agent, Customer, CustomerSearchKey, JournalEntry
from db.personal import InvalidPhone, is_masked_phone, mask_phone, normalize_phone, parse_masked_phone
from service.blacklist_admin import REASON_KIND
from service.reception import surname_display
from service.store import Store

ERASED = "（已删除）"
PICK_LIMIT = 20  # the picker shows the most recent visitors first
BLACKLIST_KIND = "blacklist"


@dataclass(frozen=True)
class Listed:
    kind: str  # customer | agent | channel
    key: str  # what blacklist_admin.set_listed takes: the customer id as text, the agent or channel name
    shown: str  # 138****5678 张* / the agent / the channel
    channel: str | None  # an agent's channel
    since: datetime | None  # the journal time of the listing (None: listed before the journal kept it)
    by: str | None
    reason: str


@dataclass(frozen=True)
class Change:
    seq: int
    at: datetime
    actor: str
    kind: str
    shown: str
    listed: bool
    reason: str


@dataclass(frozen=True)
class CustomerPick:
    customer_id: int | None  # None: a full number nobody has registered yet
    shown: str
    blacklisted: bool


def customer_labels(session: Session, keyring: Keyring, ids: Iterable[int]) -> dict[int, str]:
    """customer id -> "138****5678 张*" (（已删除） for an erased customer)."""
    wanted = sorted(set(ids))
    labels: dict[int, str] = {}
    for cid, masked, forgotten in session.execute(sa.select(Customer.id, Customer.phone_masked, Customer.forgotten)
                                                  .where(Customer.id.in_(wanted))):
        if forgotten or not masked:
            labels[cid] = ERASED
            continue
        surname = surname_display(session, keyring, cid)
        labels[cid] = f"{mask_phone(masked)} {surname}" if surname else mask_phone(masked)
    return labels | {cid: f"#{cid}" for cid in wanted if cid not in labels}


Entry = tuple[int, datetime, str, dict[str, Any]]  # seq, at, actor, payload


def _entries(session: Session, query: Any) -> list[Entry]:
    """Journal rows (seq, at, actor, payload) with their payloads read."""
    return [(seq, at, actor, json.loads(payload)) for seq, at, actor, payload in session.execute(query)]


def _reasons(session: Session, keyring: Keyring, seqs: set[int]) -> dict[int, str]:
    """blacklist entry seq -> its reason's text. Reason entries are few (one per change): all read."""
    refs: dict[int, str] = {}
    for payload in session.scalars(sa.select(JournalEntry.payload).where(JournalEntry.kind == REASON_KIND)):
        body = json.loads(payload)
        if body.get("entry") in seqs:
            refs[int(body["entry"])] = str(body.get("reason") or "")
    texts = notes.note_texts(session, keyring, list(refs.values()))
    return {seq: texts.get(ref, "") for seq, ref in refs.items()}


def listed(store: Store) -> list[Listed]:
    """Everything on the blacklist now: customers first (newest listing first), then agents, channels."""
    query = (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor, JournalEntry.payload)
             .where(JournalEntry.kind == BLACKLIST_KIND).order_by(JournalEntry.seq))
    with read_session(store.engine) as session:
        changes = _entries(session, query)
        with store._lock:  # the engine cache is read under the store's lock
            site = store.site()
            agents, channels = set(site.blacklisted_agents), set(site.blacklisted_channels)
            latest: dict[tuple[str, str], tuple[int, datetime, str]] = {}
            customers: set[int] = set()  # only a blacklist fact lists a customer: its targets are all there are
            for seq, at, actor, body in changes:  # a customer listed before a merge: listed as the survivor
                kind, target = str(body["target_kind"]), str(body["target"])
                key = str(site.resolve(int(target))) if kind == "customer" else target
                if kind == "customer" and site.customers[int(key)].blacklisted:
                    customers.add(int(key))
                if body.get("listed", True):
                    latest[(kind, key)] = (seq, at, actor)
        reasons = _reasons(session, store.keyring, {seq for seq, _at, _actor in latest.values()})
        labels = customer_labels(session, store.keyring, customers)
        agent_channels = dict(session.execute(sa.select(Agent.name, Agent.channel)
                                              .where(Agent.name.in_(sorted(agents)))).all())

    def entry(kind: str, key: str, shown: str, channel: str | None = None) -> Listed:
        seq, at, actor = latest.get((kind, key), (0, None, None))
        return Listed(kind=kind, key=key, shown=shown, channel=channel, since=at, by=actor,
                      reason=reasons.get(seq, ""))

    found = [entry("customer", str(cid), labels[cid]) for cid in customers]
    found.sort(key=lambda item: -latest.get(("customer", item.key), (0,))[0])
    found += [entry("agent", name, name, agent_channels.get(name)) for name in sorted(agents)]
    found += [entry("channel", name, name) for name in sorted(channels)]
    return found


def history(store: Store, offset: int, limit: int) -> list[Change]:
    """The blacklist changes, newest first, a page at a time."""
    query = (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor, JournalEntry.payload)
             .where(JournalEntry.kind == BLACKLIST_KIND).order_by(JournalEntry.seq.desc())
             .offset(offset).limit(limit))
    with read_session(store.engine) as session:
        rows = _entries(session, query)
        labels = customer_labels(session, store.keyring, [int(str(body["target"])) for *_s, body in rows
                                                          if body["target_kind"] == "customer"])
        reasons = _reasons(session, store.keyring, {seq for seq, *_rest in rows})
    return [Change(seq=seq, at=at, actor=actor, kind=str(body["target_kind"]),
                   shown=labels[int(str(body["target"]))] if body["target_kind"] == "customer" else str(body["target"]),
                   listed=bool(body.get("listed", True)), reason=reasons.get(seq, ""))
            for seq, at, actor, body in rows]


def find_customers(store: Store, text: str) -> list[CustomerPick]:
    """Customers for the picker, as the customers page finds them: a surname, a name, pinyin initials
    or the last four digits (search keys, db/search_keys.py), the 前三后四 form, a full number, or a
    customer number (#123). Input that is none of these raises ValueError (InvalidPhone for a bad
    number); a full number nobody has comes back as a pick without a customer."""
    typed = unicodedata.normalize("NFKC", text).strip()
    compact = re.sub(r"[\s\-().]", "", typed)
    found = aliased(Customer)
    canonical = sa.func.coalesce(found.merged_into, found.id)  # a merged-away number finds its customer
    where: sa.ColumnElement[bool]
    if re.fullmatch(r"#\d{1,9}", compact):
        where = Customer.id == _resolved(store, int(compact[1:]))
    elif is_masked_phone(compact) and re.search(r"\d", compact):
        first3, last4 = parse_masked_phone(compact)
        where = Customer.id.in_(sa.select(canonical).where(found.phone_masked == f"{first3}****{last4}"))
    elif re.fullmatch(r"\+?\d{5,}", compact):
        phone = normalize_phone(typed)  # InvalidPhone: said next to the field
        known = store.customer_id(phone)
        if known is None:
            return [CustomerPick(customer_id=None, shown=mask_phone(phone), blacklisted=False)]
        where = Customer.id == _resolved(store, known)
    else:
        keys = search_keys.query_keys(typed)
        if keys is None:
            raise InvalidPhone("请输入姓氏、拼音首字母、手机号后四位、前三后四或完整号码 / type a surname, pinyin "
                               "initials, the last four digits, 138****5678 or the full number")
        search_keys.ensure_indexed(store.engine, store.keyring)  # customers written before the keys existed (cheap when none)
        digests = search_keys.digests_for(store.keyring, keys)
        where = Customer.id.in_(sa.select(canonical).join(CustomerSearchKey, CustomerSearchKey.customer_id == found.id)
                                .where(CustomerSearchKey.digest.in_(digests)))
    query = (sa.select(Customer.id, Customer.blacklisted)
             .where(where, Customer.merged_into.is_(None), Customer.forgotten.is_(False))
             .order_by(Customer.last_visit_at.desc().nulls_last(), Customer.id.desc()).limit(PICK_LIMIT))
    with read_session(store.engine) as session:
        rows = session.execute(query).all()
        labels = customer_labels(session, store.keyring, [cid for cid, _listed in rows])
    return [CustomerPick(customer_id=cid, shown=labels[cid], blacklisted=bool(listed)) for cid, listed in rows]


def _resolved(store: Store, customer_id: int) -> int:
    """The customer a (possibly merged) id stands for now; -1 for no such customer."""
    with store._lock:
        site = store.site()
        return site.resolve(customer_id) if customer_id in site.customers else -1
