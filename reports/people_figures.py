"""顾问 and 漏斗 figures in SQL: the consultants' leaderboard (visit groups received, first visits,
pledges, deals, customers under protection now, pool claims) and the funnel 报备 → 来访 → 认筹 → 认购 → 签约."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Consultant, Customer
from reports.data import ConsultantFigures, FunnelStep, rate
from reports.journal_sql import entries
from reports.period import LocalTime
from reports.stage_figures import StageCounts
from reports.visit_figures import groups_of, visits_in

FUNNEL = ("report", "visit", "pledge", "subscribe", "contract")


def _named(session: Session, query: Any) -> dict[str, tuple[int, ...]]:
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in session.execute(query) if row[0] is not None}


def leaderboard(session: Session, local: LocalTime, consultant: str | None, now: datetime,
                stages: StageCounts) -> list[ConsultantFigures]:
    dialect, period = local.dialect, local.period
    groups = groups_of(visits_in(local, consultant), "consultant")
    received = _named(session, sa.select(groups.c.consultant, sa.func.count(), sa.func.sum(groups.c.first))
                      .group_by(groups.c.consultant))
    pledges, deals = stages.pledges_by_consultant, stages.deals_by_consultant
    protected_now = sa.or_(Customer.protected_until.is_(None), Customer.protected_until > now)
    protected = _named(session, sa.select(Customer.owner, sa.func.count())
                       .where(Customer.merged_into.is_(None), Customer.owner.is_not(None), protected_now)
                       .group_by(Customer.owner))
    claims_made = entries(dialect, ("claim",), period, "consultant")
    claims = _named(session, sa.select(claims_made.c.consultant, sa.func.count()).group_by(claims_made.c.consultant))
    names = set(session.scalars(sa.select(Consultant.name).where(Consultant.active.is_(True))))
    names |= set(received) | set(pledges) | set(deals) | set(claims)
    if consultant is not None:
        names = {consultant}
    board = [ConsultantFigures(consultant=name, visits=received.get(name, (0, 0))[0],
                               first_visits=received.get(name, (0, 0))[1], pledges=pledges.get(name, 0),
                               deals=deals.get(name, 0), protected=protected.get(name, (0,))[0],
                               claims=claims.get(name, (0,))[0])
             for name in names]
    return sorted(board, key=lambda c: (-c.deals, -c.visits, -c.first_visits, c.consultant))


def funnel(stages: StageCounts, reports: int, visit_groups: int) -> list[FunnelStep]:
    """`reports` and `visit_groups` as counted for the channels and visits; the stages: customers who
    reached each one in the period (a consultant's: recorded by them)."""
    reached = stages.reached
    counts = [reports, visit_groups, reached.get("pledge", 0), reached.get("subscribe", 0), reached.get("contract", 0)]
    return [FunnelStep(key, count, None if i == 0 else rate(count, counts[i - 1]))
            for i, (key, count) in enumerate(zip(FUNNEL, counts, strict=True))]
