"""认筹, 认购, 签约 and deals in one statement: the period's stage changes are read from the journal once
(a materialised CTE) and counted every way the channels, the leaderboard and the funnel need them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from reports.journal_sql import stage_events
from reports.period import Period


@dataclass(frozen=True)
class StageCounts:
    """Distinct customers, by what the figures group them by."""

    pledges_by_channel: dict[str, int]
    deals_by_channel: dict[str, int]  # deals closed in the period, by the customer's channel
    owed_by_commission: dict[str, int]  # the same deals by who is owed commission (a channel or natural)
    pledges_by_consultant: dict[str, int]  # who recorded the pledge
    deals_by_consultant: dict[str, int]  # who recorded the entry that closed the deal
    reached: dict[str, int]  # stage -> customers who reached it in the period


def stage_counts(session: Session, dialect: str, period: Period, consultant: str | None) -> StageCounts:
    """`consultant`: channel counts over their own customers, stages reached as recorded by them."""
    events = stage_events(dialect, period)
    customers = sa.func.count(sa.distinct(events.c.customer))
    pledge, closing = events.c.stage == "pledge", events.c.closing == 1
    own = [] if consultant is None else [events.c.owner == consultant]
    recorded = [] if consultant is None else [events.c.consultant == consultant]
    parts: list[tuple[str, Any, list[Any]]] = [
        ("pledges_by_channel", events.c.channel, [pledge, *own]),
        ("deals_by_channel", events.c.channel, [closing, *own]),
        ("owed_by_commission", events.c.commission, [closing, *own]),
        ("pledges_by_consultant", events.c.consultant, [pledge]),
        ("deals_by_consultant", events.c.consultant, [closing]),
        ("reached", events.c.stage, recorded),
    ]
    query = sa.union_all(*(sa.select(sa.literal(name).label("measure"), sa.cast(key, sa.String).label("key"),
                                     customers.label("n")).where(*conditions).group_by(key)
                           for name, key, conditions in parts))
    found: dict[str, dict[str, int]] = {name: {} for name, _key, _conditions in parts}
    for measure, key, n in session.execute(query):
        if key is not None:
            found[measure][key] = int(n)
    return StageCounts(**found)
