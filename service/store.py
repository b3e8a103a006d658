"""The service API the stations call. Each write is one transaction that journals the fact, lets the
engine judge it and updates the projections; a refused fact changes nothing.

The engine's state is cached in memory and kept in step with the journal: before each write (under the
site's write lock) and each read, entries written by other stations are replayed into it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db import (
    checkin_refs,
    customer_lookup,
    erasure,
    faces,
    identity,
    integrity,
    journal,
    notes,
    projection,
    refused_checkins,
    station_registry,
    text_rules,
    write_reads,
)
from db.clock import CLOCK_ACCEPTED, MAX_JUMP_RULE, Clock, LastEntry, SystemClock, stamp
from db.clock import ClockRefused as ClockRefused  # stations import the clock types from here
from db.clock import ManualClock as ManualClock
from db.database import make_engine, read_session, run_write
from db.keys import Keyring
from db.models import Agent, Channel, Consultant, EngineSnapshot, JournalEntry, VisitRecord
from db.personal import is_masked_phone, validate_id_card
from db.scrub import scrub_storage
from db.write_sql import RowWrite
from judge import facts as f
from judge import snapshot
from judge.engine import CustomerView, Outcome, Site
from judge.reasons import EngineError
from judge.rules import RuleSet, validate_overrides
from judge.site_core import Reason
from judge.state import ReportState


class UnknownName(ValueError):
    """A consultant, channel or agent that is not registered."""


class InvalidName(ValueError):
    """A consultant, channel, agent or customer name that is empty, too long or holds a hidden character."""


def _valid_name(name: str, zh: str, en: str) -> str:
    """A registry name, trimmed; empty, over-long or hidden-character names are refused before any write."""
    return text_rules.clean_name(name, f"{zh}名称", f"{en} name", error=InvalidName)


def _valid_customer_name(name: str | None) -> str | None:
    """A visitor's name as the kiosk, an ID card or a channel gives it (optional)."""
    if name is None or not name.strip():
        return None
    return text_rules.clean_name(name, "客户姓名", "customer's name", text_rules.CUSTOMER_NAME_MAX,
                                 error=InvalidName)


@dataclass(frozen=True)
class WriteResult:
    seq: int
    at: datetime
    outcome: Outcome
    customer_id: int | None = None
    phone_masked: str | None = None

    @property
    def assigned_to(self) -> str | None:
        return self.outcome.assigned_to


@dataclass(frozen=True)
class Step:
    """One journal entry of a write that makes several (Store._write_steps): either a fact the engine judges,
    `fact(session, site, seq, at)`, or an entry it does not, `entry(session, earlier results, at)` returning
    the payload after doing its own rows. Either may return None: the step then writes nothing. The rows
    the write's probes add go with the `probed` step's projection, else with the first judged fact's."""

    kind: str
    fact: Callable[[Session, Site, int, datetime], f.Fact | None] | None = None
    entry: Callable[[Session, list[WriteResult | int | None], datetime], dict[str, Any] | None] | None = None
    display: str | None = None
    probed: bool = False


SYSTEM = "system"
log = logging.getLogger("anchang.store")
T = TypeVar("T")
SNAPSHOT_EVERY = 5000  # journal entries between engine snapshots
KEEP_SNAPSHOTS = 2


