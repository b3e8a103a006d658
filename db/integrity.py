"""What keeps a database and its derived state honest beyond the journal's hash chain.

- key check: the check values of the site's key files, stored at `anchang init`; a station given another
  site's keys (or replaced ones) refuses to start instead of creating a second customer per phone.
- snapshots: an engine snapshot is trusted only with a valid MAC under the site's key and when its
  journal entry still carries the hash it was taken at.
- `derived_differences`: replays the journal in memory and names every stored snapshot and projection
  table that differs from what the journal says, and the users, identities and notes it contradicts
  (db/row_checks.py) (used by `anchang verify` and `anchang restore`).
"""

from __future__ import annotations

import gc
import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import projection, row_checks
from db.keys import Keyring, KeysMismatch, KeyUnwrapError
from db.models import (
    Case,
    ClaimRecord,
    Customer,
    CustomerKey,
    EngineSnapshot,
    JournalEntry,
    KeyCheck,
    Report,
    StageRecord,
    VisitRecord,
    Warning,
)
from judge import facts as f
from judge import snapshot
from judge.engine import Site

log = logging.getLogger("anchang.integrity")
REPLAY_PROGRESS_EVERY = 1000  # entries between two progress calls of derived_differences()


# ----------------------------------------------------------------- key check
def stored_key_checks(session: Session) -> dict[str, str]:
    return {name: value for name, value in session.execute(sa.select(KeyCheck.key_file, KeyCheck.value))}


def wrong_keys(session: Session, keyring: Keyring) -> list[str] | None:
    """The key files whose check value differs from the stored one; None when none is stored yet."""
    stored = stored_key_checks(session)
    if not stored:
        return None
    mine = keyring.check_values()
    return sorted(name for name, value in stored.items() if not hmac.compare_digest(mine.get(name, ""), value))


def check_keys(session: Session, keyring: Keyring) -> None:
    """Raises KeysMismatch when the keys are not this database's. A database without stored check
    values (made without `anchang init`) is accepted: `init` and `restore` store them."""
    wrong = wrong_keys(session, keyring)
    if wrong:
        raise KeysMismatch(keyring.directory, wrong)


def master_key_opens_data(session: Session, keyring: Keyring) -> bool | None:
    """For a database without check values: does the master key unwrap a stored customer key?
    None when there is no customer key to try."""
    wrapped = session.scalar(sa.select(CustomerKey.wrapped_key).limit(1))
    if wrapped is None:
        return None
    try:
        keyring.unwrap_customer_key(wrapped)
    except KeyUnwrapError:
        return False
    return True


def record_key_checks(session: Session, keyring: Keyring) -> bool:
    """Stores the check values unless they are there (then they must match). True when written.
    Refuses keys that cannot open the customer keys already in the database."""
    wrong = wrong_keys(session, keyring)
    if wrong is not None:
        if wrong:
            raise KeysMismatch(keyring.directory, wrong)
        return False
    if master_key_opens_data(session, keyring) is False:
        raise KeysMismatch(keyring.directory, ["master.key"])
    for name, value in keyring.check_values().items():
        session.add(KeyCheck(key_file=name, value=value))
    session.flush()
    return True


