"""顾问 figures: the consultants' leaderboard (visit groups received, first visits, pledges, deals,
customers under protection now, pool claims with their outcomes). The funnel is reports/funnel_figures.py's."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Consultant, Customer
from reports.data import ConsultantFigures, Count
from reports.stage_figures import StageCounts
from reports.tally import Tally

ACCEPTED = "accepted"  # a claim's outcome when the customer became the claimant's (judge.site_core.Outcome.claim)


def leaderboard(session: Session, tally: Tally, consultant: str | None, now: datetime,
                stages: StageCounts) -> list[ConsultantFigures]:
    """`tally`: the period's daily rows of the site (or of `consultant`'s own scope)."""
    received = tally.keyed("received") if consultant is None else {consultant: tally_total(tally, "groups")}
    claims: dict[str, dict[str, int]] = defaultdict(dict)
    for (measure, name, outcome), (n, _m) in tally.sums.items():
        if measure == "claims":
            claims[name][outcome] = n
    pledges, deals = stages.pledges_by_consultant, stages.deals_by_consultant
    protected_now = sa.or_(Customer.protected_until.is_(None), Customer.protected_until > now)
    owners = (sa.select(Customer.owner, sa.func.count())
              .where(Customer.merged_into.is_(None), Customer.owner.is_not(None), protected_now)
              .group_by(Customer.owner))
    if consultant is not None:
        owners = owners.where(Customer.owner == consultant)
    protected = {name: int(n) for name, n in session.execute(owners)}
    names = set(session.scalars(sa.select(Consultant.name).where(Consultant.active.is_(True))))
    names |= {name for name, (n, _m) in received.items() if n} | set(pledges) | set(deals) | set(claims)
    names.discard("")
    if consultant is not None:
        names = {consultant}

    def refused(name: str) -> tuple[Count, ...]:
        found = [Count(outcome, n) for outcome, n in claims.get(name, {}).items() if outcome != ACCEPTED and n]
        return tuple(sorted(found, key=lambda c: (-c.count, c.key or "")))

    board = [ConsultantFigures(consultant=name, visits=received.get(name, (0, 0))[0],
                               first_visits=received.get(name, (0, 0))[1], pledges=pledges.get(name, 0),
                               deals=deals.get(name, 0), protected=protected.get(name, 0),
                               claims=sum(claims.get(name, {}).values()), claimed=claims.get(name, {}).get(ACCEPTED, 0),
                               refused=refused(name))
             for name in names]
    return sorted(board, key=lambda c: (-c.deals, -c.visits, -c.first_visits, c.consultant))


def tally_total(tally: Tally, measure: str) -> tuple[int, int]:
    """A per-day measure summed over the period."""
    n = m = 0
    for (_day, name), (a, b) in tally.by_day.items():
        if name == measure:
            n, m = n + a, m + b
    return n, m

