"""The reception desk's registration of a visitor on someone's behalf (the site server's tablet), as the
kiosk's staff mode does it: the receptionist's Desk is checked first (`reception.confirm`, the kiosk's own
check for a walk-in), the visit is written verified with the receptionist as its actor, and a blacklisted
number, agent or channel is refused before anything is written. With no consultant chosen the engine
gives the visitor to the rotation's next (judge/visits.py); a protected customer goes to the owner."""

from __future__ import annotations

from dataclasses import dataclass

from db import identity
from judge import facts as f
from judge.reasons import EngineError
from service import reception
from service.desk import Desk
from service.store import WriteResult

REGISTER = "reception.confirm"  # the kiosk's staff mode asks this of the staff member for a walk-in


class Blacklisted(EngineError):
    """The visitor, agent or channel is on the blacklist: nothing written, the manager decides."""


@dataclass(frozen=True)
class Choices:
    sources: list[reception.Source]
    channels: dict[str, list[str]]  # registered channels and their agents, blacklisted ones left out
    rotation: list[reception.RotationSlot]


def choices(desk: Desk) -> Choices:
    """What the registration form offers: the project's sources, channels with agents, the rotation."""
    desk.require(REGISTER)
    store = desk.store
    with store._lock:  # the engine cache is read under the store's lock
        site = store.site()
        channels_out, agents_out = set(site.blacklisted_channels), set(site.blacklisted_agents)
    channels = {name: [a for a in agents if a not in agents_out]
                for name, agents in reception.channels(store).items() if name not in channels_out}
    return Choices(reception.sources(store), channels, reception.rotation_board(store))


def register(desk: Desk, phone: str, *, source: str, name: str | None = None, channel: str | None = None,
             agent: str | None = None, consultant: str | None = None) -> WriteResult:
    """One visitor registered at reception: InvalidPhone (a ValueError, in words) before any write."""
    desk.require(REGISTER)
    store = desk.store
    found = next((s for s in reception.sources(store) if s.name == source), None)
    if found is None:
        raise EngineError(f"未知来源 / unknown source: {source!r}")
    fields = reception.visit_fields(found, channel=channel, agent=agent)
    identity.phone_keys(store.keyring, phone)  # the number checked before the blacklist is asked about it
    named = None if fields["channel"] == f.NATURAL else fields["channel"]
    if reception.is_blacklisted(store, phone=phone, agent=fields["agent"], channel=named):
        raise Blacklisted("黑名单：请联系案场经理，未登记 / on the blacklist: ask the manager; nothing was registered")
    return store.register_visit(phone, consultant=consultant or None, name=(name or "").strip() or None,
                                verified=True, actor=desk.actor, **fields)
