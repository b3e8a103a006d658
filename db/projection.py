"""Projections: the engine's state written into query tables (customers, reports, cases, warnings).

`project` writes what one outcome touched; `rebuild_all` rewrites every table from a replayed engine
in bulk. Both take their column values from the same functions, so a rebuild equals the incremental
state.
"""

from __future__ import annotations

import json
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import write_sql
from db.models import (
    Case,
    ClaimRecord,
    Customer,
    DailyFigure,
    DailyFiguresDay,
    DailyFiguresMark,
    Report,
    StageRecord,
    VisitRecord,
    Warning,
)
from judge import facts as f
from judge.engine import Outcome, Site
from judge.state import CaseState, CustomerState, ReportState, WarningState

BULK_CHUNK = 10_000


def customer_values(state: CustomerState) -> dict[str, Any]:
    return {
        "merged_into": state.merged_into,
        "owner": state.owner,
        "protected_until": state.protected_until(),
        "frozen": state.frozen(),
        "channel": state.channel,
        "agent": state.agent,
        "first_visit_at": state.first_visit_at,
        "last_visit_at": state.visits[-1] if state.visits else None,
        "visit_count": len(state.visits),
        "stage": state.stage,
        "deal_at": state.deal_at,
        "blacklisted": state.blacklisted,
        "commission": state.commission(),
    }


def report_values(r: ReportState) -> dict[str, Any]:
    return {"id": r.id, "channel": r.channel, "agent": r.agent, "reported_at": r.at, "expires_at": r.expires_at,
            "customer_id": r.customer, "status": r.status, "reason": r.reason}


def case_values(c: CaseState) -> dict[str, Any]:
    return {"id": c.id, "customer_id": c.customer, "kind": c.kind, "claimant": c.claimant,
            "recommended": c.recommended, "rule": c.rule, "opened_at": c.at, "evidence": json.dumps(c.evidence),
            "status": c.status, "verdict": c.verdict, "decided_by": c.decided_by, "decision_reason": c.reason}


def warning_values(w: WarningState) -> dict[str, Any]:
    return {"id": w.id, "customer_id": w.customer, "kind": w.kind, "raised_at": w.at,
            "evidence": json.dumps(w.evidence), "status": w.status, "note": w.note}


def visit_values(fact: f.Visit, outcome: Outcome, site: Site) -> dict[str, Any]:
    """Judged at the visit: `first_visit` means it was the customer's first registration at the site (a
    check-in that joined an arrival waiting for reception is not: that arrival's first one is)."""
    customer = outcome.customer if outcome.customer is not None else fact.customer
    return {"id": fact.seq, "at": fact.at, "customer_id": customer, "registered_as": fact.customer,
            "consultant": outcome.assigned_to, "channel": fact.channel, "verified": fact.verified,
            "first_visit": outcome.joined is None and len(site.customers[customer].visits) == 1}


def claim_values(fact: f.Claim, outcome: Outcome) -> dict[str, Any]:
    """A claim as judged: its outcome is the engine's (the journal holds only the claim)."""
    return {"id": fact.seq, "at": fact.at, "customer_id": fact.customer, "consultant": fact.consultant,
            "outcome": outcome.claim or "accepted"}


def stage_values(fact: f.StageChange) -> dict[str, Any]:
    return {"id": fact.seq, "at": fact.at, "customer_id": fact.customer, "consultant": fact.consultant,
            "stage": fact.stage}


class Replayed:
    """What a replay of the journal collects for the projections the engine's final state does not hold:
    the visits as judged (confirmed, dismissed), the claims with their outcomes, the stage changes.
    Called with each judged fact (the `on_outcome` of a replay)."""

    def __init__(self) -> None:
        self.visits: dict[int, dict[str, Any]] = {}
        self.claims: list[dict[str, Any]] = []
        self.stages: list[dict[str, Any]] = []

    def __call__(self, site: Site, fact: f.Fact, outcome: Outcome) -> None:
        if isinstance(fact, f.Visit):
            self.visits[fact.seq] = visit_values(fact, outcome, site)
        elif isinstance(fact, f.Confirm):
            for seq in outcome.checkins:  # every check-in of the arrival
                self.visits[seq]["verified"] = True
        elif isinstance(fact, f.Dismiss):
            for seq in outcome.checkins:
                del self.visits[seq]
        elif isinstance(fact, f.Claim):
            self.claims.append(claim_values(fact, outcome))
        elif isinstance(fact, f.StageChange):
            self.stages.append(stage_values(fact))


