"""客户 page: the customer list with its search and filters, a page at a time (LIMIT/OFFSET on the
customers projection and its indexes), scoped to what the logged-in user may see.

A consultant sees their own customers and the pool, and that scope is part of the SQL, not a filter of
the screen. Ownership is read as of now: the projection keeps an owner until the next fact touches the
customer, so an owner whose protection has run out counts as the pool here, as the engine says.
Rows carry masked phones and surname displays (张*, 张女士) only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db import personal, search_keys
from db.database import read_session
from db.models import Channel, Consultant, Customer, CustomerSearchKey, Identity
from judge.reasons import EngineError
from service.reception import (
    shown_surname as surname_display,  # the 客户 list's name form, for bulk-decrypted names
)

if TYPE_CHECKING:
    from service.desk import Desk

ERASED = "（已删除）"
BROAD_SEARCH = 1_000  # search keys matched: fewer are listed by id, more are looked up as a set (below)
# PostgreSQL: from this many keys matched, walking the newest-first index finds a page sooner than
# hashing every match first (measured over 100,000 customers: 5,000 matches 12 -> 3 ms hashed, 20,000
# matches 4 ms walked, 7 ms hashed).
WALK_SEARCH = 12_000
STATUSES = ("all", "protected", "pool", "unvisited")
NO_STAGE = "none"


class SearchError(EngineError):
    """A search text we cannot look up: the page shows the message next to the search box."""


@dataclass(frozen=True)
class CustomerFilter:
    text: str = ""  # surname, name, pinyin initials, last 4 digits, full or 138****5678 number
    consultant: str | None = None  # the owner (as of now)
    status: str = "all"  # all | protected | pool | unvisited
    channel: str | None = None  # a channel name, or "natural"
    stage: str | None = None  # pledge | subscribe | contract | cancel | "none" (no stage yet)
    first_visit_from: date | None = None  # site-local dates, both inclusive
    first_visit_to: date | None = None


@dataclass(frozen=True)
class CustomerRow:
    id: int
    surname: str | None  # 张* / 张女士; None without a name; ERASED once erased
    phone_masked: str  # 138****5678; ERASED once erased
    owner: str  # a consultant, "pool" or "none" (as of now)
    protected_until: datetime | None
    frozen: bool
    channel: str | None
    agent: str | None
    stage: str | None
    first_visit_at: datetime | None
    last_visit_at: datetime | None
    visit_count: int
    blacklisted: bool
    forgotten: bool


@dataclass(frozen=True)
class FilterOptions:
    consultants: list[str]
    channels: list[str]


# ---------------------------------------------------------------- conditions
def _protected(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Customer.owner.is_not(None),
                   sa.or_(Customer.protected_until.is_(None), Customer.protected_until > now))


def _pool(now: datetime) -> sa.ColumnElement[bool]:
    """Nobody's now, and seen at the site or lapsed from an owner (judge CustomerView: owner "pool")."""
    return sa.and_(~_protected(now), sa.or_(Customer.first_visit_at.is_not(None),
                                            Customer.protected_until.is_not(None)))


