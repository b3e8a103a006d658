"""What the kiosk and the reception screens read: check-ins awaiting 前台确认, blacklist checks, channels,
the rotation board, and the per-project check-in sources (how the visitor heard of the project).

Personal data shown here is masked (138****5678) or reduced to a surname display (张女士, 张*); nothing
about customers other than the ones asked about is returned.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import checkin_refs, identity, personal, text_rules
from db.database import read_session
from db.keys import Keyring
from db.models import Agent, Channel, Customer, JournalEntry, Setting, VisitRecord
from db.search_keys import decrypted_people
from judge import facts as f
from judge.reasons import EngineError

if TYPE_CHECKING:
    from service.store import Store

HONORIFICS = ("女士", "先生", "小姐")
SOURCES_KEY = "checkin_sources"


@dataclass(frozen=True)
class PendingCheckin:
    visit_seq: int
    at: datetime  # the kiosk's check-in time when it sent one, else when the store registered it
    phone_masked: str | None
    surname: str | None  # display form: 张女士 as the visitor gave it, else 张* (None without a name)
    consultant: str | None  # who received the check-in (the owner of a protected customer)
    channel: str | None = None  # the channel the check-in named (None: natural)
    agent: str | None = None
    arrival: int | None = None  # a later check-in of an arrival (FORMAT.md): the seq of its first one


@dataclass(frozen=True)
class RotationSlot:
    name: str
    busy: bool
    is_next: bool  # takes the next walk-in


@dataclass(frozen=True)
class Source:
    """A check-in source and how a visit from it is registered:
    `registers_as` "natural": a natural visit (自然来访), the source only kept beside it for statistics;
    "channel": a channel-led visit (带访) — `channel` None lets the visitor pick the channel and agent
    from `channels()`, a fixed `channel` (全民经纪人) asks only for the agent (the referrer)."""

    name: str
    registers_as: str = "natural"
    channel: str | None = None


DEFAULT_SOURCES = (
    Source("自然来访"),
    Source("渠道带访", "channel"),
    Source("全民经纪人", "channel", "全民经纪人"),
    Source("线上平台"),  # online listings bring leads, not a reported agent: natural, counted by source
    Source("老业主推荐"),  # 老带新: the referring owner is rewarded outside the 判客 rules; natural visit
)


def surname_display(session: Session, keyring: Keyring, customer_id: int) -> str | None:
    """张女士 when the visitor gave their name that way, else the surname with the rest starred (张*)."""
    return shown_surname(identity.customer_name(session, keyring, customer_id))


def shown_surname(name: str | None) -> str | None:
    """surname_display's form of a name already decrypted (in bulk: search_keys.decrypted_people)."""
    if not name:
        return None
    name = name.strip()
    surname = personal.surname_of(name)
    rest = name[len(surname):].strip()
    if rest in HONORIFICS or not rest or not surname:
        return name
    if surname.isascii():
        return f"{surname} *"  # Zhang Wei -> Zhang *
    return surname + "*" * min(len(rest), 2)


def pending_checkins(store: Store) -> list[PendingCheckin]:
    """Every check-in waiting for 前台确认, oldest arrival first, a later check-in of an arrival right
    after its first (the same arrival: confirming any of them confirms all, judge/visits.py)."""
    with store._lock:  # the engine cache is read under the store's lock
        site = store.site()
        first_of = {seq: c.unconfirmed_seq for c in site.customers.values() if c.merged_into is None
                    for seq in c.awaiting()}
    if not first_of:
        return []
    with read_session(store.engine) as session:
        seqs = list(first_of)
        rows = session.execute(sa.select(VisitRecord.id, VisitRecord.at, VisitRecord.registered_as,
                                         VisitRecord.consultant, Customer.phone_masked)
                               .join(Customer, Customer.id == VisitRecord.registered_as)
                               .where(VisitRecord.id.in_(seqs))).all()
        arrived = checkin_refs.arrivals(session, seqs)
        named = {seq: json.loads(payload) for seq, payload in session.execute(
            sa.select(JournalEntry.seq, JournalEntry.payload).where(JournalEntry.seq.in_(seqs)))}
        # names decrypted in one query: a queue a day left unconfirmed is hundreds of names
        names = decrypted_people(session, store.keyring, sorted({row.registered_as for row in rows}), phones=False)
    found = {}
    for seq, at, registered_as, consultant, masked in rows:
        channel = named.get(seq, {}).get("channel", f.NATURAL)
        found[seq] = PendingCheckin(
            visit_seq=seq, at=arrived.get(seq, at), phone_masked=masked,
            surname=shown_surname(names.get(registered_as, (None, None))[1]), consultant=consultant,
            channel=None if channel == f.NATURAL else channel, agent=named.get(seq, {}).get("agent"),
            arrival=None if first_of[seq] == seq else first_of[seq])

    def order(p: PendingCheckin) -> tuple[datetime, int, int, datetime, int]:
        first = found.get(p.arrival or p.visit_seq, p)
        return first.at, first.visit_seq, p.arrival is not None, p.at, p.visit_seq
    return sorted(found.values(), key=order)


