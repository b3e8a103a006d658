"""What the 今日 page reads: today's visits (the live feed) with their stays, the day's counts, the reception
queue with the customer ids the Desk acts on, and stays per consultant for the daily report.

Phones are masked (erased customers show as （已删除）), names reduced to the surname display; a
consultant's feed holds only the visits given to them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from db.database import read_session
from db.models import CheckinRef, Customer, JournalEntry, VisitRecord, VisitStay
from db.personal import mask_phone
from db.search_keys import decrypted_people
from judge import facts as f
from service.live import Arrival, owner_arrivals
from service.reception import pending_checkins, shown_surname

if TYPE_CHECKING:
    from service.store import Store

ERASED = "（已删除）"


@dataclass(frozen=True)
class Day:
    start: datetime  # UTC bounds of the site's local day
    end: datetime
    now: datetime
    zone: ZoneInfo


@dataclass(frozen=True)
class TodayVisit:
    visit_seq: int
    arrived_at: datetime  # the kiosk's check-in time when it sent one, else when the visit was registered
    customer_id: int  # the customer the number given belongs to (the Desk acts on it)
    phone_masked: str
    surname: str | None
    first_visit: bool
    verified: bool
    consultant: str | None  # who received the check-in
    channel: str | None  # None: a natural visit
    agent: str | None
    source: str | None  # how the visitor heard of the project (kiosk)
    stay_consultant: str | None = None
    stay_started: datetime | None = None
    stay_ended: datetime | None = None

    @property
    def stay_seconds(self) -> int | None:
        """停留时长 of an ended reception."""
        if self.stay_started is None or self.stay_ended is None:
            return None
        return max(0, int((self.stay_ended - self.stay_started).total_seconds()))

    @property
    def receiving(self) -> bool:
        return self.stay_started is not None and self.stay_ended is None


@dataclass(frozen=True)
class TodaySummary:
    day: Day
    visits: int
    first_visits: int
    waiting: int  # check-ins waiting for reception, of any day (the queue's rows; a consultant's own)
    receiving: int  # receptions started and not ended


@dataclass(frozen=True)
class QueueRow:
    visit_seq: int
    customer_id: int
    at: datetime
    phone_masked: str
    surname: str | None
    consultant: str | None
    channel: str | None = None  # the channel the check-in named (None: natural)
    agent: str | None = None
    arrival: int | None = None  # a later check-in of an arrival: its first check-in's seq
    arrival_size: int = 1  # how many check-ins the arrival has (confirming one confirms them all)


@dataclass(frozen=True)
class ConsultantStays:
    consultant: str
    stays: int  # ended receptions
    total_seconds: int
    open: int  # started, not ended

    @property
    def average_seconds(self) -> int | None:
        return self.total_seconds // self.stays if self.stays else None


def today(store: Store, now: datetime | None = None) -> Day:
    """The site's local day around `now` (the store's clock by default)."""
    now = now or store.now()
    zone = store.rules_at(now).timezone
    start = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    return Day(start=start.astimezone(UTC), end=(start + timedelta(days=1)).astimezone(UTC), now=now, zone=zone)


def _masked(masked: str | None, forgotten: bool | None) -> str:
    return ERASED if forgotten or not masked else mask_phone(masked)


def _visits_query(day: Day, consultant: str | None):  # noqa: ANN202 - a Select of six typed columns
    query = (sa.select(VisitRecord.id, VisitRecord.at, VisitRecord.registered_as, VisitRecord.first_visit,
                       VisitRecord.verified, VisitRecord.consultant)
             .where(VisitRecord.at >= day.start, VisitRecord.at < day.end))
    if consultant is not None:
        query = query.where(VisitRecord.consultant == consultant)
    return query


def today_visits(store: Store, day: Day, offset: int, limit: int, consultant: str | None = None) -> list[TodayVisit]:
    """Today's visits, newest first; only those given to `consultant` when set (a consultant's own view)."""
    with read_session(store.engine) as session:
        rows = session.execute(_visits_query(day, consultant)
                               .order_by(VisitRecord.id.desc()).offset(offset).limit(limit)).all()
        seqs = [row.id for row in rows]
        if not seqs:
            return []
        customers = {c.id: c for c in session.scalars(sa.select(Customer).where(
            Customer.id.in_({row.registered_as for row in rows})))}
        refs = {seq: (at, source) for seq, at, source in session.execute(
            sa.select(CheckinRef.visit_seq, CheckinRef.arrived_at, CheckinRef.source)
            .where(CheckinRef.visit_seq.in_(seqs)))}
        named = {seq: json.loads(payload) for seq, payload in session.execute(
            sa.select(JournalEntry.seq, JournalEntry.payload).where(JournalEntry.seq.in_(seqs)))}
        stays = {s.visit_seq: s for s in session.scalars(sa.select(VisitStay).where(VisitStay.visit_seq.in_(seqs)))}
        names = decrypted_people(session, store.keyring, sorted(customers), phones=False)  # one query for the page
        surnames = {cid: shown_surname(names.get(cid, (None, None))[1]) for cid in customers}
        found = []
        for seq, at, customer_id, first, verified, received_by in rows:
            customer = customers.get(customer_id)
            payload = named.get(seq, {})
            channel = payload.get("channel", f.NATURAL)
            arrived, source = refs.get(seq, (at, None))
            stay = stays.get(seq)
            found.append(TodayVisit(
                visit_seq=seq, arrived_at=arrived, customer_id=customer_id,
                phone_masked=_masked(customer.phone_masked if customer else None,
                                     customer.forgotten if customer else True),
                surname=surnames.get(customer_id), first_visit=first, verified=verified, consultant=received_by,
                channel=None if channel == f.NATURAL else channel, agent=payload.get("agent"), source=source,
                stay_consultant=stay.consultant if stay else None, stay_started=stay.started_at if stay else None,
                stay_ended=stay.ended_at if stay else None))
        return found


def summary(store: Store, consultant: str | None = None, now: datetime | None = None) -> TodaySummary:
    """The day's counts (a consultant's own when `consultant` is set). 待确认 counts every check-in still
    waiting for reception, an earlier day's too, as the queue lists them (from the engine, as the queue
    is: the visits table has no index to find them by)."""
    day = today(store, now)
    visits = _visits_query(day, consultant).subquery()
    with store._lock:  # the engine cache is read under the store's lock
        waiting = sum(len(c.awaiting()) for c in store.site().customers.values()
                      if c.unconfirmed_seq is not None and c.merged_into is None
                      and consultant in (None, c.unconfirmed_by))
    with read_session(store.engine) as session:
        total, first = session.execute(sa.select(
            sa.func.count(), sa.func.count().filter(visits.c.first_visit.is_(True)))).one()
        open_stays = sa.select(sa.func.count()).select_from(VisitStay).where(
            VisitStay.ended_at.is_(None), VisitStay.started_at >= day.start)
        if consultant is not None:
            open_stays = open_stays.where(VisitStay.consultant == consultant)
        receiving = session.scalar(open_stays) or 0
    return TodaySummary(day=day, visits=int(total or 0), first_visits=int(first or 0), waiting=int(waiting or 0),
                        receiving=int(receiving))


def journal_head(store: Store) -> int:
    """The journal's last seq: where a consultant's arrival pop-ups start at login."""
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0)


def arrivals_since(store: Store, at: datetime) -> list[Arrival]:
    """Protected customers' arrivals since `at` (service.live.owner_arrivals from the first visit then on)."""
    with read_session(store.engine) as session:
        first = session.scalar(sa.select(sa.func.min(VisitRecord.id)).where(VisitRecord.at >= at))
    return [] if first is None else owner_arrivals(store, first - 1, limit=1000)


