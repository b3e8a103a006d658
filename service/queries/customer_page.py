"""A customer's page: who owns them and until when (and by which rule), channel and reports, stage,
cases, warnings, and the timeline of every journal entry about them with its number and time.

The judged state comes from the engine (`Site.customer_view`, `CustomerState`); the timeline from the
journal entries that name the customer, their visits, reports, cases or warnings (service/queries/
journal_index.py), plus the evidence of their cases and warnings. Notes (follow-ups, reasons) are read
through db/notes.py. Phones are masked; the name is shown as its surname display only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import notes, search_keys
from db.database import read_session
from db.models import Case, Customer, JournalEntry, Report, VisitRecord
from judge.reasons import EngineError
from service.queries.customers import ERASED, surname_display
from service.queries.journal_index import index_of

if TYPE_CHECKING:
    from service.desk import Desk
    from service.store import Store

CHUNK = 500  # ids per IN (...) list
TIMELINE_MAX = 1_000  # entries shown, the newest; a real customer has dozens (the count says how many in all)
NOTE_FIELDS = {"follow_up": "note", "case_decision": "reason", "warning_update": "note", "reveal_phone": "reason",
               "appeal": "reason"}
SHOWN_FIELDS = ("consultant", "channel", "agent", "stage", "status", "verdict", "verified", "listed", "by",
                "decided_by", "action", "case_id", "warning_id", "visit", "report", "reason_code")


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    kind: str  # the journal kind: visit, report, follow_up, stage, claim, release, assign, ...
    actor: str
    detail: dict[str, Any]  # the payload's plain fields (SHOWN_FIELDS), "note" as text, projection extras


@dataclass(frozen=True)
class ReportLine:
    id: int
    at: datetime
    channel: str
    agent: str
    status: str
    reason: str | None
    expires_at: datetime
    phone_masked: str | None


@dataclass(frozen=True)
class CaseLine:
    id: int
    kind: str
    claimant: str | None
    recommended: str
    rule: str
    opened_at: datetime
    status: str
    verdict: str | None
    decided_by: str | None
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class WarningLine:
    id: int
    kind: str
    at: datetime
    status: str
    rule: str
    evidence: tuple[int, ...]
    note: str


@dataclass(frozen=True)
class Protection:
    """Why the owner holds the customer until `until`: `rule` is the rule key (or "deal" for a closed deal),
    `days` its value, `since_seq` the journal entry that made them owner."""

    until: datetime | None
    rule: str
    days: int | None
    since_seq: int | None


@dataclass(frozen=True)
class CustomerPage:
    id: int
    aliases: tuple[int, ...]  # other numbers found to be the same person (merged into this customer)
    surname: str | None
    phone_masked: str
    forgotten: bool
    created_at: datetime
    now: datetime
    owner: str  # a consultant, "pool" or "none"
    protection: Protection | None  # None unless a consultant owns the customer
    lost: tuple[tuple[str, datetime], ...]  # (consultant, when) the customer left them: why it is in the pool
    channel: str | None
    agent: str | None
    commission: str | None
    stage: str | None
    deal_at: datetime | None
    first_visit_at: datetime | None
    last_visit_at: datetime | None
    visit_count: int
    blacklisted: bool
    awaiting_confirmation: bool
    reports: tuple[ReportLine, ...]
    cases: tuple[CaseLine, ...]
    warnings: tuple[WarningLine, ...]
    timeline: tuple[TimelineEntry, ...] = field(default=())  # newest first, at most TIMELINE_MAX
    timeline_total: int = 0  # journal entries about the customer in all


@dataclass(frozen=True)
class _Held:
    """The parts of CustomerState the protection needs, copied under the store's lock."""

    owner_since_seq: int | None
    deal_at: datetime | None
    pledge_frozen: bool
    contact_end: datetime | None
    anchor_end: datetime | None
    until: datetime | None  # as of now (CustomerView.protected_until)


def _protection(store: Store, held: _Held, owner: str, now: datetime,
                kinds: dict[int, tuple[str, datetime]]) -> Protection | None:
    """The rule behind the owner's hold: a deal or a pledge freezes it; else it ends at the earlier of the
    follow-up deadline and the ownership term (a claim's own term while no visit has renewed it)."""
    if owner in ("pool", "none"):
        return None
    since = held.owner_since_seq
    if held.deal_at is not None:
        return Protection(None, "deal", None, since)
    if held.pledge_frozen:
        return Protection(None, "protection.pledge_freezes", None, since)
    rules = store.rules_at(now)
    if held.contact_end is not None and (held.anchor_end is None or held.contact_end <= held.anchor_end):
        return Protection(held.until, "protection.follow_up_days", rules["protection.follow_up_days"], since)
    kind, at = kinds.get(since, ("", now)) if since is not None else ("", now)
    if kind == "claim":
        claim_days = store.rules_at(at)["pool.claim_protection_days"]
        if held.anchor_end == at + timedelta(days=claim_days):
            return Protection(held.until, "pool.claim_protection_days", claim_days, since)
    return Protection(held.until, "protection.consultant_days", rules["protection.consultant_days"], since)


def _report_ids(site: Any, state: Any, group: list[int]) -> list[int]:
    """The customer's reports: by number, and the masked ones (隐号报备) matching their 前三后四 and surname."""
    found = {i for g in group for i in site.reports_by_customer.get(g, [])}
    for i in site.reports_by_mask.get(state.mask, []) if state.mask is not None else []:
        report = site.reports[i]
        if report.masked and (report.surname is None or state.surname is None or report.surname == state.surname):
            found.add(i)
    return sorted(found)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _entries(session: Session, seqs: set[int]) -> list[Any]:
    rows: list[Any] = []
    for chunk in _chunks(sorted(seqs)):
        rows += session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.actor,
                                          JournalEntry.payload).where(JournalEntry.seq.in_(chunk))).all()
    return sorted(rows, key=lambda r: r.seq, reverse=True)


