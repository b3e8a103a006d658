"""判客 and 防飞单 figures in SQL: cases opened (by kind) and decided in the period, kept or overridden;
warnings raised in the period by kind with what became of them (precision: confirmed ÷ handled).

A consultant's own view: the cases they are a side of, the warnings about their own customers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Case, Customer
from db.models import Warning as WarningRecord
from reports.data import CaseFigures, Count, WarningFigures, WarningKindFigures
from reports.journal_sql import entries
from reports.period import Period
from reports.tally import Tally

ACTIVE = ("open", "following", "intervened")


def _sides(consultant: str | None) -> list[Any]:
    if consultant is None:
        return []
    return [sa.or_(Case.claimant == consultant, Case.recommended == consultant, Case.verdict == consultant)]


def case_figures(session: Session, dialect: str, period: Period, consultant: str | None,
                 tally: Tally | None = None) -> CaseFigures:
    """`tally`: the site's daily rows of the period, which count cases opened and decided (a consultant's
    own cases are counted here: which cases are theirs changes with a verdict)."""
    if consultant is None and tally is not None:
        opened = sorted((Count(kind, n) for kind, (n, _m) in tally.keyed("opened").items() if n),
                        key=lambda c: (-c.count, c.key or ""))
        decided, kept = tally.keyed("decided").get("", (0, 0))
        return CaseFigures(opened=sum(c.count for c in opened), opened_by_kind=tuple(opened), decided=decided,
                           kept=kept, overridden=decided - kept)
    opened_rows = session.execute(
        sa.select(Case.kind, sa.func.count())
        .where(Case.opened_at >= period.start, Case.opened_at < period.end, *_sides(consultant))
        .group_by(Case.kind)).all()
    opened = sorted((Count(kind, int(n)) for kind, n in opened_rows), key=lambda c: (-c.count, c.key or ""))
    decisions = entries(dialect, ("case_decision",), period, "case_id", "verdict")
    kept_case = sa.case((decisions.c.verdict == Case.recommended, 1), else_=0)
    decided, kept = session.execute(
        sa.select(sa.func.count(), sa.func.sum(kept_case)).select_from(decisions)
        .join(Case, Case.id == decisions.c.case_id).where(*_sides(consultant))).one()
    decided, kept = int(decided or 0), int(kept or 0)
    return CaseFigures(opened=sum(c.count for c in opened), opened_by_kind=tuple(opened), decided=decided, kept=kept,
                       overridden=decided - kept)


def warning_figures(session: Session, period: Period, consultant: str | None,
                    tally: Tally | None = None) -> WarningFigures:
    """`tally`: the site's daily rows of the period, which count warnings by kind and status (a consultant's
    own, about the customers they own now, are counted here)."""
    counts: dict[str, dict[str, int]] = {}
    if consultant is None and tally is not None:
        for (measure, kind, status), (n, _m) in tally.sums.items():
            if measure == "warnings" and n:
                counts.setdefault(kind, {})[status] = n
        return _by_kind(counts)
    query = (sa.select(WarningRecord.kind, WarningRecord.status, sa.func.count())
             .where(WarningRecord.raised_at >= period.start, WarningRecord.raised_at < period.end)
             .group_by(WarningRecord.kind, WarningRecord.status))
    if consultant is not None:
        query = query.join(Customer, Customer.id == WarningRecord.customer_id).where(Customer.owner == consultant)
    for kind, status, n in session.execute(query):
        counts.setdefault(kind, {})[status] = int(n)
    return _by_kind(counts)


def _by_kind(counts: dict[str, dict[str, int]]) -> WarningFigures:
    kinds = [WarningKindFigures(kind=kind, raised=sum(by.values()), active=sum(by.get(s, 0) for s in ACTIVE),
                                resolved=by.get("resolved", 0), dismissed=by.get("dismissed", 0),
                                blacklisted=by.get("blacklisted", 0))
             for kind, by in counts.items()]
    return WarningFigures(tuple(sorted(kinds, key=lambda k: (-k.raised, k.kind))))
