"""Reads of the 公海 page: the customers in the public pool, how long and why they are there, and what a
consultant may still claim today.

In the pool (as judge.engine.Site.customer_view decides): nobody owns the customer and they have had a
verified visit, or an owner's protection has lapsed (the projection still names the owner until the next
fact settles the lapse; the engine counts the lapse from `protected_until`). Why: the consultant who had
them gave them up (a `release` in the journal at that time) or their protection lapsed. Since when: the
release or the lapse (CustomerState.lost_at). Customers assigned without a visit and then released are
the only pool members this list leaves out (rare; they are claimable all the same).

Erased and merged customers are not listed. Rows come most recently visited first, paged in SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from db.database import read_session
from db.models import Customer, JournalEntry
from db.personal import mask_phone
from db.search_keys import decrypted_people
from service.desk import Desk
from service.queries.customers import ERASED, surname_display
from service.store import Store

LAPSED, RELEASED = "lapsed", "released"


@dataclass(frozen=True)
class PoolRow:
    customer_id: int
    phone: str  # masked
    surname: str | None
    since: datetime | None  # when the customer entered the pool (None: not known)
    why: str | None  # lapsed | released | None (not known)
    previous_owner: str | None
    channel: str | None
    visit_count: int
    last_visit_at: datetime | None
    blacklisted: bool
    my_cooldown_until: datetime | None  # the viewing consultant may not claim before this (lost or gave up)


@dataclass(frozen=True)
class ClaimAllowance:
    consultant: str | None  # None: a manager's view (no claims of their own)
    limit: int  # pool.daily_claim_limit
    used_today: int  # claims accepted today (the site's local day)
    cooldown_days: int  # pool.reclaim_cooldown_days
    protection_days: int  # pool.claim_protection_days

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used_today)


def _in_pool(now: datetime) -> sa.ColumnElement[bool]:
    unowned = sa.and_(Customer.owner.is_(None), Customer.first_visit_at.is_not(None))
    lapsed = sa.and_(Customer.owner.is_not(None), Customer.protected_until.is_not(None),
                     Customer.protected_until <= now)
    return sa.and_(Customer.merged_into.is_(None), Customer.forgotten.is_(False), sa.or_(unowned, lapsed))


def pool_rows(desk: Desk, offset: int, limit: int) -> list[PoolRow]:
    desk.require("pool.view")
    store = desk.store
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        rows = session.execute(
            sa.select(Customer.id, Customer.phone_masked, Customer.owner, Customer.protected_until, Customer.channel,
                      Customer.visit_count, Customer.last_visit_at, Customer.blacklisted)
            .where(_in_pool(now))
            .order_by(Customer.last_visit_at.desc().nulls_last(), Customer.id.desc())
            .offset(offset).limit(limit)).all()
        names = decrypted_people(session, store.keyring, [r.id for r in rows], phones=False)
    surnames = {r.id: surname_display(names.get(r.id, (None, None))[1]) for r in rows}
    rules = store.rules_at(now)
    cooldown = timedelta(days=rules.reclaim_cooldown_days)
    with store._lock:  # the engine cache is read under the store's lock
        site = store.site()
        lost = {r.id: dict(site.customers[r.id].lost_at) if r.id in site.customers else {} for r in rows}
    releases = _releases(store, {max(times.values()) for times in lost.values() if times})
    me = desk.consultant
    found = []
    for r in rows:
        lost_at = dict(lost[r.id])
        if r.owner is not None:  # a lapse the engine has not settled yet: it counts from protected_until
            lost_at[r.owner] = r.protected_until
        previous, since = max(lost_at.items(), key=lambda item: item[1]) if lost_at else (None, None)
        why = None if since is None else RELEASED if (r.id, since) in releases else LAPSED
        mine = lost_at.get(me) if me is not None else None
        until = mine + cooldown if mine is not None and mine + cooldown > now else None
        found.append(PoolRow(r.id, mask_phone(r.phone_masked) if r.phone_masked else ERASED, surnames[r.id], since,
                             why, previous, r.channel, r.visit_count, r.last_visit_at, bool(r.blacklisted), until))
    return found


def _releases(store: Store, times: set[datetime]) -> set[tuple[int, datetime]]:
    """(customer, time) of the releases journalled at any of `times` (the journal's time is indexed)."""
    if not times:
        return set()
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(JournalEntry.at, JournalEntry.payload)
                               .where(JournalEntry.kind == "release", JournalEntry.at.in_(sorted(times)))).all()
        with store._lock:
            site = store.site()
            return {(site.resolve(json.loads(payload)["customer"]), at) for at, payload in rows}


def pool_size(desk: Desk) -> int:
    desk.require("pool.view")
    with read_session(desk.store.engine) as session:
        now = desk.store.clock.now(session)
        return int(session.scalar(sa.select(sa.func.count()).select_from(Customer).where(_in_pool(now))) or 0)


def claim_allowance(desk: Desk) -> ClaimAllowance:
    """The daily limit and what the logged-in consultant has used of it today, with the cooldown and the
    protection a claim gives: shown before a claim is tapped."""
    desk.require("pool.view")
    store = desk.store
    now = store.now()
    with store._lock:
        site = store.site()
        rules = site.ruleset(now)
        day, count = site.claims_today.get(desk.consultant or "", ("", 0))
    today = now.astimezone(rules.timezone).date().isoformat()
    return ClaimAllowance(desk.consultant, rules.daily_claim_limit, count if day == today else 0,
                          rules.reclaim_cooldown_days, rules.claim_protection_days)