def _timeline(session: Session, desk: Desk, rows: list[Any], extras: dict[int, dict[str, Any]]) -> \
        tuple[TimelineEntry, ...]:
    payloads = [(row, json.loads(row.payload)) for row in rows]
    refs = [str(p.get(NOTE_FIELDS[row.kind], "")) for row, p in payloads if row.kind in NOTE_FIELDS]
    texts = notes.note_texts(session, desk.store.keyring, refs)
    entries = []
    for row, payload in payloads:
        detail = {name: payload[name] for name in SHOWN_FIELDS if name in payload}
        if row.kind in NOTE_FIELDS:
            detail["note"] = texts.get(str(payload.get(NOTE_FIELDS[row.kind], "")), "")
            detail.pop("reason", None)
        detail.update(extras.get(row.seq, {}))
        entries.append(TimelineEntry(seq=row.seq, at=row.at, kind=row.kind, actor=row.actor, detail=detail))
    return tuple(entries)


def customer_page(desk: Desk, customer_id: int) -> CustomerPage:
    """Everything the customer's page shows; a consultant may open only their own customers and the pool."""
    desk.require_customer("customers.view", customer_id, pool_ok=True)
    store = desk.store
    index = index_of(store)
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        index.catch_up(session)
        with store._lock:  # the engine cache is read under the store's lock (service.reception does the same)
            site = store.site()
            cid = site.resolve(customer_id)
            if cid not in site.customers:
                raise EngineError(f"没有此客户 / no customer #{customer_id}")
            view = site.customer_view(cid, now)
            state = site.customers[cid]
            group = [cid, *site.aliases.get(cid, [])]
            lost = tuple(sorted(state.lost_at.items(), key=lambda item: item[1]))
            engine_warnings = [(w.id, w.kind, w.at, w.status, w.rule, tuple(w.evidence), w.note or "")
                               for w in view.warnings]
            held = _Held(state.owner_since_seq, state.deal_at, state.pledge_frozen, state.contact_end,
                         state.anchor_end, view.protected_until)
            awaiting = state.unconfirmed_seq is not None
            report_ids = _report_ids(site, state, group)
        customer = session.get(Customer, cid)
        if customer is None:
            raise EngineError(f"没有此客户 / no customer #{customer_id}")
        reports = session.execute(sa.select(Report).where(Report.id.in_(report_ids))
                                  .order_by(Report.id.desc())).scalars().all()
        cases = session.execute(sa.select(Case).where(Case.customer_id.in_(group))
                                .order_by(Case.id.desc())).scalars().all()
        visits = session.execute(sa.select(VisitRecord.id, VisitRecord.consultant, VisitRecord.first_visit)
                                 .where(VisitRecord.customer_id.in_(group))).all()
        visit_ids = {v.id for v in visits}
        mentioned = index.seqs("customer", group) | index.seqs("id_card_holder", group)
        seqs = (mentioned | visit_ids | set(report_ids) | index.seqs("report", report_ids)
                | index.seqs("case_id", [c.id for c in cases]) | index.seqs("warning_id", [w[0] for w in engine_warnings])
                | {s for c in cases for s in json.loads(c.evidence)} | {s for w in engine_warnings for s in w[5]})
        seqs |= index.seqs("visit", visit_ids)  # confirmations, dismissals, stays of their visits
        rows = _entries(session, set(sorted(seqs)[-TIMELINE_MAX:]))
        extras: dict[int, dict[str, Any]] = {v.id: {"assigned_to": v.consultant, "first_visit": v.first_visit}
                                             for v in visits}
        for r in reports:
            extras[r.id] = {"report_status": r.status, "report_reason": r.reason}
        timeline = _timeline(session, desk, rows, extras)
        warning_notes = notes.note_texts(session, store.keyring, [w[6] for w in engine_warnings])
        name = None if customer.forgotten else search_keys.decrypted_people(
            session, store.keyring, [cid], phones=False).get(cid, (None, None))[1]
    kinds = {entry.seq: (entry.kind, entry.at) for entry in timeline}
    protection = _protection(store, held, view.owner, now, kinds)
    return CustomerPage(
        id=cid, aliases=tuple(group[1:]), surname=ERASED if customer.forgotten else surname_display(name),
        phone_masked=ERASED if customer.forgotten or not customer.phone_masked else customer.phone_masked,
        forgotten=bool(customer.forgotten), created_at=customer.created_at, now=now, owner=view.owner,
        protection=protection, lost=lost, channel=view.channel, agent=view.agent, commission=view.commission,
        stage=view.stage, deal_at=held.deal_at, first_visit_at=customer.first_visit_at,
        last_visit_at=customer.last_visit_at, visit_count=customer.visit_count or 0,
        blacklisted=bool(customer.blacklisted), awaiting_confirmation=awaiting,
        reports=tuple(ReportLine(r.id, r.reported_at, r.channel, r.agent, r.status, r.reason, r.expires_at,
                                 r.phone_masked) for r in reports),
        cases=tuple(CaseLine(c.id, c.kind, c.claimant, c.recommended, c.rule, c.opened_at, c.status, c.verdict,
                             c.decided_by, tuple(json.loads(c.evidence))) for c in cases),
        warnings=tuple(WarningLine(w[0], w[1], w[2], w[3], w[4], w[5], warning_notes.get(w[6], ""))
                       for w in engine_warnings),
        timeline=timeline, timeline_total=len(seqs))
