"""A busy site's year, made by the engine itself so every fact is one it accepts and judges.

`BusyYear.facts()` yields facts in time order; the caller applies each to `year.site` before asking for
the next (the generator looks at the judged state to pick valid follow-ups, claims, releases, verdicts).
`write_year` does that and bulk-writes the journal (real hash chain), customers, keys and identities, so
the database is what a year of Store writes would have left, minus the projections (`Store.rebuild`).
"""

from __future__ import annotations

import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from heapq import heappop, heappush
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db import identity, journal
from db.keys import Keyring, encrypt_field
from db.models import Agent, Channel, Consultant, Customer, CustomerKey, Identity, JournalEntry
from judge import facts as f
from judge.engine import Site
from judge.reasons import EngineError

YEAR_START = datetime(2025, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
OPEN_HOURS = 12
CONSULTANTS = [f"顾问{i:02d}" for i in range(20)]
CHANNELS = {f"渠道{c}": [f"经纪人{c}{a}" for a in range(10)] for c in "ABCDE"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
BATCH = 20_000


def phone_of(customer: int) -> str:
    return f"138{customer:08d}"


def new_phone(n: int) -> str:
    """Phones no synthetic customer has: for check-ins of new visitors."""
    return f"139{n:08d}"


@dataclass
class Person:
    id: int
    phone: str
    name: str
    created_at: datetime
    keys: identity.PhoneKeys | None = None


@dataclass
class Entry:
    fact: f.Fact | None
    kind: str
    actor: str
    station: str
    payload: dict[str, Any]
    at: datetime


class BusyYear:
    """Facts of a sales office with `customers` new customers among `entries` journal entries a year."""

    def __init__(self, keyring: Keyring, entries: int, customers: int, seed: int = 1, first_seq: int = 1) -> None:
        self.site = Site()
        self.keyring = keyring
        self.entries = entries
        self.per_day = max(1, entries // 365)
        self.new_share = customers / entries
        self.draw = random.Random(seed)
        self.seq = first_seq
        self.people: list[Person] = []
        self.visited: list[int] = []
        self.released: list[int] = []
        self.pending: list[tuple[datetime, int, str, str]] = []  # scheduled channel-led visits
        self.reported: dict[int, str] = {}
        self.faces: dict[int, str] = {}
        self.open_cases: deque[int] = deque()
        self.open_warnings: deque[int] = deque()
        self._ids_seen = 1
        self.stream = self.facts()
        self._surname_keys = {s: identity.surname_key(keyring, s + "先生") for s in SURNAMES}

    # ------------------------------------------------------------------ people
    def _new_person(self, at: datetime) -> Person:
        n = len(self.people) + 1
        person = Person(n, phone_of(n), self.draw.choice(SURNAMES) + "女士", at)
        self.people.append(person)
        return person

    def _keys(self, person: Person) -> tuple[str, str | None]:
        if person.keys is None:
            person.keys = identity.phone_keys(self.keyring, person.phone)
        return person.keys.mask, self._surname_keys[person.name[0]]

    # ------------------------------------------------------------------- facts
    def facts(self) -> Iterator[Entry]:
        """Endless: one year is `entries` of them. Apply each to `self.site` before the next."""
        for step in range(10**12):
            day, slot = divmod(step, self.per_day)
            at = YEAR_START + timedelta(days=day, seconds=(slot + 0.5) * OPEN_HOURS * 3600 / self.per_day)
            self._note_new_cases_and_warnings()
            entry = self._duty(at) if slot == 0 else self._next(at)
            yield entry
            self.seq += 1

    def _entry(self, fact: f.Fact, actor: str, station: str) -> Entry:
        return Entry(fact, f.KIND_OF[type(fact)], actor, station, f.to_payload(fact), fact.at)

    def _duty(self, at: datetime) -> Entry:
        on_duty = self.draw.sample(CONSULTANTS, 12)
        return self._entry(f.Duty(seq=self.seq, at=at, consultants=tuple(on_duty)), "manager", "console")

    def _next(self, at: datetime) -> Entry:
        if self.pending and self.pending[0][0] <= at:
            _, customer, channel, agent = heappop(self.pending)
            return self._visit(at, customer, channel=channel, agent=agent)
        r = self.draw.random()
        for share, make in self._mix():
            if r < share:
                entry = make(at)
                if entry is not None:
                    return entry
                break
            r -= share
        return self._returning_visit(at) or self._new_visit(at)

    def _mix(self) -> list[tuple[float, Callable[[datetime], Entry | None]]]:
        return [
            (self.new_share * 0.6, self._new_visit),
            (self.new_share * 0.4, self._report),
            (0.22, self._returning_visit),
            (0.30, self._follow_up),
            (0.04, self._sighting),
            (0.04, self._stage),
            (0.02, self._claim),
            (0.01, self._release),
            (0.005, self._assign),
            (0.03, self._busy),
            (0.01, self._decide_case),
            (0.01, self._update_warning),
            (0.0005, self._blacklist),
            (0.00002, self._rules),
        ]

    def _valid(self, fact: f.Fact, actor: str, station: str) -> Entry | None:
        try:
            self.site.validate(fact)
        except EngineError:
            return None
        return self._entry(fact, actor, station)

    def _kiosk(self) -> str:
        return f"kiosk{self.draw.randrange(4)}"

    def _new_visit(self, at: datetime) -> Entry:
        person = self._new_person(at)
        mask, surname = self._keys(person)
        face = f"face-{person.id}" if self.draw.random() < 0.3 else None
        if face:
            self.faces[person.id] = face
        named = self.draw.choice(CONSULTANTS) if self.draw.random() < 0.1 else None
        self.visited.append(person.id)
        fact = f.Visit(seq=self.seq, at=at, customer=person.id, consultant=named, face=face, mask=mask,
                       surname=surname, verified=self.draw.random() < 0.97)
        return self._entry(fact, "reception", self._kiosk())

    def _visit(self, at: datetime, customer: int, channel: str = f.NATURAL, agent: str | None = None,
               consultant: str | None = None) -> Entry:
        person = self.people[customer - 1]
        mask, surname = self._keys(person)
        if customer not in self.site.customers or self.site.customers[customer].first_seen_at is None:
            self.visited.append(customer)
        fact = f.Visit(seq=self.seq, at=at, customer=customer, consultant=consultant, channel=channel,
                       agent=agent, face=self.faces.get(customer), mask=mask, surname=surname)
        return self._entry(fact, "reception", self._kiosk())

    def _returning_visit(self, at: datetime) -> Entry | None:
        if not self.visited:
            return None
        customer = self._recent(self.visited)
        named = self.draw.choice(CONSULTANTS) if self.draw.random() < 0.05 else None
        return self._visit(at, customer, consultant=named)

    def _recent(self, pool: list[int]) -> int:
        """Mostly recent customers: a site's activity follows its newer leads."""
        return pool[max(0, len(pool) - 1 - int(self.draw.expovariate(1 / 2000)))]

    def _report(self, at: datetime) -> Entry:
        channel = self.draw.choice(list(CHANNELS))
        agent = self.draw.choice(CHANNELS[channel])
        r = self.draw.random()
        if r < 0.1 and self.reported:  # a rival channel reports a pending customer: duplicate
            customer = self.draw.choice(list(self.reported)[-500:])
        elif r < 0.15 and self.visited:  # reports on someone who already came: already_visited
            customer = self._recent(self.visited)
        else:
            customer = self._new_person(at).id
            self.reported[customer] = channel
            if self.draw.random() < 0.8:  # most reported customers come, 45 min to 60 h later
                due = at + timedelta(minutes=self.draw.uniform(45, 3600))
                heappush(self.pending, (due, customer, channel, agent))
        mask, surname = self._keys(self.people[customer - 1])
        fact = f.Report(seq=self.seq, at=at, channel=channel, agent=agent, customer=customer, mask=mask,
                        surname=surname)
        return self._entry(fact, agent, "channel-portal")

    def _owner(self, customer: int, at: datetime) -> str | None:
        owner = self.site.customer_view(customer, at).owner
        return owner if owner in CONSULTANTS else None

    def _follow_up(self, at: datetime) -> Entry | None:
        if not self.visited:
            return None
        customer = self._recent(self.visited)
        owner = self._owner(customer, at)
        consultant = owner if owner and self.draw.random() < 0.97 else self.draw.choice(CONSULTANTS)
        return self._valid(f.FollowUp(seq=self.seq, at=at, customer=customer, consultant=consultant),
                           consultant, "console")

    def _stage(self, at: datetime) -> Entry | None:
        if not self.visited:
            return None
        customer = self._recent(self.visited)
        stage = self.draw.choices(f.STAGES, weights=(50, 25, 15, 10))[0]
        consultant = self._owner(customer, at) or self.draw.choice(CONSULTANTS)
        return self._valid(f.StageChange(seq=self.seq, at=at, customer=customer, consultant=consultant,
                                         stage=stage), consultant, "console")

    def _claim(self, at: datetime) -> Entry | None:
        pool = self.released or self.visited
        if not pool:
            return None
        customer = self.draw.choice(pool[-200:])
        consultant = self.draw.choice(CONSULTANTS)
        return self._valid(f.Claim(seq=self.seq, at=at, customer=customer, consultant=consultant),
                           consultant, "console")

    def _release(self, at: datetime) -> Entry | None:
        if not self.visited:
            return None
        customer = self._recent(self.visited)
        owner = self._owner(customer, at)
        if owner is None:
            return None
        entry = self._valid(f.Release(seq=self.seq, at=at, customer=customer, consultant=owner), owner, "console")
        if entry is not None:
            self.released.append(customer)
        return entry

    def _assign(self, at: datetime) -> Entry | None:
        if not self.visited:
            return None
        fact = f.Assign(seq=self.seq, at=at, customer=self._recent(self.visited),
                        consultant=self.draw.choice(CONSULTANTS))
        return self._entry(fact, "manager", "console")

    def _sighting(self, at: datetime) -> Entry:
        known = [c for c in self.visited[-300:] if c in self.faces]
        face = self.faces[self.draw.choice(known)] if known and self.draw.random() < 0.8 \
            else f"stranger-{self.seq}"
        return self._entry(f.Sighting(seq=self.seq, at=at, face=face), "camera", "camera1")

    def _busy(self, at: datetime) -> Entry:
        consultant = self.draw.choice(CONSULTANTS)
        busy = consultant not in self.site.busy
        return self._entry(f.Busy(seq=self.seq, at=at, consultant=consultant, busy=busy), "reception", "kiosk0")

    def _note_new_cases_and_warnings(self) -> None:
        for new_id in range(self._ids_seen, self.site.next_id):
            if new_id in self.site.cases:
                self.open_cases.append(new_id)
            elif new_id in self.site.warnings:
                self.open_warnings.append(new_id)
        self._ids_seen = self.site.next_id

    def _decide_case(self, at: datetime) -> Entry | None:
        while self.open_cases:
            case = self.site.cases[self.open_cases.popleft()]
            if case.status == "open":
                overrule = case.claimant is not None and self.draw.random() < 0.2
                verdict, reason = (case.claimant, "现场核实") if overrule else (case.recommended, "")
                assert verdict is not None
                return self._valid(f.CaseDecision(seq=self.seq, at=at, case_id=case.id, verdict=verdict,
                                                  reason=reason, decided_by="经理"), "经理", "console")
        return None

    def _update_warning(self, at: datetime) -> Entry | None:
        if not self.open_warnings:
            return None
        warning = self.open_warnings.popleft()
        status = self.draw.choice(("following", "resolved", "dismissed"))
        return self._valid(f.WarningUpdate(seq=self.seq, at=at, warning_id=warning, status=status, note="已处理",
                                           by="经理"), "经理", "console")

    def _blacklist(self, at: datetime) -> Entry:
        agent = self.draw.choice(CHANNELS[self.draw.choice(list(CHANNELS))])
        fact = f.BlacklistChange(seq=self.seq, at=at, target_kind="agent", target=agent,
                                 listed=agent not in self.site.blacklisted_agents)
        return self._entry(fact, "经理", "console")

    def _rules(self, at: datetime) -> Entry:
        days = self.draw.choice((7, 10, 14))
        fact = f.RulesChange(seq=self.seq, at=at, overrides={"protection.follow_up_days": days})
        return self._entry(fact, "经理", "console")


# ---------------------------------------------------------------------- writing a year to a database
def registry_entries(at: datetime) -> list[Entry]:
    """The staff and channel registrations a site starts with (journaled, not judged)."""
    staff = [Entry(None, "staff", "system", "console", {"consultant": c, "active": True}, at) for c in CONSULTANTS]
    channels = [Entry(None, "channel_registry", "system", "console", {"channel": c, "agents": agents}, at)
                for c, agents in CHANNELS.items()]
    return staff + channels


def write_year(engines: list[Engine], keyring: Keyring, entries: int, customers: int, seed: int = 1,
               progress: Callable[[int], None] | None = None) -> BusyYear:
    """Judges `entries` facts and writes them as the journal of each database (same facts, same
    hashes), with customers, keys and identities. `year.stream` goes on with the next facts."""
    start = registry_entries(YEAR_START - timedelta(days=1))
    year = BusyYear(keyring, entries, customers, seed, first_seq=len(start) + 1)
    for engine in engines:
        with engine.begin() as conn:
            conn.execute(sa.insert(Consultant), [{"name": c, "active": True} for c in CONSULTANTS])
            conn.execute(sa.insert(Channel), [{"name": c} for c in CHANNELS])
            conn.execute(sa.insert(Agent), [{"name": a, "channel": c}
                                            for c, agents in CHANNELS.items() for a in agents])
    chain = JournalWriter(engines)
    for entry in start:
        chain.add(entry)
    for entry in year.stream:
        assert entry.fact is not None
        year.site.apply(entry.fact)
        chain.add(entry)
        if chain.seq >= entries:
            break
        if progress and chain.seq % 100_000 == 0:
            progress(chain.seq)
    chain.flush()
    for engine in engines:
        write_people(engine, keyring, year.people)
    return year


class JournalWriter:
    """Appends entries with the real hash chain, many rows per INSERT."""

    def __init__(self, engines: list[Engine]) -> None:
        self.engines = engines
        self.seq, self.prev_hash = 0, journal.GENESIS_HASH
        self.rows: list[dict[str, Any]] = []

    def add(self, entry: Entry) -> None:
        self.seq += 1
        payload = journal.canonical_json(entry.payload)
        digest = journal.entry_hash(self.prev_hash, self.seq, entry.at, entry.actor, entry.station, entry.kind,
                                    payload)
        self.rows.append({"seq": self.seq, "at": entry.at, "actor": entry.actor, "station": entry.station,
                          "kind": entry.kind, "payload": payload, "prev_hash": self.prev_hash, "hash": digest})
        self.prev_hash = digest
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for engine in self.engines if self.rows else []:
            with engine.begin() as conn:
                conn.execute(sa.insert(JournalEntry), self.rows)
        self.rows = []


def write_people(engine: Engine, keyring: Keyring, people: list[Person]) -> None:
    for first in range(0, len(people), BATCH):
        customers, keys, identities = [], [], []
        for person in people[first:first + BATCH]:
            phone = person.keys or identity.phone_keys(keyring, person.phone)
            raw, wrapped = keyring.new_customer_key()
            customers.append({"id": person.id, "created_at": person.created_at, "phone_masked": phone.masked_display,
                              "name_enc": encrypt_field(raw, person.name, f"customer:name:{person.id}".encode())})
            keys.append({"customer_id": person.id, "wrapped_key": wrapped})
            identities.append({"id": person.id, "customer_id": person.id, "kind": "phone",
                               "lookup_hash": phone.lookup, "masked": phone.masked_display,
                               "ciphertext": encrypt_field(raw, phone.e164, f"identity:phone:{person.id}".encode())})
        with engine.begin() as conn:
            conn.execute(sa.insert(Customer), customers)
            conn.execute(sa.insert(CustomerKey), keys)
            conn.execute(sa.insert(Identity), identities)
    if engine.dialect.name == "postgresql":  # explicit ids: move the id sequences past them
        with engine.begin() as conn:
            for table in ("customers", "identities"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT coalesce(max(id), 1) FROM {table}))"))


def pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
