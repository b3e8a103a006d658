"""渠道佣金凭证: a channel's commission evidence for a period. Every deal closed in the period by a
customer the channel brought, with the report that made the claim, the channel-led visit that fixed
it, the deal, their times and journal numbers, and the rule version in force at the visit (it set the
channel's protection, and so whether the deal falls within it). Deals of the channel's customers
after its protection ended are listed apart: the evidence for why no commission is owed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from db.database import read_session
from db.models import Customer, JournalEntry, VisitRecord
from judge.engine import Site
from judge.facts import DEAL_STAGES
from reports.details import customer_phone, surnames
from reports.period import Period
from service.queries.rules import RuleVersion, rules_overview
from service.store import Store


@dataclass(frozen=True)
class DealEvidence:
    customer_id: int
    phone: str  # masked
    surname: str | None
    agent: str | None
    owner: str | None  # the consultant who owns the customer
    report_seq: int | None  # the channel's report the visit used (None: not found)
    reported_at: datetime | None
    visit_seq: int | None  # the channel-led visit that fixed the channel
    visit_at: datetime | None
    deal_seq: int | None  # the stage change that closed the deal
    deal_at: datetime
    deal_stage: str | None  # subscribe | contract
    protection_end: datetime | None  # the channel's protection, from the visit
    rule_version: int  # the rule-set version in force at the visit (0: the defaults)
    protection_days: int  # channel.protection_days in that version
    commissioned: bool  # the deal fell within the protection: the channel is owed commission


@dataclass(frozen=True)
class CommissionStatement:
    channel: str
    period: Period
    deals: tuple[DealEvidence, ...]  # commissioned, oldest deal first
    not_owed: tuple[DealEvidence, ...]  # the channel's customers' deals after its protection ended
    versions: tuple[RuleVersion, ...]  # the rule versions the deals name


def _version_at(versions: tuple[RuleVersion, ...], moment: datetime | None) -> RuleVersion:
    found = versions[0]
    for version in versions[1:]:
        if moment is not None and version.effective_at is not None and version.effective_at <= moment:
            found = version
    return found


def _used_report(site: Site, customer: int, channel: str, visit_seq: int | None) -> tuple[int, datetime] | None:
    """The report of `channel` the engine marked used by the customer's channel-led visit."""
    state = site.customers.get(customer)
    if state is None or visit_seq is None:
        return None
    ids = [i for cid in (customer, *site.aliases.get(customer, [])) for i in site.reports_by_customer.get(cid, [])]
    ids += site.reports_by_mask.get(state.mask, []) if state.mask is not None else []
    for rid in sorted(set(ids)):
        report = site.reports[rid]
        if report.channel == channel and report.status == "used" and report.decided_seq == visit_seq:
            return report.id, report.at
    return None


def commission_statement(store: Store, channel: str, period: Period) -> CommissionStatement:
    overview = rules_overview(store)
    with read_session(store.engine) as session:
        dealt = session.execute(
            sa.select(Customer.id, Customer.phone_masked, Customer.forgotten, Customer.agent, Customer.owner,
                      Customer.deal_at, Customer.commission)
            .where(Customer.channel == channel, Customer.merged_into.is_(None), Customer.deal_at >= period.start,
                   Customer.deal_at < period.end).order_by(Customer.deal_at, Customer.id)).all()
        ids = [r.id for r in dealt]
        stages = session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.payload).where(
            JournalEntry.kind == "stage", JournalEntry.at.in_(sorted({r.deal_at for r in dealt})))).all()
        names = surnames(session, store, ids)
        with store._lock:  # the engine cache is read under the store's lock
            site = store.site()
            judged = {cid: (site.customers[cid].channel_visit_seq, site.customers[cid].channel_protection_end,
                            _used_report(site, cid, channel, site.customers[cid].channel_visit_seq))
                      for cid in ids if cid in site.customers}
            deals: dict[tuple[int, datetime], tuple[int, str]] = {}
            for seq, at, payload in stages:
                body = json.loads(payload)
                if body.get("stage") in DEAL_STAGES:
                    deals.setdefault((site.resolve(body["customer"]), at), (seq, body["stage"]))
        visits = dict(session.execute(sa.select(VisitRecord.id, VisitRecord.at).where(
            VisitRecord.id.in_([seq for seq, _end, _report in judged.values() if seq is not None]))).all())
    found = []
    for r in dealt:
        visit_seq, protection_end, report = judged.get(r.id, (None, None, None))
        visit_at = visits.get(visit_seq) if visit_seq is not None else None
        version = _version_at(overview.versions, visit_at)
        deal = deals.get((r.id, r.deal_at))
        found.append(DealEvidence(
            customer_id=r.id, phone=customer_phone(r.phone_masked, r.forgotten), surname=names.get(r.id),
            agent=r.agent, owner=r.owner, report_seq=report[0] if report else None,
            reported_at=report[1] if report else None, visit_seq=visit_seq, visit_at=visit_at,
            deal_seq=deal[0] if deal else None, deal_at=r.deal_at, deal_stage=deal[1] if deal else None,
            protection_end=protection_end, rule_version=version.number,
            protection_days=int(version.values["channel.protection_days"]), commissioned=r.commission == channel))
    named = {d.rule_version for d in found}
    return CommissionStatement(channel, period, tuple(d for d in found if d.commissioned),
                               tuple(d for d in found if not d.commissioned),
                               tuple(v for v in overview.versions if v.number in named))
