"""Projections: the engine's state written into query tables (customers, reports, cases, warnings).

`project` writes what one outcome touched; `rebuild_all` rewrites every table from a replayed engine.
Both go through the same row writers, so a rebuild equals the incremental state.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Case, Customer, Report, Warning
from judge.engine import Outcome, Site
from judge.facts import NATURAL
from judge.state import CaseState, ReportState, WarningState


def _write_customer(session: Session, site: Site, customer_id: int) -> None:
    row = session.get(Customer, customer_id)
    if row is None:
        return
    state = site.customers.get(customer_id)
    if state is None:
        return
    row.merged_into = state.merged_into
    row.owner = state.owner
    row.protected_until = state.protected_until()
    row.frozen = state.owner is not None and (state.pledge_frozen or state.deal_at is not None)
    row.channel = state.channel
    row.agent = state.agent
    row.first_visit_at = state.first_visit_at
    row.last_visit_at = state.visits[-1] if state.visits else None
    row.visit_count = len(state.visits)
    row.stage = state.stage
    row.deal_at = state.deal_at
    row.blacklisted = state.blacklisted
    if state.deal_at is None:
        row.commission = None
    else:
        in_time = state.channel_protection_end is not None and state.deal_at < state.channel_protection_end
        row.commission = state.channel if state.channel not in (None, NATURAL) and in_time else NATURAL


def _write_report(session: Session, r: ReportState, display: str | None) -> None:
    row = session.get(Report, r.id)
    if row is None:
        row = Report(id=r.id, channel=r.channel, agent=r.agent, reported_at=r.at, expires_at=r.expires_at,
                     phone_masked=display)
        session.add(row)
    row.customer_id = r.customer
    row.status, row.reason = r.status, r.reason


def _write_case(session: Session, c: CaseState) -> None:
    row = session.get(Case, c.id)
    if row is None:
        row = Case(id=c.id, customer_id=c.customer, kind=c.kind, claimant=c.claimant,
                   recommended=c.recommended, rule=c.rule, opened_at=c.at)
        session.add(row)
    row.evidence = json.dumps(c.evidence)
    row.status, row.verdict, row.decided_by, row.decision_reason = c.status, c.verdict, c.decided_by, c.reason


def _write_warning(session: Session, w: WarningState) -> None:
    row = session.get(Warning, w.id)
    if row is None:
        row = Warning(id=w.id, customer_id=w.customer, kind=w.kind, raised_at=w.at)
        session.add(row)
    row.evidence = json.dumps(w.evidence)
    row.status, row.note = w.status, w.note


def project(session: Session, site: Site, outcome: Outcome, report_display: str | None = None) -> None:
    for customer_id in sorted(outcome.touched_customers):
        _write_customer(session, site, customer_id)
    for report_id in sorted(outcome.touched_reports):
        _write_report(session, site.reports[report_id], report_display if report_id == outcome.seq else None)
    for case_id in sorted(outcome.touched_cases):
        _write_case(session, site.cases[case_id])
    for warning_id in sorted(outcome.touched_warnings):
        _write_warning(session, site.warnings[warning_id])


def rebuild_all(session: Session, site: Site) -> None:
    """Rewrites every projection from `site` (a full replay of the journal)."""
    displays = {rid: shown for rid, shown in session.execute(sa.select(Report.id, Report.phone_masked))}
    for table in (Report, Case, Warning):
        session.execute(sa.delete(table))
    session.flush()
    for customer_id in session.scalars(sa.select(Customer.id)):
        _write_customer(session, site, customer_id)
    for report in site.reports.values():
        _write_report(session, report, displays.get(report.id))
    for case in site.cases.values():
        _write_case(session, case)
    for warning in site.warnings.values():
        _write_warning(session, warning)


def snapshot_rows(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every projection row, for comparing a rebuild with the incremental state."""
    tables = {
        "customers": sa.select(Customer.id, Customer.merged_into, Customer.owner, Customer.protected_until,
                               Customer.frozen, Customer.channel, Customer.agent, Customer.first_visit_at,
                               Customer.last_visit_at, Customer.visit_count, Customer.stage, Customer.deal_at,
                               Customer.commission, Customer.blacklisted).order_by(Customer.id),
        "reports": sa.select(Report.id, Report.channel, Report.agent, Report.customer_id, Report.status,
                             Report.reason, Report.expires_at).order_by(Report.id),
        "cases": sa.select(Case.id, Case.customer_id, Case.kind, Case.claimant, Case.recommended, Case.evidence,
                           Case.status, Case.verdict).order_by(Case.id),
        "warnings": sa.select(Warning.id, Warning.customer_id, Warning.kind, Warning.raised_at, Warning.evidence,
                              Warning.status).order_by(Warning.id),
    }
    return {name: [tuple(row) for row in session.execute(query)] for name, query in tables.items()}