def is_blacklisted(store: Store, *, phone: str | None = None, agent: str | None = None,
                   channel: str | None = None) -> bool:
    """True when any one given is on the blacklist. An unknown phone is not (it is nobody yet)."""
    customer = store.customer_id(phone) if phone else None
    with store._lock:
        site = store.site()
        if agent is not None and agent in site.blacklisted_agents:
            return True
        if channel is not None and channel in site.blacklisted_channels:
            return True
        if customer is None:
            return False
        state = site.customers.get(site.resolve(customer))
        return state is not None and state.blacklisted


def channels(store: Store) -> dict[str, list[str]]:
    """Every registered channel with its agents, sorted (blacklisted ones too: check with is_blacklisted)."""
    with read_session(store.engine) as session:
        found: dict[str, list[str]] = {name: [] for name in session.scalars(
            sa.select(Channel.name).order_by(Channel.name))}
        for agent, channel in session.execute(sa.select(Agent.name, Agent.channel).order_by(Agent.name)):
            found.setdefault(channel, []).append(agent)
    return found


def rotation_board(store: Store) -> list[RotationSlot]:
    """The consultants on duty in rotation order; `is_next` marks who takes the next walk-in (the first
    one not busy, or the head of the queue when everyone is)."""
    with store._lock:
        site = store.site()
        order, busy = list(site.rotation), set(site.busy)
    free = [name for name in order if name not in busy]
    next_one = free[0] if free else (order[0] if order else None)
    return [RotationSlot(name=name, busy=name in busy, is_next=name == next_one) for name in order]


def sources(store: Store) -> list[Source]:
    """The project's check-in sources in display order (the defaults until a manager sets them). A
    source tied to a channel that is not registered, or blacklisted, is left out: the kiosk offers only
    what it can register."""
    with read_session(store.engine) as session:
        stored = session.scalar(sa.select(Setting.value).where(Setting.key == SOURCES_KEY))
        registered = set(session.scalars(sa.select(Channel.name)))
    configured = DEFAULT_SOURCES if stored is None else tuple(Source(**item) for item in json.loads(stored))
    with store._lock:
        blacklisted = set(store.site().blacklisted_channels)
    return [s for s in configured
            if s.channel is None or (s.channel in registered and s.channel not in blacklisted)]


def set_sources(store: Store, new: list[Source], actor: str = "manager") -> None:
    """Replaces the project's sources (journalled). Names must be unique; a fixed channel must exist."""
    names = [s.name.strip() for s in new]
    if not new or any(not n or len(n) > text_rules.SOURCE_MAX for n in names) or len(set(names)) != len(names):
        raise EngineError(f"来源名称须唯一，1-{text_rules.SOURCE_MAX} 个字符 / source names must be unique, 1 to "
                          f"{text_rules.SOURCE_MAX} characters")
    for name in names:
        text_rules.clean_name(name, "来源名称", "source name", text_rules.SOURCE_MAX)
    for s in new:
        if s.registers_as not in ("natural", "channel") or (s.registers_as == "natural" and s.channel):
            raise EngineError(f"来源 {s.name} 的登记方式无效 / source {s.name!r}: registers_as is natural "
                              "(without a channel) or channel")
        if s.channel == f.NATURAL:
            raise EngineError(f"来源 {s.name}: 渠道不能是 natural / the channel cannot be 'natural'")
    items = [asdict(s) for s in new]

    def work(session: Session) -> dict[str, Any]:
        for s in new:
            if s.channel is not None and session.get(Channel, s.channel) is None:
                raise EngineError(f"未知渠道 / unknown channel: {s.channel!r}")
        value = json.dumps(items, ensure_ascii=False)
        row = session.get(Setting, SOURCES_KEY)
        if row is None:
            session.add(Setting(key=SOURCES_KEY, value=value))
        else:
            row.value = value
        return {"setting": SOURCES_KEY, "value": items}

    store._journal_only("setting", actor, work)


def visit_fields(source: Source, *, channel: str | None = None, agent: str | None = None) -> dict[str, Any]:
    """The `register_visit` keyword arguments for a check-in from `source` (channel, agent, source)."""
    if source.registers_as == "natural":
        return {"channel": f.NATURAL, "agent": None, "source": source.name}
    chosen = source.channel or channel
    if not chosen:
        raise EngineError(f"{source.name}: 请选择渠道 / choose the channel")
    if not agent:
        raise EngineError(f"{source.name}: 请选择经纪人 / choose the agent")
    return {"channel": chosen, "agent": agent, "source": source.name}