def _unvisited(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(~_protected(now), Customer.first_visit_at.is_(None), Customer.protected_until.is_(None))


def scope(desk: Desk, now: datetime) -> sa.ColumnElement[bool]:
    """What the user may see: everything, or a consultant's own customers and the pool."""
    desk.require("customers.view")
    if desk.sees_all_customers():
        return sa.true()
    mine = sa.and_(_protected(now), Customer.owner == desk.consultant) if desk.consultant else sa.false()
    return sa.or_(mine, _pool(now))


def _local_day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


@dataclass(frozen=True)
class _Found:
    """What a search text finds: a condition on customers; for a search matching many (a surname), the
    same condition written so that SQLite walks the newest-first index instead (`walking`), and on
    PostgreSQL, unless it matches very many, so that the matches are hashed once (`hashed`)."""

    where: sa.ColumnElement[bool]
    broad: bool = False
    walking: sa.ColumnElement[bool] | None = None
    hashed: sa.ColumnElement[bool] | None = None


def _search(session: Session, desk: Desk, text: str) -> _Found:
    """The customers the typed text finds; SearchError for text that cannot be searched."""
    text = unicodedata.normalize("NFKC", text).strip()
    found = aliased(Customer)
    canonical = sa.func.coalesce(found.merged_into, found.id)  # a merged number finds its customer
    compact = re.sub(r"[\s\-]", "", text)
    if personal.is_masked_phone(compact) and re.search(r"\d", compact):
        try:
            first3, last4 = personal.parse_masked_phone(compact)
        except personal.InvalidPhone as exc:
            raise SearchError(str(exc)) from exc
        return _Found(Customer.id.in_(sa.select(canonical).where(found.phone_masked == f"{first3}****{last4}")))
    if re.fullmatch(r"\+?\d{5,}", compact):
        try:
            lookup = desk.store.keyring.lookup_hash("phone", personal.normalize_phone(compact))
        except personal.InvalidPhone as exc:
            raise SearchError(str(exc)) from exc
        return _Found(Customer.id.in_(sa.select(canonical).join(Identity, Identity.customer_id == found.id)
                                      .where(Identity.kind == "phone", Identity.lookup_hash == lookup)))
    keys = search_keys.query_keys(text)
    if keys is None:
        raise SearchError("请输入姓氏、姓名、拼音首字母或手机号后4位 / type a surname, a name, pinyin initials "
                          "or the last 4 digits of the phone")
    digests = search_keys.digests_for(desk.store.keyring, keys)
    matching = sa.select(CustomerSearchKey.customer_id).where(CustomerSearchKey.digest.in_(digests))
    merged = _merged(desk.store)  # a number merged into another customer finds that customer
    targets = sorted({merged[alias] for alias in session.scalars(matching.where(
        CustomerSearchKey.customer_id.in_(list(merged))))}) if merged else []
    count = session.scalar(sa.select(sa.func.count()).select_from(matching.limit(WALK_SEARCH).subquery())) or 0
    if count < BROAD_SEARCH:  # a few: looked up by id and sorted (a planner might walk every customer instead)
        return _Found(Customer.id.in_(sorted(set(session.scalars(matching)) | set(targets))))

    def among(column: Any) -> sa.ColumnElement[bool]:
        found = column.in_(matching)
        return sa.or_(found, Customer.id.in_(targets)) if targets else found

    # Many: walk the last-visit index and stop at a page. PostgreSQL's planner does so by itself, but
    # probes the search keys' index for every customer it passes; under an OR the subquery is not made
    # a join but read once into a hash (`hashed SubPlan`), which is cheaper unless the matches are so
    # many that a page comes after a short walk. SQLite, which keeps no statistics, is kept off the
    # primary key by `id + 0`.
    hashed = sa.or_(Customer.id.in_(matching), Customer.id.in_(targets) if targets else Customer.id < 0)
    return _Found(among(Customer.id), broad=True, walking=among(Customer.id + 0),
                  hashed=hashed if count < WALK_SEARCH else None)


def _merged(store: Any) -> dict[int, int]:
    """alias -> the customer it was merged into (the engine's; rare: a new number of a known face or card)."""
    with store._lock:
        site = store.site()
        return {alias: target for target, aliases in site.aliases.items() for alias in aliases}


def _conditions(session: Session, desk: Desk, flt: CustomerFilter, now: datetime,
                found: _Found | None = None, walk: bool = False) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [Customer.merged_into.is_(None), scope(desk, now)]
    if flt.text.strip():
        found = found or _search(session, desk, flt.text)
        if walk and found.walking is not None:
            where.append(found.walking)
        elif found.hashed is not None and session.get_bind().dialect.name == "postgresql":
            where.append(found.hashed)
        else:
            where.append(found.where)
    if flt.consultant:
        where += [_protected(now), Customer.owner == flt.consultant]
    if flt.status == "protected":
        where.append(_protected(now))
    elif flt.status == "pool":
        where.append(_pool(now))
    elif flt.status == "unvisited":
        where.append(_unvisited(now))
    elif flt.status != "all":
        raise ValueError(f"unknown status filter {flt.status!r}")
    if flt.channel:
        where.append(Customer.channel == flt.channel)
    if flt.stage == NO_STAGE:
        where.append(Customer.stage.is_(None))
    elif flt.stage:
        where.append(Customer.stage == flt.stage)
    if flt.first_visit_from is not None or flt.first_visit_to is not None:
        zone = desk.store.rules_at(now).timezone  # the dates are the site's calendar days
        if flt.first_visit_from is not None:
            where.append(Customer.first_visit_at >= _local_day_start(flt.first_visit_from, zone))
        if flt.first_visit_to is not None:
            where.append(Customer.first_visit_at < _local_day_start(flt.first_visit_to + timedelta(days=1), zone))
    return where


def _row(values: Any, now: datetime, surname: str | None) -> CustomerRow:
    protected = values.owner is not None and (values.protected_until is None or values.protected_until > now)
    if protected:
        owner = values.owner
    else:
        owner = "pool" if values.first_visit_at is not None or values.protected_until is not None else "none"
    erased = bool(values.forgotten)
    return CustomerRow(id=values.id, surname=ERASED if erased else surname,
                       phone_masked=ERASED if erased or not values.phone_masked else values.phone_masked,
                       owner=owner, protected_until=values.protected_until if protected else None,
                       frozen=bool(values.frozen) and protected, channel=values.channel, agent=values.agent,
                       stage=values.stage, first_visit_at=values.first_visit_at, last_visit_at=values.last_visit_at,
                       visit_count=values.visit_count or 0, blacklisted=bool(values.blacklisted), forgotten=erased)


def list_customers(desk: Desk, flt: CustomerFilter, offset: int, limit: int) -> list[CustomerRow]:
    """One page of the customers the user may see that match `flt`, the most recently visited first."""
    store = desk.store
    if flt.text.strip():
        search_keys.ensure_indexed(store.engine, store.keyring)
    with read_session(store.engine) as session:
        _serial(session)
        now = store.clock.now(session)
        found = _search(session, desk, flt.text) if flt.text.strip() else None
        sqlite = session.get_bind().dialect.name == "sqlite"
        walk = sqlite and found is not None and found.broad \
            and flt == CustomerFilter(text=flt.text)  # no filter narrows it further: a page is found early
        where = _conditions(session, desk, flt, now, found, walk)
        rows = _newest_first(session, where, offset, limit)
        names = search_keys.decrypted_people(session, store.keyring, [r.id for r in rows if not r.forgotten],
                                             phones=False)
    return [_row(r, now, surname_display(names.get(r.id, (None, None))[1])) for r in rows]


def _serial(session: Session) -> None:
    """PostgreSQL: no parallel workers for this transaction's short queries (starting them cost more than
    they saved: 80 ms against 46 for a surname over 100,000 customers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))


_COLUMNS = (Customer.id, Customer.phone_masked, Customer.forgotten, Customer.owner, Customer.protected_until,
            Customer.frozen, Customer.channel, Customer.agent, Customer.stage, Customer.first_visit_at,
            Customer.last_visit_at, Customer.visit_count, Customer.blacklisted)


def _newest_first(session: Session, where: list[sa.ColumnElement[bool]], offset: int, limit: int) -> list[Any]:
    """Rows `offset` to `offset + limit` by last visit, newest first, then those never visited (newest
    customer first). In two queries rather than one ORDER BY ... NULLS LAST, which PostgreSQL cannot
    read from the last-visit index: the visited part walks that index and stops at the page."""
    visited = list(session.execute(sa.select(*_COLUMNS).where(*where, Customer.last_visit_at.is_not(None))
                                   .order_by(Customer.last_visit_at.desc(), Customer.id.desc())
                                   .offset(offset).limit(limit)).all())
    if len(visited) == limit:
        return visited
    if visited or offset == 0:
        visited_in_all = offset + len(visited)
    else:  # the page lies past the visited ones: how many were there?
        visited_in_all = session.scalar(sa.select(sa.func.count()).select_from(Customer)
                                        .where(*where, Customer.last_visit_at.is_not(None))) or 0
    never = session.execute(sa.select(*_COLUMNS).where(*where, Customer.last_visit_at.is_(None))
                            .order_by(Customer.id.desc()).offset(max(0, offset - visited_in_all))
                            .limit(limit - len(visited))).all()
    return visited + list(never)


def count_customers(desk: Desk, flt: CustomerFilter) -> int:
    store = desk.store
    if flt.text.strip():
        search_keys.ensure_indexed(store.engine, store.keyring)
    with read_session(store.engine) as session:
        _serial(session)
        now = store.clock.now(session)
        where = _conditions(session, desk, flt, now)
        return int(session.scalar(sa.select(sa.func.count()).select_from(Customer).where(*where)) or 0)


def filter_options(desk: Desk) -> FilterOptions:
    desk.require("customers.view")
    with read_session(desk.store.engine) as session:
        consultants = list(session.scalars(sa.select(Consultant.name).where(Consultant.active)
                                           .order_by(Consultant.name)))
        channels = list(session.scalars(sa.select(Channel.name).order_by(Channel.name)))
    return FilterOptions(consultants=consultants, channels=channels)
