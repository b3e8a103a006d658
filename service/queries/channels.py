"""The 渠道 page: each channel with its agents and what it brought (reports by status, visits, deals),
and agents found by name or pinyin initials (郑伟: zw, zhengwei).

A pending report whose protection window has passed counts as expired even before the engine next
touches it: the page shows what a channel can still rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pypinyin import Style, lazy_pinyin
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import Agent, Channel, Customer, Report, VisitRecord
from service.store import Store

REPORT_COLUMNS = ("pending", "used", "expired", "invalid")


@dataclass(frozen=True)
class ChannelSummary:
    name: str
    agents: int
    blacklisted: bool
    pending: int  # reports still protecting a customer
    used: int  # reports that led to a visit (带访)
    expired: int
    invalid: int
    visits: int  # verified visits naming the channel
    deals: int  # closed deals of the channel's customers
    commissions: int  # of those, deals within the channel's protection (应结佣)


@dataclass(frozen=True)
class AgentRow:
    name: str
    channel: str
    initials: str  # zw for 郑伟
    blacklisted: bool
    reports: int
    customers: int  # customers whose first visit came through this agent


@lru_cache(maxsize=4096)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a name, lower case: 郑伟 -> ("zw", "zhengwei")."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()
    full = "".join(lazy_pinyin(name, errors="default")).lower()
    return initials, full


def matches(name: str, text: str) -> bool:
    """The agent filter: part of the name, the start of the initials (zw, z) or of the full pinyin."""
    typed = text.strip().lower().replace(" ", "")
    if not typed:
        return True
    initials, full = pinyin_keys(name)
    return typed in name.lower() or initials.startswith(typed) or full.startswith(typed)


def _counts(session: Session, query: Any) -> dict[str, int]:
    """{key: count} from a (key, count) grouping; rows with a NULL key are left out."""
    return {name: int(count) for name, count in session.execute(query) if name is not None}


def channel_summaries(store: Store, now: datetime) -> list[ChannelSummary]:
    with store._lock:
        blacklisted = set(store.site().blacklisted_channels)
    with read_session(store.engine) as session:
        names = list(session.scalars(sa.select(Channel.name).order_by(Channel.name)))
        agents = _counts(session, sa.select(Agent.channel, sa.func.count()).group_by(Agent.channel))
        reports: dict[tuple[str, str], int] = {
            (channel, state): int(count) for channel, state, count in session.execute(
                sa.select(Report.channel, Report.status, sa.func.count()).group_by(Report.channel, Report.status))}
        lapsed = _counts(session, sa.select(Report.channel, sa.func.count())  # pending, but past their window
                         .where(Report.status == "pending", Report.expires_at <= now).group_by(Report.channel))
        visits = _counts(session, sa.select(VisitRecord.channel, sa.func.count())
                         .where(VisitRecord.verified.is_(True)).group_by(VisitRecord.channel))
        dealt = sa.and_(Customer.deal_at.is_not(None), Customer.merged_into.is_(None))
        deals = _counts(session, sa.select(Customer.channel, sa.func.count()).where(dealt)
                        .group_by(Customer.channel))
        commissions = _counts(session, sa.select(Customer.commission, sa.func.count()).where(dealt)
                              .group_by(Customer.commission))
    for channel, count in lapsed.items():
        reports[(channel, "pending")] -= count
        reports[(channel, "expired")] = reports.get((channel, "expired"), 0) + count
    return [ChannelSummary(name=name, agents=agents.get(name, 0), blacklisted=name in blacklisted,
                           **{state: reports.get((name, state), 0) for state in REPORT_COLUMNS},
                           visits=visits.get(name, 0), deals=deals.get(name, 0),
                           commissions=commissions.get(name, 0))
            for name in names]


def agents(store: Store, channel: str | None = None, text: str = "") -> list[AgentRow]:
    """Agents (of one channel, or all) matching `text`, by channel then name."""
    with store._lock:
        blacklisted = set(store.site().blacklisted_agents)
    query = sa.select(Agent.name, Agent.channel).order_by(Agent.channel, Agent.name)
    if channel is not None:
        query = query.where(Agent.channel == channel)
    with read_session(store.engine) as session:
        found = [(name, at) for name, at in session.execute(query) if matches(name, text)]
        wanted = [name for name, _at in found]
        reports = _counts(session, sa.select(Report.agent, sa.func.count()).where(Report.agent.in_(wanted))
                          .group_by(Report.agent))
        brought = _counts(session, sa.select(Customer.agent, sa.func.count())
                          .where(Customer.agent.in_(wanted), Customer.merged_into.is_(None))
                          .group_by(Customer.agent))
    return [AgentRow(name=name, channel=at, initials=pinyin_keys(name)[0], blacklisted=name in blacklisted,
                     reports=reports.get(name, 0), customers=brought.get(name, 0))
            for name, at in found]