def queue(store: Store) -> list[QueueRow]:
    """The reception queue (service.reception.pending_checkins) with the customer id of each number given."""
    pending = pending_checkins(store)
    if not pending:
        return []
    with read_session(store.engine) as session:
        customers = dict(session.execute(sa.select(VisitRecord.id, VisitRecord.registered_as).where(
            VisitRecord.id.in_([p.visit_seq for p in pending]))).all())
    sizes = Counter(p.arrival or p.visit_seq for p in pending)
    return [QueueRow(visit_seq=p.visit_seq, customer_id=customers[p.visit_seq], at=p.at,
                     phone_masked=_masked(p.phone_masked, False), surname=p.surname, consultant=p.consultant,
                     channel=p.channel, agent=p.agent, arrival=p.arrival, arrival_size=sizes[p.arrival or p.visit_seq])
            for p in pending if p.visit_seq in customers]


def stays_by_consultant(store: Store, start: datetime, end: datetime) -> list[ConsultantStays]:
    """Receptions started in [start, end) per consultant: ended ones counted with their total and average
    停留时长, open ones apart (the daily report)."""
    seconds = _stay_seconds(store)
    with read_session(store.engine) as session:
        rows = session.execute(
            sa.select(VisitStay.consultant,
                      sa.func.count(VisitStay.ended_at),
                      sa.func.coalesce(sa.func.sum(seconds), 0),
                      sa.func.count().filter(VisitStay.ended_at.is_(None)))
            .where(VisitStay.started_at >= start, VisitStay.started_at < end)
            .group_by(VisitStay.consultant).order_by(VisitStay.consultant)).all()
    return [ConsultantStays(consultant=name, stays=int(ended), total_seconds=round(total), open=int(still_open))
            for name, ended, total, still_open in rows]


def _stay_seconds(store: Store) -> sa.ColumnElement[Any]:
    """An ended stay's length in seconds, in SQL (NULL while it is open)."""
    start, end = VisitStay.started_at, VisitStay.ended_at
    if store.engine.dialect.name == "postgresql":
        return sa.extract("epoch", end - start)
    # SQLite keeps the times as text: julianday reads them (in days, as a float: rounded by the caller)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0

