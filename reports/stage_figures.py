"""认筹, 认购, 签约 and deals in two statements: the period's stage changes (the stage_changes projection)
are read with their customers (a materialised CTE) and counted every way the channels, the leaderboard
and the funnel need them (its conversions between stages: reports/funnel_figures.py says what they are).
The two halves are independent, so reports/stages_aside.py reads them at once on connections of their own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import VisitRecord
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
    converted: dict[str, int]  # pledge | subscribe | contract -> of the step before's customers, who reached it


FUNNEL_STAGES = ("pledge", "subscribe", "contract")
# stage -> its conversion's base: of the customers who visited (pledged, subscribed) in the period, those who
# reached the stage in it
CONVERTED_FROM = {"pledge": "visited", "subscribe": "pledge", "contract": "subscribe"}
FLAGS = (*FUNNEL_STAGES, "visited")


def reached_by_customer(events: Any, period: Period, consultant: str | None) -> Any:
    """A SELECT of one row per customer with a stage change in `events` (recorded by `consultant`, if
    given): which of 认筹, 认购, 签约 they reached (1 or 0), and whether they visited in the period
    (received by `consultant`; looked up for those who pledged only, the one stage it matters for)."""
    mine = [] if consultant is None else [events.c.consultant == consultant]
    reached = {stage: sa.func.max(sa.case((events.c.stage == stage, 1), else_=0)) for stage in FUNNEL_STAGES}
    visited = sa.exists().where(VisitRecord.customer_id == events.c.customer, VisitRecord.at >= period.start,
                                VisitRecord.at < period.end,
                                *([] if consultant is None else [VisitRecord.consultant == consultant]))
    return (sa.select(events.c.customer, *(flag.label(stage) for stage, flag in reached.items()),
                      sa.case((sa.and_(reached["pledge"] == 1, visited), 1), else_=0).label("visited"))
            .where(*mine).group_by(events.c.customer))


def converted_where(reached: Any) -> dict[str, list[Any]]:
    """stage -> the conditions on reached_by_customer's rows that select the customers converted into it."""
    return {stage: [reached.c[stage] == 1, reached.c[before] == 1] for stage, before in CONVERTED_FROM.items()}


Found = dict[str, dict[str, int]]  # a StageCounts field -> its counts, as a half of them reads them
HALVES = ("groupings", "conversions")  # one statement each: both are read at once where they can be


def stage_counts(session: Session, dialect: str, period: Period, consultant: str | None) -> StageCounts:
    """`consultant`: channel counts over their own customers, stages reached as recorded by them."""
    return counts_of([count_half(session, dialect, period, consultant, half) for half in HALVES])


def counts_of(halves: list[Found]) -> StageCounts:
    found: Found = {name: {} for name in StageCounts.__dataclass_fields__}
    for half in halves:
        for name, counts in half.items():
            found[name].update(counts)
    return StageCounts(**found)


def count_half(session: Session, dialect: str, period: Period, consultant: str | None, half: str) -> Found:
    """"groupings": a customer has one channel and one commission, so the customers by stage and channel
    add up to the customers by stage, and the deals by channel and commission to either: three groupings
    count all six (four for a consultant, whose stages reached are filtered otherwise).
    "conversions": the customers by which stages they reached and whether they visited (the funnel's)."""
    events = stage_events(dialect, period, attributes=half == "groupings")
    customers = sa.func.count(sa.distinct(events.c.customer)).label("n")

    def part(name: str, keys: list[Any], *conditions: Any) -> Any:
        columns = [sa.cast(k, sa.String) for k in keys] + [sa.null()] * (2 - len(keys))
        return (sa.select(sa.literal(name).label("part"), columns[0].label("a"), columns[1].label("b"), customers)
                .where(*conditions).group_by(*keys))

    if half == "groupings":
        pledge, closing = sa.cast(events.c.stage == "pledge", sa.Integer), events.c.closing
        own = [] if consultant is None else [events.c.owner == consultant]
        parts = [part("stage_channel", [events.c.stage, events.c.channel], *own),
                 part("deals", [events.c.channel, events.c.commission], closing == 1, *own),
                 part("recorded", [events.c.consultant, pledge], sa.or_(pledge == 1, closing == 1))]
        if consultant is not None:
            parts.append(part("reached", [events.c.stage], events.c.consultant == consultant))
        statement: Any = sa.union_all(*parts)
    else:
        reached = reached_by_customer(events, period, consultant).subquery()  # the customers by what they did
        flags = [reached.c[name] for name in FLAGS]
        code: Any = sa.cast(flags[0], sa.String)
        for flag in flags[1:]:
            code = code + sa.cast(flag, sa.String)
        statement = sa.select(sa.literal("flags"), code, sa.null(), sa.func.count()).group_by(*flags)
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for name, a, b, n in session.execute(statement):
        n = int(n)
        if name == "stage_channel":
            if consultant is None:
                found["reached"][a] += n
            if a == "pledge" and b is not None:
                found["pledges_by_channel"][b] += n
        elif name == "deals":
            if a is not None:
                found["deals_by_channel"][a] += n
            if b is not None:
                found["owed_by_commission"][b] += n
        elif name == "recorded" and a is not None:
            found["pledges_by_consultant" if b == "1" else "deals_by_consultant"][a] += n
        elif name == "reached":
            found["reached"][a] += n
        elif name == "flags":  # "1101": pledged, subscribed, not signed, visited
            did = {flag: a[i] == "1" for i, flag in enumerate(FLAGS)}
            for stage, before in CONVERTED_FROM.items():
                if did[stage] and did[before]:
                    found["converted"][stage] += n
    return {name: dict(counts) for name, counts in found.items()}