def writes(site: Site, fact: f.Fact, outcome: Outcome, report_display: str | None = None,
           customer_rows: dict[int, tuple[bool, dict[str, Any]]] | None = None) -> list[write_sql.RowWrite]:
    """What one judged fact changed, as row writes on distinct rows, one per table (but one per changed
    customer), so they may run as one statement's data-modifying CTEs on PostgreSQL: the write holds the
    site's lock, and every round trip here makes every other kiosk wait.

    `customer_rows`: more columns of customers this write made or changed ({id: (new?, values)}); a
    new customer's row is inserted with its projected values at once."""
    out: list[write_sql.RowWrite] = []
    customers = {cid: customer_values(site.customers[cid]) for cid in sorted(outcome.touched_customers)
                 if cid in site.customers}  # every other customer row exists: made before its first fact
    made: set[int] = set()
    for cid, (new, values) in sorted((customer_rows or {}).items()):
        customers[cid] = {**values, **customers.get(cid, {})}
        if new:
            made.add(cid)
    for cid, values in sorted(customers.items()):  # new rows first: the identity rows refer to them
        if cid in made:
            out.insert(0, write_sql.insert("customers", {"id": cid, **values}))
        else:
            out.append(write_sql.update("customers", {"id": cid, **values}))
    if isinstance(fact, f.Visit):
        out.append(write_sql.insert("visits", visit_values(fact, outcome, site)))
    elif isinstance(fact, f.Confirm):  # every check-in of the arrival it confirmed
        out.append(write_sql.RowWrite("visits", "update", tuple({"id": seq, "verified": True}
                                                                 for seq in outcome.checkins)))
    elif isinstance(fact, f.Dismiss):  # a later check-in alone, or the whole arrival
        out.append(write_sql.RowWrite("visits", "delete", tuple({"id": seq} for seq in outcome.checkins)))
    elif isinstance(fact, f.Claim):
        out.append(write_sql.insert("claims", claim_values(fact, outcome)))
    elif isinstance(fact, f.StageChange):
        out.append(write_sql.insert("stage_changes", stage_values(fact)))
    reports = [{**report_values(site.reports[rid]),
                "phone_masked": report_display if rid == outcome.seq else None}  # known only when made
               for rid in sorted(outcome.touched_reports)]
    if reports:
        out.append(write_sql.upsert("reports", reports, keep=("phone_masked",)))
    if outcome.touched_cases:
        out.append(write_sql.upsert("cases", [case_values(site.cases[i]) for i in sorted(outcome.touched_cases)]))
    if outcome.touched_warnings:
        out.append(write_sql.upsert("warnings", [warning_values(site.warnings[i])
                                                 for i in sorted(outcome.touched_warnings)]))
    return out


def project(session: Session, site: Site, fact: f.Fact, outcome: Outcome,
            report_display: str | None = None) -> None:
    """Writes what one judged fact changed, one statement after the other."""
    write_sql.execute(session.connection(), writes(site, fact, outcome, report_display))


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i:i + BULK_CHUNK] for i in range(0, len(rows), BULK_CHUNK)]


ROLLUPS = (DailyFigure, DailyFiguresDay, DailyFiguresMark)  # derived from the projections: emptied, refilled when read


