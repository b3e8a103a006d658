"""漏斗 报备 → 来访 → 认筹 → 认购 → 签约: each step's count as the rest of the figures count it, and its
conversion as a share of one set of people, so that it never passes 100%:

- 报备: the reports made in the period (every one, valid or not).
- 来访: the visit groups of the period (walk-ins too). Its conversion is the 报备到访率: of the customers
  with a valid report made in the period, those the report brought (已带访: the report was used at their
  first visit, then or since). A masked report (138****5678) names nobody until it is used, so it counts
  as a person of its own.
- 认筹, 认购, 签约: the customers who reached the step in the period. The conversion: of the customers
  who visited in the period (who pledged; who subscribed), those who reached this step in the period.
  A step skipped (a subscription without a pledge) counts in the step, not in its conversion.

A consultant's own funnel: reports on their customers, the visits they received, stages they recorded.
Counted by SQL: the valid reports here; the stages' conversions with the other stage counts, in the
statement that reads the period's stage changes once (reports/stage_figures.py); the customers who
visited are the period's visit groups whose visit before lies before the period, added up from the
daily rows (reports/rollup.py, the `since` measure), so no visit of a long period is read.
reports/behind.py lists the customers converted at each step with the same SQL (`converted_ids`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db.models import Customer, Report
from reports.data import FunnelStep, rate
from reports.journal_sql import seq_range, stage_events
from reports.period import Period
from reports.stage_figures import FUNNEL_STAGES, StageCounts, converted_where, reached_by_customer
from reports.tally import Tally

USED = "used"  # a report that brought its customer (带访)


def visitors(tally: Tally, period: Period) -> int:
    """Distinct customers who visited in the period: its groups with no visit before them in the period."""
    first = period.first.isoformat()
    return sum(n for key, (n, _m) in tally.keyed("since").items() if key < first)  # "" (none) sorts first


def _reported(session: Session, period: Period, consultant: str | None) -> Any:
    """The period's valid reports: the person each is on (the customer, merges followed; a masked
    report's own negated id) and whether it brought them."""
    first, last = seq_range(session, period)  # a report's id is its journal entry
    named = aliased(Customer)
    person = sa.case((Report.customer_id.is_(None), -Report.id),
                     else_=sa.func.coalesce(named.merged_into, Report.customer_id))
    query = (sa.select(person.label("person"), Report.status)
             .outerjoin(named, named.id == Report.customer_id)
             .where(Report.id >= first, Report.id <= last, Report.status != "invalid"))
    if consultant is not None:  # as the 报备 count of their own view: reports on their customers
        query = query.where(named.owner == consultant)
    return query.subquery()


def converted_ids(session: Session, period: Period, step: str, consultant: str | None = None) -> Any:
    """A SELECT of the ids of the customers converted into `step` (masked reports name nobody)."""
    if step == "visit":
        reported = _reported(session, period, consultant)
        return sa.select(reported.c.person).where(reported.c.status == USED, reported.c.person > 0)
    if step not in FUNNEL_STAGES:
        raise ValueError(f"no conversion into {step!r}")
    events = stage_events(session.get_bind().dialect.name, period)
    reached = reached_by_customer(events, period, consultant).subquery()
    return sa.select(reached.c.customer).where(*converted_where(reached)[step])


def report_visits(session: Session, period: Period, consultant: str | None) -> tuple[int, int]:
    """报备到访: (the customers of the period's valid reports who came on them, those customers)."""
    reported = _reported(session, period, consultant)
    used = sa.case((reported.c.status == USED, reported.c.person))
    n, base = session.execute(sa.select(sa.func.count(sa.distinct(used)),
                                        sa.func.count(sa.distinct(reported.c.person)))).one()
    return int(n), int(base)


def funnel(stages: StageCounts, reports: int, visit_groups: int, visited: int,
           report_visited: tuple[int, int]) -> list[FunnelStep]:
    """`reports` and `visit_groups` as the channels and visits count them; `visited`: the customers who
    visited (visitors()); `report_visited`: report_visits()."""
    reached, converted = stages.reached, stages.converted
    steps = [FunnelStep("report", reports, None),
             FunnelStep("visit", visit_groups, rate(*report_visited), *report_visited)]
    for stage, base in zip(FUNNEL_STAGES, (visited, reached.get("pledge", 0), reached.get("subscribe", 0)), strict=True):
        n = converted.get(stage, 0)
        steps.append(FunnelStep(stage, reached.get(stage, 0), rate(n, base), n, base))
    return steps