class Store:
    def __init__(self, engine: Engine, keyring: Keyring, *, clock: Clock | None = None,
                 station: str = "console") -> None:
        self.engine = engine
        self.keyring = keyring
        self.clock: Clock = clock or SystemClock()
        self.station = station
        self._site: Site | None = None
        self._synced_seq = 0
        self._synced_hash = journal.GENESIS_HASH  # of the entry at _synced_seq (a restore changes it)
        self._written_hash = journal.GENESIS_HASH  # of the entry this station's last write appended
        self._clock_hold: datetime | None = None  # an administrator accepted the journal's time until then
        self._clock_seen: tuple[datetime, LastEntry | None] = (datetime.now(UTC), None)  # by the last write
        self.rejected_snapshots: list[int] = []  # not used at load: untrusted (logged), or of an older format
        self._lock = threading.RLock()
        self.snapshot_every = SNAPSHOT_EVERY
        self.write_budget_s: float | None = None  # a kiosk's: a write waits no longer for the site's lock

    @classmethod
    def open(cls, url: str, data_dir: Path, *, station: str = "console", clock: Clock | None = None,
             kind: str | None = None, write_budget_s: float | None = None) -> Store:
        """A station's store on `url` with the keys in `data_dir`; with `kind` (kiosk, console, admin) the
        station registers itself (db/station_registry.py), and a retired one is refused here, at start.
        `write_budget_s`: a write that has not had the site's lock (or the server) by then raises
        LockTimeout, a DatabaseUnavailable (the kiosk's check-in then goes to its outbox)."""
        from db import migrate

        engine = make_engine(url, lock_budget_s=write_budget_s)
        migrate.check(engine)
        keyring = Keyring.load(data_dir)
        with read_session(engine) as session:
            integrity.check_keys(session, keyring)  # another site's key files: refuse to start
        store = cls(engine, keyring, clock=clock, station=station)
        store.write_budget_s = write_budget_s
        if kind is not None:
            try:
                store.register_station(kind)
            except BaseException:
                engine.dispose()
                raise
        return store

    def register_station(self, kind: str) -> None:
        """Records this station at start (db/station_registry.py): StationRetired when it was retired."""
        station_registry.register(self.engine, self.clock, self.station, self.keyring.directory, kind)

    # ------------------------------------------------------------ engine cache
    def _sync(self, session: Session, from_zero: bool = False,
              on_outcome: Callable[[Site, f.Fact, Outcome], None] | None = None) -> Site:
        """Replays the journal entries this process has not seen into the cached engine. When the entry
        it last saw no longer carries the same hash (the database was restored), it starts over."""
        if self._site is not None and not from_zero and not self._position_holds(session):
            log.warning("journal entry %s changed under this station (restore?): reloading", self._synced_seq)
            self._site = None
        if self._site is None:
            integrity.check_keys(session, self.keyring)
            self._site, self._synced_seq = (Site(), 0) if from_zero else self._load_snapshot(session)
            self._synced_hash = self._hash_at(session, self._synced_seq)
        site = self._site
        query = (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.payload,
                           JournalEntry.hash).where(JournalEntry.seq > self._synced_seq).order_by(JournalEntry.seq))
        for seq, at, kind, payload, entry_hash in session.execute(query).yield_per(5000):
            judged = self._replay(site, seq, at, kind, payload, entry_hash)
            if judged is not None and on_outcome is not None:
                on_outcome(site, *judged)
        return site

    def _replay(self, site: Site, seq: int, at: datetime, kind: str, payload: str,
                entry_hash: str) -> tuple[f.Fact, Outcome] | None:
        """Applies one journal entry to the cached engine and moves this station's position past it;
        the fact and its outcome, or None for kinds the engine does not judge."""
        fact = f.from_payload(kind, seq, at, json.loads(payload))
        judged = None if fact is None else (fact, site.apply(fact))
        self._synced_seq, self._synced_hash = seq, entry_hash
        return judged

    def _position_holds(self, session: Session) -> bool:
        """One primary-key lookup: is the entry this engine has replayed up to still the one it saw?"""
        return self._synced_seq == 0 or self._hash_at(session, self._synced_seq) == self._synced_hash

    @staticmethod
    def _hash_at(session: Session, seq: int) -> str:
        """The hash of entry `seq` ("" when there is none)."""
        if seq == 0:
            return journal.GENESIS_HASH
        return session.scalar(sa.select(JournalEntry.hash).where(JournalEntry.seq == seq)) or ""

    def _load_snapshot(self, session: Session) -> tuple[Site, int]:
        """The newest trusted snapshot, or an empty engine. A snapshot without a valid MAC under the site's
        key, or whose journal entry no longer carries the hash it was taken at, is ignored and reported."""
        return integrity.newest_snapshot(session, self.keyring, self.rejected_snapshots)

    def save_snapshot(self) -> int:
        """Stores the engine's state at the journal head, with its MAC; returns that seq. The state is
        copied under this station's lock, serialised and written outside it, and never under the site's
        write lock, so no kiosk waits for a snapshot."""
        with self._lock, read_session(self.engine) as session:
            site = self._sync(session)
            seq, entry_hash = self._synced_seq, self._synced_hash
            with integrity.paused_gc():  # the copy makes millions of objects: no collection walks them meanwhile
                engine_state = snapshot.dump(site)
        state, mac = integrity.snapshot_state(self.keyring, seq, entry_hash, engine_state)

        def work(session: Session) -> int:
            if self.rejected_snapshots:  # untrusted snapshots found at load give way to a good one
                session.execute(sa.delete(EngineSnapshot).where(EngineSnapshot.seq.in_(self.rejected_snapshots)))
                self.rejected_snapshots.clear()
            if session.get(EngineSnapshot, seq) is None:
                session.add(EngineSnapshot(seq=seq, state=state, mac=mac, created_at=datetime.now(UTC)))
                old = session.scalars(sa.select(EngineSnapshot.seq).order_by(EngineSnapshot.seq.desc())
                                      .offset(KEEP_SNAPSHOTS)).all()
                if old:
                    session.execute(sa.delete(EngineSnapshot).where(EngineSnapshot.seq.in_(old)))
            return seq

        return run_write(self.engine, work, site_lock=False)

    def snapshot_due(self) -> bool:
        """True when the journal has grown SNAPSHOT_EVERY entries past the newest trusted snapshot."""
        with read_session(self.engine) as session:
            newest = session.scalar(sa.select(sa.func.max(EngineSnapshot.seq))
                                    .where(EngineSnapshot.seq.not_in(self.rejected_snapshots))) or 0
            head = session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0
        return head - newest >= self.snapshot_every

    def start_maintenance(self, interval_s: float = 300.0) -> threading.Event:
        """A background thread that saves a snapshot when one is due; set the returned event to stop."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval_s):
                try:
                    if self.snapshot_due():
                        self.save_snapshot()
                except Exception:  # noqa: BLE001 - a failed snapshot only costs a longer start later
                    continue

        threading.Thread(target=loop, name="anchang-snapshots", daemon=True).start()
        return stop

    def site(self) -> Site:
        """The engine in step with the journal (read-only use)."""
        with self._lock, read_session(self.engine) as session:
            return self._sync(session)

    def _sync_for_write(self, session: Session, accepting: bool = False,
                        probes: Sequence[write_reads.Probe] = ()) -> tuple[Site, datetime]:
        """`_sync` for a write, under the site's lock, in one statement (db/write_reads.py): the entry this
        station last saw (is it still there? its time and station), the entries other stations wrote since,
        on PostgreSQL the server's clock, and what the `probes` ask of the tables beside the journal. Then
        the time for the new entry (db.clock.stamp)."""
        if self._site is None:
            self._sync(session)
        connection = session.connection()
        sql_now = getattr(self.clock, "sql_now", None)
        now_column = sql_now(connection.dialect.name) if sql_now is not None else None
        params: dict[str, Any] = {"since": self._synced_seq, "w_station": self.station}
        for probe in probes:
            params.update(probe.params())
        rows = connection.execute(write_reads.replay_statement(connection.dialect.name, now_column, probes),
                                  params).all()
        entries = [row for row in rows if row.seq is not None]
        if self._synced_seq and (not entries or entries[0].seq != self._synced_seq
                                 or entries[0].hash != self._synced_hash):
            self._site = None  # the entry this station last saw changed (restore): start over
            return self._sync_for_write(session, accepting, probes)
        site = self._site
        assert site is not None
        for entry in entries[1 if self._synced_seq else 0:]:
            self._replay(site, entry.seq, entry.at, entry.kind, entry.payload, entry.hash)
        if rows[0].station_retired is not None:  # retired from another console (service/stations.py)
            raise station_registry.StationRetired(self.station, rows[0].station_retired)
        for probe in probes:
            probe.read(rows[0]._mapping)
        now = rows[0].now if now_column is not None else self.clock.now(session)
        last = None if not entries else LastEntry(entries[-1].seq, entries[-1].at, entries[-1].station)
        if last is not None and site.last_at is not None and site.last_at > last.at:
            last = LastEntry(last.seq, site.last_at, last.station)  # journals older than the clock rules
        rules = site.ruleset(last.at if last is not None else now)
        self._clock_seen = (now, last)

        def stamped() -> datetime:
            return stamp(now.astimezone(UTC), last, max_jump_days=rules[MAX_JUMP_RULE], hold_until=self._clock_hold,
                         checked=getattr(self.clock, "checked", True), accepting=accepting, zone=rules.timezone)
        try:
            return site, stamped()
        except ClockRefused:  # rare: has an administrator (on any station) accepted the clock since?
            accepted = session.scalar(sa.select(JournalEntry.payload).where(JournalEntry.kind == CLOCK_ACCEPTED)
                                      .order_by(JournalEntry.seq.desc()).limit(1))
            hold = _hold_until(accepted) if accepted else None
            if hold == self._clock_hold:
                raise
            self._clock_hold = hold
            return site, stamped()

    def _head(self) -> journal.Head:
        return journal.Head(self._synced_seq, self._synced_hash)

    def accept_clock(self, actor: str = "admin") -> int:
        """An administrator confirms this station's clock against the journal (`anchang clock accept`):
        a jump ahead is accepted from now on; when the journal is the one ahead, writes carry its last
        time until the real time passes it. Journalled with both times."""
        payload: dict[str, Any] = {}

        def work(session: Session) -> dict[str, Any]:
            now, last = self._clock_seen
            behind = last is not None and now < last.at
            payload.update(station_clock=now.isoformat(), journal_last=None if last is None else last.at.isoformat(),
                           hold_until=last.at.isoformat() if last is not None and behind else None)
            return payload
        seq = self._journal_only(CLOCK_ACCEPTED, actor, work)
        self._clock_hold = _hold_until(json.dumps(payload))
        return seq

    def _write(self, kind: str, actor: str, build: Callable[[Session, Site, int, datetime], f.Fact | None],
               display: str | None = None, probes: Sequence[write_reads.Probe] = (),
               also: Sequence[Step] = ()) -> WriteResult:
        """Journals and judges the fact `build` makes, under the site's lock. `probes` are read with the
        journal in one statement before `build` runs; the rows they add go with the projection's. `also`:
        entries that belong to the same act (a reason, the consultant freed, the appointment arrived),
        written after it in the same transaction, so that none of them can stand without the others."""
        result = self._write_steps(actor, (Step(kind, fact=build, display=display), *also), probes)[0]
        assert isinstance(result, WriteResult)
        return result

    def _write_steps(self, actor: str, steps: Sequence[Step],
                     probes: Sequence[write_reads.Probe] = ()) -> list[WriteResult | int | None]:
        """Several journal entries as one write: one transaction under the site's lock, one entry per step
        in order (a step whose builder returns None writes nothing), all committed or none. Returns per
        step its WriteResult (a judged fact), its seq (an entry the engine does not judge) or None."""
        def work(session: Session) -> tuple[journal.Head, list[WriteResult | int | None]]:
            site, at = self._sync_for_write(session, probes=probes)
            head, results = self._head(), list[WriteResult | int | None]()
            changed = False  # has a step changed the cached engine? Then a later refusal resets it
            probed = next((i for i, step in enumerate(steps) if step.probed), None)
            try:
                for index, step in enumerate(steps):
                    given = index == probed if probed is not None else not changed
                    entry, result = self._step(session, site, step, head, at, actor, results,
                                               probes if given else ())
                    changed = changed or isinstance(result, WriteResult)
                    results.append(result)
                    if entry is not None:
                        head = journal.Head(entry.seq, entry.hash)
            except EngineError:
                if changed:
                    self._site = None
                raise  # a refusal is raised before the engine changes anything: the cache is intact
            except BaseException:
                self._site = None  # the cache may hold a fact that never committed
                raise
            return head, results

        def committed(done: tuple[journal.Head, list[WriteResult | int | None]]) -> list[WriteResult | int | None]:
            head, results = done
            self._synced_seq, self._synced_hash = head.seq, head.hash
            return results

        return self._locked_write(work, committed)

    def _locked_write(self, work: Callable[[Session], Any], committed: Callable[[Any], T]) -> T:
        """`run_write` (within this station's write budget) with this station's lock taken inside the
        transaction, once the site's lock is held, and kept until `committed` has moved this station's
        position: a write waiting for another program's lock never holds up this station's reads, which
        take the same lock to bring the engine cache up to date."""
        taken = False

        def locked(session: Session) -> Any:
            nonlocal taken
            if not taken:
                self._lock.acquire()
                taken = True
            return work(session)

        try:
            try:
                done = run_write(self.engine, locked, budget_s=self.write_budget_s)
            except (EngineError, ClockRefused):  # refused before anything changed: the cache is intact
                raise
            except BaseException:
                if taken:
                    self._site = None
                raise
            return committed(done)
        finally:
            if taken:
                self._lock.release()

    def _step(self, session: Session, site: Site, step: Step, head: journal.Head, at: datetime, actor: str,
              earlier: list[WriteResult | int | None],
              probes: Sequence[write_reads.Probe]) -> tuple[JournalEntry | None, WriteResult | int | None]:
        """One step of `_write_steps`: its journal entry (None when the step writes nothing) and result."""
        seq = head.seq + 1
        if step.fact is None:
            assert step.entry is not None
            body = step.entry(session, earlier, at)
            if body is None:
                return None, None
            entry = journal.append(session, at=at, actor=actor, station=self.station,
                                   kind=step.kind, payload=body, head=head, notify_channel=NOTIFY_CHANNEL)
            return entry, entry.seq
        fact = step.fact(session, site, seq, at)
        if fact is None:
            return None, None
        outcome = site.apply(fact)
        customers: dict[int, tuple[bool, dict[str, Any]]] = {}
        added: list[RowWrite] = []
        for probe in probes:
            customers.update(probe.customer_rows())
            added.extend(probe.writes())
        entry = journal.append(session, at=at, actor=actor, station=self.station, kind=step.kind,
                               payload=f.to_payload(fact), head=head,
                               notify_channel=NOTIFY_CHANNEL,  # and the projection, one round trip
                               writes=projection.writes(site, fact, outcome, step.display, customers) + added)
        return entry, WriteResult(seq=seq, at=at, outcome=outcome, customer_id=outcome.customer)

    def _journal_only(self, kind: str, actor: str,
                      payload: dict[str, Any] | Callable[[Session], dict[str, Any]]) -> int:
        """Journals a fact the engine does not judge (staff, consents, erasures, PII viewing). With a
        callable, its database work and the journal entry commit together, or not at all."""
        def work(session: Session) -> int:
            _, at = self._sync_for_write(session, accepting=kind == CLOCK_ACCEPTED)
            body = payload(session) if callable(payload) else payload
            entry = journal.append(session, at=at, actor=actor, station=self.station, kind=kind,
                                   payload=body, head=self._head(), notify_channel=NOTIFY_CHANNEL)
            self._written_hash = entry.hash
            return entry.seq

        def committed(seq: int) -> int:
            self._synced_seq, self._synced_hash = seq, self._written_hash
            return seq

        return self._locked_write(work, committed)

    # --------------------------------------------------------------- registry
    def add_consultant(self, name: str, actor: str = SYSTEM) -> None:
        name = _valid_name(name, "置业顾问", "consultant")

        def work(session: Session) -> dict[str, Any]:
            if session.get(Consultant, name) is None:
                session.add(Consultant(name=name, active=True))
            return {"consultant": name, "active": True}
        self._journal_only("staff", actor, work)

    def add_channel(self, channel: str, agents: list[str], actor: str = SYSTEM) -> None:
        channel = _valid_name(channel, "渠道", "channel")
        agents = [_valid_name(agent, "经纪人", "agent") for agent in agents]

        def work(session: Session) -> dict[str, Any]:
            if session.get(Channel, channel) is None:
                session.add(Channel(name=channel))
            for agent in agents:
                existing = session.get(Agent, agent)
                if existing is None:
                    session.add(Agent(name=agent, channel=channel))
                elif existing.channel != channel:
                    raise ValueError(f"经纪人 {agent} 已属于渠道 {existing.channel} / agent {agent} already "
                                     f"belongs to channel {existing.channel}")
            return {"channel": channel, "agents": list(agents)}
        self._journal_only("channel_registry", actor, work)

    def _check_consultant(self, session: Session, name: str | None, names: write_reads.Names | None = None) -> None:
        """`names`: the registry as read with the journal under the lock (no query of its own)."""
        if name is None:
            return
        found = name in names.known if names is not None and name in names.consultants else \
            session.get(Consultant, name) is not None
        if not found:
            raise UnknownName(f"未知置业顾问 / unknown consultant: {name!r}")

    def _check_agent(self, session: Session, channel: str, agent: str | None,
                     names: write_reads.Names | None = None) -> None:
        if channel == f.NATURAL:
            if agent:
                raise UnknownName("自然来访没有经纪人 / a natural visit has no agent")
            return
        if names is not None and names.channel == channel:
            channel_found, agent_channel = names.channel_found, names.agent_channel
        else:
            channel_found = session.get(Channel, channel) is not None
            row = None if agent is None else session.get(Agent, agent)
            agent_channel = None if row is None else row.channel
        if not channel_found:
            raise UnknownName(f"未知渠道 / unknown channel: {channel!r}")
        if agent is not None and agent_channel != channel:
            raise UnknownName(f"渠道 {channel} 没有经纪人 {agent} / channel {channel!r} has no agent {agent!r}")

    # ------------------------------------------------------------------ writes
    def register_visit(self, phone: str, *, consultant: str | None = None, channel: str = f.NATURAL,
                       agent: str | None = None, name: str | None = None, face: str | None = None,
                       verified: bool = True, id_card: str | None = None, actor: str = "reception",
                       ref: str | None = None, arrived_at: datetime | None = None,
                       source: str | None = None, first: Sequence[Step] = (), also: Sequence[Step] = ()) -> WriteResult:
        """`ref`: the kiosk's idempotency key (the same ref again returns the first result, writes nothing);
        `arrived_at`: the kiosk's time of the check-in, shown as the arrival and journalled with the visit
        (防截客's warning for a delayed check-in, judge/visits.py); `source`: how they heard of us;
        `first` and `also`: entries written before and after the visit in its transaction (the mistaken
        check-in it corrects, an appointment's arrival)."""
        keys = identity.phone_keys(self.keyring, phone)  # InvalidPhone before any transaction
        name = _valid_customer_name(name)
        if source:
            source = text_rules.clean_name(source, "来源", "source", text_rules.SOURCE_MAX, error=InvalidName)
        checkin_refs.check(ref, arrived_at)
        if ref is not None and (earlier := checkin_refs.earlier_result(self.engine, ref)) is not None:
            return _with_display(WriteResult(*earlier, customer_id=earlier[2].customer), keys.masked_display)
        card = None if id_card is None else validate_id_card(id_card)
        # what the visit needs of the tables is read with the journal under the lock (db/write_reads.py)
        found = customer_lookup.Lookup(self.keyring, phone=keys, form=keys.form, name=name, id_card=card)
        names = write_reads.Names([consultant], None if channel == f.NATURAL else channel, agent)
        sent = write_reads.CheckinRef(ref)

        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            if ref is not None and sent.taken:
                raise checkin_refs.AlreadyRegistered(ref)
            sent.row = checkin_refs.row_values(ref, seq, at, arrived_at, source)
            self._check_consultant(session, consultant, names)
            self._check_agent(session, channel, agent, names)
            customer = found.customer(at)
            assert customer is not None
            found.add_name()
            holder = found.id_card_holder
            if card is not None:
                if holder is None:
                    found.add_id_card(customer)
                elif site.resolve(holder) == site.resolve(customer):
                    holder = None  # the card this customer already holds
            mask, surname = found.pseudonyms(customer)
            return f.Visit(seq=seq, at=at, customer=customer, consultant=consultant, channel=channel,
                           agent=agent, face=face, id_card_holder=holder, verified=verified, mask=mask,
                           surname=surname, arrived_at=checkin_refs.capped(arrived_at, at))

        try:
            steps = (*first, Step("visit", fact=build, probed=True), *also)
            result = self._write_steps(actor, steps, probes=(found, names, sent))[len(first)]
            assert isinstance(result, WriteResult)
        except checkin_refs.AlreadyRegistered:  # another call with this ref committed meanwhile
            return self.register_visit(phone, ref=ref)
        return _with_display(result, keys.masked_display)

    def confirm_visit(self, phone: str, *, by: str | None = None, actor: str | None = None) -> WriteResult:
        """前台确认: reception confirms the phone's latest unconfirmed check-in (FORMAT.md `confirm`)."""
        keys = identity.phone_keys(self.keyring, phone)
        found = customer_lookup.Lookup(self.keyring, phone=keys, create=False)

        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            customer = site.resolve(_required(found, keys))
            pending = site.customers[customer].unconfirmed_seq if customer in site.customers else None
            if pending is None:
                raise EngineError(f"{keys.masked_display} 没有待确认的登记 / no check-in waiting for confirmation")
            return f.Confirm(seq=seq, at=at, customer=customer, visit=pending, by=by)

        return _with_display(self._write("confirm", actor or by or "reception", build, probes=(found,)),
                             keys.masked_display)

    def dismiss_checkin(self, visit_seq: int, *, by: str | None = None, actor: str | None = None) -> WriteResult:
        """Reception marks an unconfirmed check-in (by its journal seq) a mistake."""
        step = _dismiss_step(visit_seq, by)
        assert step.fact is not None
        return self._write(step.kind, actor or by or "reception", step.fact)

    def correct_checkin(self, visit_seq: int, phone: str, *, by: str | None = None,
                        actor: str | None = None) -> WriteResult:
        """Reception corrects the number of an unconfirmed check-in: the wrong one is dismissed and the
        visitor registered, verified, under the right number, received by the same consultant and with
        the channel the check-in named, in one write: the mistaken check-in is never dismissed without the
        visitor registered again. The number is checked before anything is written."""
        identity.phone_keys(self.keyring, phone)  # InvalidPhone before any write
        with self._lock, read_session(self.engine) as session:
            site = self._sync(session)
            customer = _unconfirmed_customer(session, site, visit_seq)
            receiving = site.customers[customer].unconfirmed_by
            payload = json.loads(session.scalar(sa.select(JournalEntry.payload)
                                                .where(JournalEntry.seq == visit_seq)) or "{}")
            name = identity.customer_name(session, self.keyring, customer)
        return self.register_visit(phone, consultant=receiving, channel=payload.get("channel", f.NATURAL),
                                   agent=payload.get("agent"), name=name, actor=actor or by or "reception",
                                   first=(_dismiss_step(visit_seq, by),))

    def note_stated_time(self, report_seq: int, stated_at: datetime, actor: str = "import") -> int:
        """Keeps the time a channel's sheet gave for report `report_seq`. The report counts from when it
        reached the system (its journal time); the stated time is shown beside it, never judged on."""
        return self._journal_only("report_stated_time", actor, {
            "report": report_seq, "stated_at": stated_at.astimezone(UTC).isoformat(timespec="seconds")})

    def record_report(self, channel: str, agent: str, phone: str, name: str | None = None,
                      actor: str | None = None) -> WriteResult:
        masked = is_masked_phone(phone)  # 138****5678, 138xxxx5678 or full-width: as the importer checks
        name = _valid_customer_name(name)
        if masked:
            _, display = identity.masked_report_keys(self.keyring, phone)
            keys, form = None, display
        else:
            keys = identity.phone_keys(self.keyring, phone)
            form, display = keys.form, keys.masked_display

        found = customer_lookup.Lookup(self.keyring, phone=keys, form=form, name=name)
        names = write_reads.Names((), channel, agent)

        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            self._check_agent(session, channel, agent, names)
            customer = found.customer(at)
            found.add_name()
            mask, surname = found.pseudonyms(customer)
            return f.Report(seq=seq, at=at, channel=channel, agent=agent, customer=customer, mask=mask,
                            masked=masked, surname=surname)

        result = self._write("report", actor or agent, build, display=display, probes=(found, names))
        return _with_display(result, display)

    def _customer_fact(self, kind: str, phone: str, consultant: str, actor: str | None,
                       make: Callable[[int, datetime, int], f.Fact]) -> WriteResult:
        keys = identity.phone_keys(self.keyring, phone)
        found, names = customer_lookup.Lookup(self.keyring, phone=keys, create=False), write_reads.Names([consultant])

        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            self._check_consultant(session, consultant, names)
            return make(seq, at, _required(found, keys))

        return _with_display(self._write(kind, actor or consultant, build, probes=(found, names)),
                             keys.masked_display)

    def follow_up(self, phone: str, consultant: str, note: str = "", actor: str | None = None) -> WriteResult:
        """A logged follow-up; its note is kept in db/notes.py (erasable), the journal holds its ref."""
        keys = identity.phone_keys(self.keyring, phone)
        found, names = customer_lookup.Lookup(self.keyring, phone=keys, create=False), write_reads.Names([consultant])

        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            self._check_consultant(session, consultant, names)
            customer = _required(found, keys)
            ref = notes.add_note(session, self.keyring, note, customer, at)
            return f.FollowUp(seq=seq, at=at, customer=customer, consultant=consultant, note=ref)

        return _with_display(self._write("follow_up", actor or consultant, build, probes=(found, names)),
                             keys.masked_display)

    def change_stage(self, phone: str, consultant: str, stage: str, actor: str | None = None) -> WriteResult:
        if stage not in f.STAGES:
            raise EngineError(f"未知阶段 / unknown stage {stage!r} (one of {', '.join(f.STAGES)})")
        return self._customer_fact("stage", phone, consultant, actor, lambda seq, at, c: f.StageChange(
            seq=seq, at=at, customer=c, consultant=consultant, stage=stage))

    def claim(self, phone: str, consultant: str, actor: str | None = None) -> WriteResult:
        """A claim from the pool. A phone the site has never seen is not in the pool: refused as
        `not_in_pool` (journal untouched, no customer made; `seq` 0 says nothing was written)."""
        keys = identity.phone_keys(self.keyring, phone)
        with read_session(self.engine) as session:
            self._check_consultant(session, consultant)
            unknown = identity.find_customer(session, "phone", keys.lookup) is None
            at = self.clock.now(session)
        if unknown:
            outcome = Outcome(seq=0, kind="claim", claim="not_in_pool",
                              reasons=[Reason("not_in_pool", "protection.consultant_days", ())])
            return WriteResult(seq=0, at=at, outcome=outcome, phone_masked=keys.masked_display)
        return self._customer_fact("claim", phone, consultant, actor, lambda seq, at, c: f.Claim(
            seq=seq, at=at, customer=c, consultant=consultant))

    def release(self, phone: str, consultant: str, actor: str | None = None) -> WriteResult:
        return self._customer_fact("release", phone, consultant, actor, lambda seq, at, c: f.Release(
            seq=seq, at=at, customer=c, consultant=consultant))

    def assign(self, phone: str, consultant: str, actor: str = "manager") -> WriteResult:
        return self._customer_fact("assign", phone, consultant, actor, lambda seq, at, c: f.Assign(
            seq=seq, at=at, customer=c, consultant=consultant))

    def record_sighting(self, face: str, actor: str = "camera") -> WriteResult:
        return self._write("sighting", actor, lambda s, site, seq, at: f.Sighting(seq=seq, at=at, face=face))

    def set_duty(self, consultants: list[str], actor: str = "manager") -> WriteResult:
        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            for name in consultants:
                self._check_consultant(session, name)
            return f.Duty(seq=seq, at=at, consultants=tuple(consultants))
        return self._write("duty", actor, build)

    def set_busy(self, consultant: str, busy: bool, actor: str = "reception") -> WriteResult:
        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            self._check_consultant(session, consultant)
            return f.Busy(seq=seq, at=at, consultant=consultant, busy=busy)
        return self._write("busy", actor, build)

    def blacklist(self, *, phone: str | None = None, agent: str | None = None, channel: str | None = None,
                  listed: bool = True, actor: str = "manager", also: Sequence[Step] = ()) -> WriteResult:
        """`also`: entries written with the change, in its transaction (its reason, the warning it closes)."""
        given = [(k, v) for k, v in (("phone", phone), ("agent", agent), ("channel", channel)) if v]
        if len(given) != 1:
            raise ValueError("blacklist takes exactly one of phone, agent, channel")
        kind, value = given[0]
        keys = identity.phone_keys(self.keyring, value) if kind == "phone" else None
        found = customer_lookup.Lookup(self.keyring, phone=keys)

        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            if keys is not None:
                return f.BlacklistChange(seq=seq, at=at, target_kind="customer", target=str(found.customer(at)),
                                         listed=listed)
            if kind == "agent" and session.get(Agent, value) is None:
                raise UnknownName(f"未知经纪人 / unknown agent: {value!r}")
            if kind == "channel" and session.get(Channel, value) is None:
                raise UnknownName(f"未知渠道 / unknown channel: {value!r}")
            return f.BlacklistChange(seq=seq, at=at, target_kind=kind, target=value, listed=listed)

        return self._write("blacklist", actor, build, probes=(found,), also=also)

    def change_rules(self, overrides: dict[str, Any], actor: str = "manager") -> WriteResult:
        flat = validate_overrides(overrides)
        return self._write("rules", actor, lambda s, site, seq, at: f.RulesChange(seq=seq, at=at, overrides=flat))

    def decide_case(self, case_id: int, verdict: str, reason: str, by: str) -> WriteResult:
        """The written reason is a note (db/notes.py); the journal holds its ref."""
        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            case = site.cases.get(case_id)
            ref = notes.add_note(session, self.keyring, reason, case.customer if case else None, at)
            return f.CaseDecision(seq=seq, at=at, case_id=case_id, verdict=verdict, reason=ref, decided_by=by)
        return self._write("case_decision", by, build)

    def update_warning(self, warning_id: int, status: str, note: str, by: str) -> WriteResult:
        """The note is kept in db/notes.py; the journal holds its ref."""
        step = self.warning_step(warning_id, status, note, by)
        assert step.fact is not None
        return self._write(step.kind, by, step.fact)  # the build always makes the fact

    def warning_step(self, warning_id: int, status: str, note: str, by: str) -> Step:
        """A warning update as a step of a larger write (拉黑 closes the warning with the blacklist change)."""
        def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
            warning = site.warnings.get(warning_id)
            ref = notes.add_note(session, self.keyring, note, warning.customer if warning else None, at)
            return f.WarningUpdate(seq=seq, at=at, warning_id=warning_id, status=status, note=ref, by=by)
        return Step("warning_update", fact=build)

    def note_texts(self, refs: list[str]) -> dict[str, str]:
        """Case reasons and warning notes as written (the projections and the engine hold refs)."""
        with read_session(self.engine) as session:
            return notes.note_texts(session, self.keyring, refs)

    def forget(self, phone: str, actor: str = "admin") -> erasure.Forgotten:
        """A deletion request by phone: the customer with it and the kiosk check-ins refused with it (a
        visitor who never became a customer has only those). EngineError when there is neither."""
        keys = identity.phone_keys(self.keyring, phone)
        with read_session(self.engine) as session:
            customer = identity.find_customer(session, "phone", keys.lookup)
            if customer is None and not refused_checkins.refs_for_phones(session, [keys.lookup]):
                raise EngineError(f"没有此客户，也没有此号码的被拒登记 / no customer and no refused check-in with "
                                  f"phone {keys.masked_display}")
        return self._erase(customer, keys.lookup, "request", actor, scrub=True, with_phones_refusals=True)

    def forget_customer(self, customer: int, reason: str, actor: str = "admin", *,
                        scrub: bool = True) -> erasure.Forgotten:
        """Crypto-shredding by id (retention). The kiosk check-ins refused with the customer's phone age on
        their own (service/kiosk_refusals.py's erase_expired): a recent open task stays for reception. Then the storage
        is scrubbed (db/scrub.py); a batch passes scrub=False and calls it once."""
        return self._erase(customer, None, reason, actor, scrub=scrub, with_phones_refusals=False)

    def _erase(self, customer: int | None, phone_lookup: str | None, reason: str, actor: str, *,
               scrub: bool, with_phones_refusals: bool) -> erasure.Forgotten:
        """One write: the customer's erasure (`erasure`), then the refused check-ins with the phone asked
        for, and with the customer's phones when `with_phones_refusals` (`kiosk_checkin_refused_erased`);
        each entry only when it erases something."""
        phones: list[str] = []
        shredded: list[str] = []

        def customer_entry(session: Session, _: list[WriteResult | int | None], __: datetime) -> dict[str, Any] | None:
            phones[:] = [phone_lookup] if phone_lookup else []  # reset: a retried transaction runs this again
            if customer is None:
                return None
            customer_phones = erasure.erase(session, self._sync(session), customer)
            phones.extend(customer_phones if with_phones_refusals else [])
            return {"customer": customer, "reason": reason}

        def refusals_entry(session: Session, _: list[WriteResult | int | None], at: datetime) -> dict[str, Any] | None:
            shredded[:] = refused_checkins.shred(session, refused_checkins.refs_for_phones(session, phones), at, actor)
            return {"refs": shredded, "reason": reason} if shredded else None

        self._write_steps(actor, (Step("erasure", entry=customer_entry),
                                  Step(refused_checkins.ERASED, entry=refusals_entry)))
        return erasure.Forgotten(customer, tuple(shredded), scrub_storage(self.engine) if scrub else None)

    # ------------------------------------------------------------ faces/consent
    def record_consent(self, notice_version: str, phone: str | None = None, actor: str = "kiosk") -> int:
        """The visitor's separate consent to face recognition, with the notice version they saw."""
        keys = identity.phone_keys(self.keyring, phone) if phone else None
        consent_ids: list[int] = []

        def work(session: Session) -> dict[str, Any]:
            customer = identity.find_customer(session, "phone", keys.lookup) if keys else None
            consent = faces.add_consent(session, customer, notice_version, self.station,
                                        self.clock.now(session))
            consent_ids.append(consent)
            return {"consent": consent, "customer": customer, "notice_version": notice_version}

        self._journal_only("consent", actor, work)
        return consent_ids[-1]

    def enrol_face(self, phone: str, template: bytes, consent_id: int, actor: str = "kiosk") -> int:
        """Stores a face template, encrypted under the customer's key; refused without a live consent."""
        keys = identity.phone_keys(self.keyring, phone)
        template_ids: list[int] = []

        def work(session: Session) -> dict[str, Any]:
            customer = _require_customer(session, keys)
            template_id = faces.add_template(session, self.keyring, customer, consent_id, template,
                                             self.clock.now(session))
            template_ids.append(template_id)
            return {"customer": customer, "template": template_id, "consent": consent_id}

        self._journal_only("face_enrolled", actor, work)
        return template_ids[-1]

    def withdraw_consent(self, phone: str, actor: str = "kiosk") -> int:
        """Withdrawal: every template of the customer is deleted and their consents marked withdrawn."""
        keys = identity.phone_keys(self.keyring, phone)
        removed: list[int] = []

        def work(session: Session) -> dict[str, Any]:
            customer = _require_customer(session, keys)
            removed.append(faces.withdraw(session, customer, self.clock.now(session)))
            return {"customer": customer, "templates_deleted": removed[-1]}

        self._journal_only("consent_withdrawn", actor, work)
        return removed[-1]

    def face_templates(self) -> list[tuple[str, bytes]]:
        """Every stored template, decrypted, as (customer id, template bytes) for the gallery at start."""
        with read_session(self.engine) as session:
            return faces.decrypted_templates(session, self.keyring)

    # ------------------------------------------------------------------- reads
    def now(self) -> datetime:
        with read_session(self.engine) as session:
            return self.clock.now(session)

    def customer_id(self, phone: str) -> int | None:
        keys = identity.phone_keys(self.keyring, phone)
        with read_session(self.engine) as session:
            return identity.find_customer(session, "phone", keys.lookup)

    def customer_view(self, phone: str, at: datetime | None = None) -> CustomerView | None:
        customer = self.customer_id(phone)
        if customer is None:
            return None
        with self._lock:
            site = self.site()
            return site.customer_view(customer, at or self.now())

    def latest_report(self, phone: str, channel: str, agent: str) -> ReportState | None:
        customer = self.customer_id(phone)
        if customer is None:
            return None
        with self._lock:
            return self.site().latest_report(customer, channel, agent)

    def rules_at(self, at: datetime | None = None) -> RuleSet:
        """The rule set in force at `at` (now by default). Until this station's engine is loaded (at start,
        on a thread of its own: seconds on a big site) they come from the journal's rule changes alone,
        judged by an engine given only those: a page showing times in the site's zone need not wait."""
        if self._site is None:
            with read_session(self.engine) as session:
                site = Site()
                for seq, entry_at, payload in session.execute(
                        sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.payload)
                        .where(JournalEntry.kind == "rules").order_by(JournalEntry.seq)):
                    fact = f.from_payload("rules", seq, entry_at, json.loads(payload))
                    if fact is not None:
                        site.apply(fact)
                return site.ruleset(at or self.clock.now(session))
        with self._lock:
            return self.site().ruleset(at or self.now())

    def rebuild(self) -> Site:
        """Replays the whole journal into a fresh engine and rewrites every projection from it."""
        def work(session: Session) -> Site:
            self._site, self._synced_seq = None, 0
            replayed = projection.Replayed()  # visits, claims with their outcome, stage changes
            site = self._sync(session, from_zero=True, on_outcome=replayed)
            projection.rebuild_all(session, site, replayed)
            return site
        return self._locked_write(work, lambda site: site)

    def dispose(self) -> None:
        self.engine.dispose()


def _dismiss_step(visit_seq: int, by: str | None) -> Step:
    """Check-in `visit_seq`, still waiting for reception's confirmation, marked a mistake."""
    def build(session: Session, site: Site, seq: int, at: datetime) -> f.Fact:
        return f.Dismiss(seq=seq, at=at, customer=_unconfirmed_customer(session, site, visit_seq), visit=visit_seq,
                         by=by)
    return Step("dismiss", fact=build)


def _unconfirmed_customer(session: Session, site: Site, visit_seq: int) -> int:
    """The customer whose check-in `visit_seq` still waits for reception's confirmation."""
    judged_as = session.scalar(sa.select(VisitRecord.customer_id).where(VisitRecord.id == visit_seq))
    customer = None if judged_as is None else site.resolve(judged_as)
    if customer is None or customer not in site.customers or visit_seq not in site.customers[customer].awaiting():
        raise EngineError(f"登记 #{visit_seq} 不在待确认队列中 / check-in #{visit_seq} is not waiting for confirmation")
    return customer


def _required(found: customer_lookup.Lookup, keys: identity.PhoneKeys) -> int:
    """The customer the lookup found for `keys` under the lock, or the refusal naming the number."""
    if found.found is None:
        raise EngineError(f"没有此客户 / no customer with phone {keys.masked_display}")
    return found.found


def _require_customer(session: Session, keys: identity.PhoneKeys) -> int:
    customer = identity.find_customer(session, "phone", keys.lookup)
    if customer is None:
        raise EngineError(f"没有此客户 / no customer with phone {keys.masked_display}")
    return customer


NOTIFY_CHANNEL = "anchang_journal"


def _hold_until(payload: str) -> datetime | None:
    value = json.loads(payload).get("hold_until")
    return datetime.fromisoformat(value) if value else None


def _with_display(result: WriteResult, display: str | None) -> WriteResult:
    return WriteResult(seq=result.seq, at=result.at, outcome=result.outcome, customer_id=result.customer_id,
                       phone_masked=display)