# ----------------------------------------------------------------- snapshots
def snapshot_state(keyring: Keyring, seq: int, entry_hash: str, engine_state: dict[str, Any]) -> tuple[str, str]:
    """The stored text of a snapshot and its MAC. ASCII only (names escaped): the text is MAC'd at every
    start, and encoding an ASCII string for the HMAC is a plain copy."""
    state = snapshot.text(engine_state, entry_hash)
    return state, keyring.snapshot_mac(seq, state)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """No cyclic garbage collection while a snapshot's millions of objects are made: each collection
    would walk all of them again (it doubled the load time at 1,000,000 entries), and they hold no
    cycles, so reference counting frees them. `freeze`: the objects made stay out of every later
    collection too (gc.freeze), so that a kiosk's GUI thread never pauses to walk the engine's state."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@dataclass
class StoredSnapshot:
    seq: int
    problem: str = ""  # why it cannot be trusted ("" when it can)
    outdated: str = ""  # authentic, but of another format: not used, and not a problem
    site: Site | None = None  # the engine it holds, when it was decoded
    journal_hash: str | None = None


def read_snapshot(session: Session, keyring: Keyring | None, seq: int, state: str, mac: str | None, *,
                  decode_untrusted: bool = False, freeze: bool = False) -> StoredSnapshot:
    """Checks a stored snapshot and decodes it: trusted only with a valid MAC under the site's key
    (without a keyring, no site keys at hand, the MAC is not checked) and when journal entry `seq` still
    carries the hash it was taken at. The MAC is computed on a second thread while the text is parsed
    (hashing releases the GIL). The text is JSON, decoded into plain lists, strings and numbers by the
    standard parser, then into the engine's records by type: nothing in it is executed or names a class,
    so even a snapshot whose MAC is bad can be read safely (`decode_untrusted`, for `verify` to say
    what was changed). Not pickle: it loaded a 1,000,000-entry engine more slowly (1.4 s of CPU against
    0.8 s), and it would turn any slip in the MAC check into code run on every station."""
    found = StoredSnapshot(seq)
    if keyring is not None and mac is None:
        found.problem = "没有 MAC / no MAC (saved by an older version, or stripped)"
        if not decode_untrusted:
            return found
    computed: list[str] = []
    hasher = None
    if keyring is not None and mac is not None:
        hasher = threading.Thread(target=lambda: computed.append(keyring.snapshot_mac(seq, state)),
                                  name="anchang-snapshot-mac")
        hasher.start()
    with paused_gc(freeze=freeze):
        try:
            head: dict[str, Any] | None = snapshot.header(state)
        except ValueError:
            head = None
        stale = False
        if head is not None:
            found.journal_hash = str(head.get("journal_hash"))
            entry_hash = session.scalar(sa.select(JournalEntry.hash).where(JournalEntry.seq == seq))
            stale = entry_hash is None or found.journal_hash != entry_hash
        unreadable, outdated, site = "", "", None
        if head is not None and head.get("format") != snapshot.FORMAT:
            older = head.get("engine")  # formats 2 and 3: one JSON document, the format inside "engine"
            named = head.get("format") or (older.get("format") if isinstance(older, dict) else None)
            outdated = f"format {str(named)[:40]}, not {snapshot.FORMAT}"
        elif head is not None and (decode_untrusted or not (found.problem or stale)):
            try:
                site = snapshot.loads(state)[1]
            except snapshot.OutdatedSnapshot as exc:
                outdated = str(exc)
            except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
                unreadable = str(exc)[:200]
        if hasher is not None:
            hasher.join()
            if not computed or not hmac.compare_digest(computed[0], mac or ""):
                found.problem = "MAC 不符（被改动或非本站点所存）/ bad MAC (altered, or not saved by this site)"
        if not found.problem and (head is None or unreadable):
            found.problem = "格式不符 / not a snapshot (unreadable JSON or unknown format)" + (
                f": {unreadable}" if unreadable else "")
        elif not found.problem and stale:
            found.problem = f"日志第 {seq} 条已不是快照时的内容 / journal entry {seq} no longer carries the snapshot's hash"
        found.outdated = "" if found.problem else outdated
        found.site = site if decode_untrusted or not found.problem else None
    return found


def newest_snapshot(session: Session, keyring: Keyring, rejected: list[int]) -> tuple[Site, int]:
    """The engine of the newest trusted snapshot and its seq, or an empty one and 0. Every snapshot found
    untrusted (logged as a warning) or outdated (logged as information) is added to `rejected`: it is
    not used, and the next snapshot saved replaces it. Texts are read one at a time, newest first."""
    for seq, mac in session.execute(sa.select(EngineSnapshot.seq, EngineSnapshot.mac)
                                    .order_by(EngineSnapshot.seq.desc()).limit(3)).all():
        state = session.scalar(sa.select(EngineSnapshot.state).where(EngineSnapshot.seq == seq))
        found = read_snapshot(session, keyring, seq, state or "", mac, freeze=True)
        if found.site is not None:
            return found.site, seq
        if found.outdated:
            log.info("engine snapshot %s not used (older format: %s): replaying instead", seq, found.outdated)
        else:
            log.warning("engine snapshot %s ignored: %s", seq, found.problem)
        if seq not in rejected:
            rejected.append(seq)
    return Site(), 0


# ------------------------------------------------------- derived state check
@dataclass
class DerivedCheck:
    entries: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


PROJECTIONS: tuple[tuple[str, type[Any]], ...] = (
    ("customers", Customer), ("reports", Report), ("cases", Case), ("warnings", Warning), ("visits", VisitRecord),
    ("claims", ClaimRecord), ("stage_changes", StageRecord))


def _normal(value: object) -> object:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _expected_rows(site: Site, replayed: projection.Replayed) -> dict[str, dict[int, dict[str, Any]]]:
    reports = {}
    for r in site.reports.values():
        values = projection.report_values(r)
        reports[r.id] = values  # phone_masked is known only at the report's write: not compared
    return {
        "customers": {cid: projection.customer_values(state) for cid, state in site.customers.items()},
        "reports": reports,
        "cases": {c.id: projection.case_values(c) for c in site.cases.values()},
        "warnings": {w.id: projection.warning_values(w) for w in site.warnings.values()},
        "visits": replayed.visits,
        "claims": {row["id"]: row for row in replayed.claims},
        "stage_changes": {row["id"]: row for row in replayed.stages},
    }


def _table_differences(session: Session, name: str, model: type[Any],
                       expected: dict[int, dict[str, Any]]) -> list[str]:
    columns = sorted({column for values in expected.values() for column in values} - {"id"})
    if not columns:
        columns = ["id"]
    rows = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in session.execute(
        sa.select(model.id, *[getattr(model, c) for c in columns if c != "id"]))}
    if name == "customers":  # a rebuild rewrites the customers that exist; rows are made with their fact
        missing = sorted(set(expected) - set(rows))
        extra: list[int] = []
    else:
        missing = sorted(set(expected) - set(rows))
        extra = sorted(set(rows) - set(expected))
    changed = []
    for key, values in expected.items():
        row = rows.get(key)
        if row is None:
            continue
        bad = [c for c in columns if c != "id" and _normal(row.get(c)) != _normal(values.get(c))]
        if bad:
            changed.append(f"#{key} ({', '.join(bad)})")
    problems = []
    for what, items in (("缺少 / missing", [f"#{k}" for k in missing]), ("多出 / extra", [f"#{k}" for k in extra]),
                        ("不符 / differs", changed)):
        if items:
            shown = ", ".join(items[:5]) + (f" … (+{len(items) - 5})" if len(items) > 5 else "")
            problems.append(f"视图 {name} 与日志重放不符 / projection {name} differs from a rebuild: {what} {shown}")
    return problems


def derived_differences(session: Session, keyring: Keyring | None,
                        progress: Callable[[int, int], None] | None = None,
                        progress_every: int = REPLAY_PROGRESS_EVERY) -> DerivedCheck:
    """Replays the whole journal in memory (nothing is written, no lock is taken) and compares every
    stored engine snapshot and projection table with it. Run inside one read transaction.
    `progress(done, total)` as in journal.verify: every `progress_every` entries of the replay."""
    result = DerivedCheck()
    total = (session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0) if progress is not None else 0
    stored = {seq: (state, mac) for seq, state, mac in session.execute(
        sa.select(EngineSnapshot.seq, EngineSnapshot.state, EngineSnapshot.mac))}
    for seq, (state, mac) in sorted(stored.items()):
        found = read_snapshot(session, keyring, seq, state, mac)
        if found.problem:
            result.differences.append(f"引擎快照 #{seq} 不可信 / engine snapshot #{seq} untrusted: {found.problem}")
    site, replayed = Site(), projection.Replayed()
    query = (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.payload)
             .order_by(JournalEntry.seq))
    for seq, at, kind, payload in session.execute(query).yield_per(5000):
        if progress is not None and seq % progress_every == 0:
            progress(seq, total)
        fact = f.from_payload(kind, seq, at, json.loads(payload))
        if fact is not None:
            replayed(site, fact, site.apply(fact))
        result.entries = seq
        if seq in stored:
            _compare_snapshot(session, site, seq, stored[seq][0], result)
    for seq in sorted(s for s in stored if s > result.entries):
        result.differences.append(f"引擎快照 #{seq} 超出日志 / engine snapshot #{seq} is past the journal's end")
    expected = _expected_rows(site, replayed)
    for name, model in PROJECTIONS:
        result.differences.extend(_table_differences(session, name, model, expected[name]))
    result.differences.extend(row_checks.row_differences(session, keyring, site))  # users, identities, notes
    return result


def _compare_snapshot(session: Session, site: Site, seq: int, state: str, result: DerivedCheck) -> None:
    """Names what a stored snapshot holds that the replay at its seq does not (its MAC aside: an edited
    snapshot is named untrusted above, and here for what was changed)."""
    found = read_snapshot(session, None, seq, state, None, decode_untrusted=True)
    if found.site is None:
        return  # unreadable (already named untrusted) or of an older format (never used by a station)
    changed = snapshot.differences(found.site, site)
    if changed:
        log.warning("engine snapshot %s differs from the journal: %s", seq, "; ".join(changed))
        result.differences.append(f"引擎快照 #{seq} 与日志重放不符 / engine snapshot #{seq} differs from "
                                  f"a replay of the journal: {'; '.join(changed)}")
