"""What a daily report lists beside its figures: the day's visits (arrival time, masked phone, surname
display, who received them, first or return, source), the day's check-ins still waiting for 前台确认 at its
end, receptions and the manager's assignments, the cases opened and decided that day, and the warnings
still open at its end. A consultant's own report lists what concerns them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db.database import read_session
from db.models import Case, CheckinRef, Customer, VisitRecord, VisitStay
from db.models import Warning as WarningRecord
from db.personal import mask_phone
from db.search_keys import decrypted_people
from judge.facts import NATURAL
from reports.journal_sql import entries
from reports.period import Period
from service.queries.customers import surname_display
from service.queries.today import ConsultantStays, TodayVisit, stays_by_consultant
from service.store import Store

ERASED = "（已删除）"
ACTIVE_WARNINGS = ("open", "following", "intervened")
MAX_VISITS = 5000  # a day's visits at the busiest site, listed in full
MAX_WARNINGS = 100  # open warnings listed; the rest are counted


@dataclass(frozen=True)
class Assignment:
    seq: int
    at: datetime
    customer_id: int
    phone: str
    surname: str | None
    consultant: str
    by: str


@dataclass(frozen=True)
class CaseLine:
    id: int
    kind: str
    at: datetime  # opened, or decided for a decision
    customer_id: int
    phone: str
    claimant: str | None
    recommended: str
    verdict: str | None
    decided_by: str | None


@dataclass(frozen=True)
class WarningLine:
    id: int
    kind: str
    raised_at: datetime
    customer_id: int | None
    phone: str  # "" for a warning about nobody registered (a face seen at the door)
    owner: str | None
    status: str


@dataclass(frozen=True)
class OpenCheckin:
    """A check-in of the period still waiting for reception when the period ended (or now, before then)."""

    visit_seq: int
    arrived_at: datetime
    phone: str  # masked
    surname: str | None
    consultant: str | None  # who received it
    channel: str | None  # the channel it named (None: natural)
    agent: str | None
    confirmed_since: bool  # reception confirmed it after the period's end


@dataclass(frozen=True)
class DayDetails:
    visits: tuple[TodayVisit, ...]  # oldest first
    open_checkins: tuple[OpenCheckin, ...]  # oldest first
    stays: tuple[ConsultantStays, ...]
    assignments: tuple[Assignment, ...]
    cases_opened: tuple[CaseLine, ...]
    cases_decided: tuple[CaseLine, ...]
    open_warnings: tuple[WarningLine, ...]  # oldest first, at most MAX_WARNINGS
    open_warnings_total: int


def customer_phone(masked: str | None, forgotten: bool | None) -> str:
    return ERASED if forgotten or not masked else mask_phone(masked)


def surnames(session: Session, store: Store, ids: list[int]) -> dict[int, str | None]:
    people = decrypted_people(session, store.keyring, ids, phones=False)
    return {cid: surname_display(name) for cid, (_phone, name) in people.items()}


def _assignments(session: Session, store: Store, period: Period, consultant: str | None) -> list[Assignment]:
    made = entries(session.get_bind().dialect.name, ("assign",), period, "customer", "consultant")
    query = (sa.select(made.c.seq, made.c.at, made.c.actor, made.c.customer, made.c.consultant,
                       Customer.phone_masked, Customer.forgotten)
             .join(Customer, Customer.id == made.c.customer).order_by(made.c.seq))
    if consultant is not None:
        query = query.where(made.c.consultant == consultant)
    rows = session.execute(query).all()
    names = surnames(session, store, [r.customer for r in rows])
    return [Assignment(r.seq, r.at, r.customer, customer_phone(r.phone_masked, r.forgotten), names.get(r.customer),
                       r.consultant, r.actor) for r in rows]


def _case_lines(session: Session, query: Any) -> list[CaseLine]:
    return [CaseLine(r.id, r.kind, r.at, r.customer_id, customer_phone(r.phone_masked, r.forgotten), r.claimant,
                     r.recommended, r.verdict, r.decided_by) for r in session.execute(query)]


def _cases(session: Session, period: Period, consultant: str | None) -> tuple[list[CaseLine], list[CaseLine]]:
    sides = [] if consultant is None else [
        sa.or_(Case.claimant == consultant, Case.recommended == consultant, Case.verdict == consultant)]
    columns = (Case.id, Case.kind, Case.customer_id, Customer.phone_masked, Customer.forgotten, Case.claimant,
               Case.recommended, Case.verdict, Case.decided_by)
    opened = (sa.select(*columns, Case.opened_at.label("at")).join(Customer, Customer.id == Case.customer_id)
              .where(Case.opened_at >= period.start, Case.opened_at < period.end, *sides).order_by(Case.id))
    decisions = entries(session.get_bind().dialect.name, ("case_decision",), period, "case_id")
    decided = (sa.select(*columns, decisions.c.at.label("at")).select_from(decisions)
               .join(Case, Case.id == decisions.c.case_id).join(Customer, Customer.id == Case.customer_id)
               .where(*sides).order_by(decisions.c.seq))
    return _case_lines(session, opened), _case_lines(session, decided)


def _open_warnings(session: Session, period: Period, consultant: str | None) -> tuple[list[WarningLine], int]:
    about = aliased(Customer)
    query = (sa.select(WarningRecord.id, WarningRecord.kind, WarningRecord.raised_at, WarningRecord.customer_id,
                       WarningRecord.status, about.phone_masked, about.forgotten, about.owner)
             .outerjoin(about, about.id == WarningRecord.customer_id)
             .where(WarningRecord.status.in_(ACTIVE_WARNINGS), WarningRecord.raised_at < period.end))
    if consultant is not None:
        query = query.where(about.owner == consultant)
    total = int(session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)
    rows = session.execute(query.order_by(WarningRecord.id).limit(MAX_WARNINGS)).all()
    return [WarningLine(r.id, r.kind, r.raised_at, r.customer_id,
                        "" if r.customer_id is None else customer_phone(r.phone_masked, r.forgotten), r.owner, r.status)
            for r in rows], total


def _visits(session: Session, store: Store, period: Period, consultant: str | None,
            only: list[int] | None = None) -> list[TodayVisit]:
    """The period's visits, oldest first, as the 今日 page's rows (service.queries.today.TodayVisit), with the
    names decrypted in one query (a busy day has a thousand visitors); `only`: these visits alone."""
    named = entries(session.get_bind().dialect.name, ("visit",), period, "channel", "agent")
    query = (sa.select(VisitRecord.id, VisitRecord.at, VisitRecord.registered_as, VisitRecord.first_visit,
                       VisitRecord.verified, VisitRecord.consultant, CheckinRef.arrived_at, CheckinRef.source,
                       named.c.channel, named.c.agent, Customer.phone_masked, Customer.forgotten,
                       VisitStay.consultant.label("stay_consultant"), VisitStay.started_at, VisitStay.ended_at)
             .join(named, named.c.seq == VisitRecord.id)
             .outerjoin(Customer, Customer.id == VisitRecord.registered_as)
             .outerjoin(CheckinRef, CheckinRef.visit_seq == VisitRecord.id)
             .outerjoin(VisitStay, VisitStay.visit_seq == VisitRecord.id)
             .where(VisitRecord.at >= period.start, VisitRecord.at < period.end)
             .order_by(VisitRecord.id).limit(MAX_VISITS))
    if consultant is not None:
        query = query.where(VisitRecord.consultant == consultant)
    if only is not None:
        query = query.where(VisitRecord.id.in_(only))
    rows = session.execute(query).all()
    names = surnames(session, store, sorted({r.registered_as for r in rows}))
    return [TodayVisit(visit_seq=r.id, arrived_at=r.arrived_at or r.at, customer_id=r.registered_as,
                       phone_masked=customer_phone(r.phone_masked, r.forgotten), surname=names.get(r.registered_as),
                       first_visit=r.first_visit, verified=r.verified, consultant=r.consultant,
                       channel=None if r.channel in (None, NATURAL) else r.channel, agent=r.agent, source=r.source,
                       stay_consultant=r.stay_consultant, stay_started=r.started_at, stay_ended=r.ended_at)
            for r in rows]


def _open_checkins(session: Session, store: Store, period: Period, visits: list[TodayVisit],
                   consultant: str | None) -> list[OpenCheckin]:
    """The period's check-ins still waiting for reception at its end: those waiting now (a dismissed one
    is no visit: gone), and those the `unconfirmed_checkin` warnings raised at a day's end within it name
    (judge/cases.py: every check-in of the arrival then waiting), confirmed since."""
    raised = sa.select(WarningRecord.evidence).where(
        WarningRecord.kind == "unconfirmed_checkin", WarningRecord.raised_at > period.start,
        WarningRecord.raised_at <= period.end)
    named = {seq for (evidence,) in session.execute(raised) for seq in json.loads(evidence)}
    open_ones = [v for v in visits if not v.verified or v.visit_seq in named]
    if len(visits) >= MAX_VISITS:  # a day beyond the listed visits: read the waiting ones themselves
        listed = {v.visit_seq for v in visits}
        more = sa.select(VisitRecord.id).where(
            VisitRecord.at >= period.start, VisitRecord.at < period.end,
            sa.or_(VisitRecord.verified.is_(False), VisitRecord.id.in_(named)))
        if consultant is not None:
            more = more.where(VisitRecord.consultant == consultant)
        missing = [seq for (seq,) in session.execute(more) if seq not in listed]
        open_ones += _visits(session, store, period, consultant, only=missing) if missing else []
    return [OpenCheckin(v.visit_seq, v.arrived_at, v.phone_masked, v.surname, v.consultant, v.channel, v.agent,
                        confirmed_since=v.verified) for v in sorted(open_ones, key=lambda v: (v.arrived_at, v.visit_seq))]


def day_details(store: Store, period: Period, consultant: str | None = None) -> DayDetails:
    """The lists of a daily report for `period` (a day; any period works)."""
    with read_session(store.engine) as session:
        visits = _visits(session, store, period, consultant)
        open_checkins = _open_checkins(session, store, period, visits, consultant)
        assignments = _assignments(session, store, period, consultant)
        opened, decided = _cases(session, period, consultant)
        warnings, total = _open_warnings(session, period, consultant)
    stays = [s for s in stays_by_consultant(store, period.start, period.end) if consultant in (None, s.consultant)]
    return DayDetails(visits=tuple(visits), open_checkins=tuple(open_checkins), stays=tuple(stays),
                      assignments=tuple(assignments),
                      cases_opened=tuple(opened), cases_decided=tuple(decided), open_warnings=tuple(warnings),
                      open_warnings_total=total)