def rebuild_all(session: Session, site: Site, replayed: Replayed | list[dict[str, Any]]) -> None:
    """Rewrites every projection from `site` (a full replay of the journal) and the rows collected
    during that replay (`Replayed`; a list: the visits alone), in bulk statements. The daily rollup of
    the figures is emptied: reports/rollup.py fills it again from the rewritten projections."""
    if isinstance(replayed, list):
        visits, claims, stages = replayed, [], []
    else:
        visits, claims, stages = list(replayed.visits.values()), replayed.claims, replayed.stages
    displays = {rid: shown for rid, shown in session.execute(sa.select(Report.id, Report.phone_masked))}
    with session.no_autoflush:
        for table in (Report, Case, Warning, VisitRecord, ClaimRecord, StageRecord, *ROLLUPS):
            session.execute(sa.delete(table))
        existing = set(session.scalars(sa.select(Customer.id)))
        customers = [{"id": cid, **customer_values(state)} for cid, state in site.customers.items()
                     if cid in existing]
        for chunk in _chunks(customers):
            session.execute(sa.update(Customer), chunk)
        reports = [{**report_values(r), "phone_masked": displays.get(r.id)} for r in site.reports.values()]
        for model, rows in ((Report, reports), (VisitRecord, visits), (ClaimRecord, claims), (StageRecord, stages),
                            (Case, [case_values(c) for c in site.cases.values()]),
                            (Warning, [warning_values(w) for w in site.warnings.values()])):
            _insert_all(session.connection(), cast(sa.Table, model.__table__), rows)
    if session.get_bind().dialect.name == "postgresql":  # the planner's statistics of the rewritten tables: without
        # them (autovacuum comes later) it joins a year's stage changes to the customers row by row
        session.execute(sa.text("ANALYZE customers, reports, cases, warnings, visits, claims, stage_changes"))
    session.expire_all()


def _insert_all(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Every row, in bulk: PostgreSQL's COPY (a 1,000,000-entry year rewrites ~700,000 rows, and an
    executemany still runs one INSERT per row there), elsewhere Core executemany."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        for chunk in _chunks(rows):
            connection.execute(sa.insert(table), chunk)
        return
    from psycopg import sql as psql

    columns = list(rows[0])
    # each column's conversion as SQLAlchemy would bind it (UTCDateTime: aware -> naive UTC)
    convert = [(name, table.c[name].type.bind_processor(connection.dialect)) for name in columns]
    copy_sql = psql.SQL("COPY {} ({}) FROM STDIN").format(
        psql.Identifier(table.name), psql.SQL(", ").join(psql.Identifier(name) for name in columns))
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row([row[name] if processor is None else processor(row[name]) for name, processor in convert])


def snapshot_rows(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every projection row, for comparing a rebuild with the incremental state."""
    tables = {
        "customers": sa.select(Customer.id, Customer.merged_into, Customer.owner, Customer.protected_until,
                               Customer.frozen, Customer.channel, Customer.agent, Customer.first_visit_at,
                               Customer.last_visit_at, Customer.visit_count, Customer.stage, Customer.deal_at,
                               Customer.commission, Customer.blacklisted).order_by(Customer.id),
        "reports": sa.select(Report.id, Report.channel, Report.agent, Report.customer_id, Report.phone_masked,
                             Report.status, Report.reason, Report.expires_at).order_by(Report.id),
        "cases": sa.select(Case.id, Case.customer_id, Case.kind, Case.claimant, Case.recommended, Case.evidence,
                           Case.status, Case.verdict, Case.decided_by, Case.decision_reason).order_by(Case.id),
        "visits": sa.select(VisitRecord.id, VisitRecord.at, VisitRecord.customer_id, VisitRecord.registered_as,
                            VisitRecord.consultant, VisitRecord.channel, VisitRecord.first_visit,
                            VisitRecord.verified).order_by(VisitRecord.id),
        "warnings": sa.select(Warning.id, Warning.customer_id, Warning.kind, Warning.raised_at, Warning.evidence,
                              Warning.status, Warning.note).order_by(Warning.id),
        "claims": sa.select(ClaimRecord.id, ClaimRecord.at, ClaimRecord.customer_id, ClaimRecord.consultant,
                            ClaimRecord.outcome).order_by(ClaimRecord.id),
        "stage_changes": sa.select(StageRecord.id, StageRecord.at, StageRecord.customer_id, StageRecord.consultant,
                                   StageRecord.stage).order_by(StageRecord.id),
    }
    return {name: [tuple(row) for row in session.execute(query)] for name, query in tables.items()}
