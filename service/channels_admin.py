"""The 渠道 page's writes, behind a Desk: register a channel (with its first agents) and add an agent to
a registered channel. Both go through `Store.add_channel`, which creates a missing channel and adds
agents to an existing one; the checks here keep an agent from silently creating a channel by a typo,
and say which field is wrong.

An agent's name is unique across channels (the agents table is keyed by name), so a second 张伟 at
another channel needs a distinguishing name (张伟2, 张伟-链家).
"""

from __future__ import annotations

import sqlalchemy as sa

from db.database import read_session
from db.models import Agent, Channel
from judge.facts import NATURAL
from service.desk import Desk
from service.staff_admin import FieldRefused, clean_name


def _taken_agents(desk: Desk, names: list[str]) -> dict[str, str]:
    """agent -> its channel, for those of `names` already registered."""
    if not names:
        return {}
    with read_session(desk.store.engine) as session:
        return dict(session.execute(sa.select(Agent.name, Agent.channel).where(Agent.name.in_(names))).all())


def _agent_taken(name: str, channel: str) -> FieldRefused:
    return FieldRefused("agent", f"经纪人 {name} 已在渠道 {channel} 登记（同名请加区分，如 {name}2）/ agent "
                                 f"{name!r} is already registered at {channel!r}: give a distinguishing name")


def add_channel(desk: Desk, name: str, agents: list[str]) -> str:
    desk.require("channels.edit")
    name = clean_name(name, "channel", "渠道名称", "channel name")
    if name.lower() == NATURAL:
        raise FieldRefused("channel", f"{NATURAL!r} 表示自然来访，不能作渠道名 / {NATURAL!r} means a natural visit")
    cleaned = [clean_name(agent, "agent", "经纪人姓名", "agent's name") for agent in agents if agent.strip()]
    if len(set(cleaned)) != len(cleaned):
        raise FieldRefused("agent", "经纪人姓名重复 / an agent is listed twice")
    with read_session(desk.store.engine) as session:
        if session.get(Channel, name) is not None:
            raise FieldRefused("channel", f"渠道 {name} 已存在 / the channel {name!r} already exists")
    if taken := _taken_agents(desk, cleaned):
        raise _agent_taken(*next(iter(taken.items())))
    desk.store.add_channel(name, cleaned, actor=desk.actor)
    return name


def add_agent(desk: Desk, channel: str, name: str) -> str:
    desk.require("channels.edit")
    name = clean_name(name, "agent", "经纪人姓名", "agent's name")
    with read_session(desk.store.engine) as session:
        if not channel or session.get(Channel, channel) is None:
            raise FieldRefused("channel", f"请选择已登记的渠道 / choose a registered channel (not {channel!r})")
    if taken := _taken_agents(desk, [name]):
        raise _agent_taken(name, taken[name])
    desk.store.add_channel(channel, [name], actor=desk.actor)
    return name
