"""What keeps a database and its derived state honest beyond the journal's hash chain.

- key check: the check values of the site's key files, stored at `anchang init`; a station given another
  site's keys (or replaced ones) refuses to start instead of creating a second customer per phone.
- snapshots: an engine snapshot is trusted only with a valid MAC under the site's key and when its
  journal entry still carries the hash it was taken at.
- `derived_differences`: replays the journal in memory and names every stored snapshot and projection
  table that differs from what the journal says (used by `anchang verify` and `anchang restore`).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import projection
from db.keys import Keyring, KeysMismatch, KeyUnwrapError
from db.models import (
    Case,
    Customer,
    CustomerKey,
    EngineSnapshot,
    JournalEntry,
    KeyCheck,
    Report,
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
    state = json.dumps({"journal_hash": entry_hash, "engine": engine_state}, ensure_ascii=True,
                       separators=(",", ":"))
    return state, keyring.snapshot_mac(seq, state)


def snapshot_problem(session: Session, keyring: Keyring | None, seq: int, state: str,
                     mac: str | None) -> tuple[str, dict[str, Any] | None]:
    """Why a stored snapshot cannot be trusted ("" when it can), and its parsed content (only when it can
    be trusted). Without a keyring (no site keys at hand) the MAC is not checked. The MAC is computed on a
    second thread while the text is parsed (hashing releases the GIL), so a station starts no later."""
    if keyring is not None and mac is None:
        return "没有 MAC / no MAC (saved by an older version, or stripped)", None
    computed: list[str] = []
    hasher = None
    if keyring is not None:
        hasher = threading.Thread(target=lambda: computed.append(keyring.snapshot_mac(seq, state)),
                                  name="anchang-snapshot-mac")
        hasher.start()
    try:
        data = json.loads(state)
    except ValueError:
        data = None
    if hasher is not None:
        hasher.join()
        if not computed or not hmac.compare_digest(computed[0], mac or ""):
            return "MAC 不符（被改动或非本站点所存）/ bad MAC (altered, or not saved by this site)", None
    if not isinstance(data, dict) or "engine" not in data:
        return "格式不符 / not a snapshot (unreadable JSON or unknown format)", None
    entry_hash = session.scalar(sa.select(JournalEntry.hash).where(JournalEntry.seq == seq))
    if entry_hash is None or data.get("journal_hash") != entry_hash:
        return f"日志第 {seq} 条已不是快照时的内容 / journal entry {seq} no longer carries the snapshot's hash", None
    return "", data


# ------------------------------------------------------- derived state check
@dataclass
class DerivedCheck:
    entries: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


PROJECTIONS: tuple[tuple[str, type[Any]], ...] = (
    ("customers", Customer), ("reports", Report), ("cases", Case), ("warnings", Warning), ("visits", VisitRecord))


def _normal(value: object) -> object:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _expected_rows(site: Site, visits: dict[int, dict[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
    reports = {}
    for r in site.reports.values():
        values = projection.report_values(r)
        reports[r.id] = values  # phone_masked is known only at the report's write: not compared
    return {
        "customers": {cid: projection.customer_values(state) for cid, state in site.customers.items()},
        "reports": reports,
        "cases": {c.id: projection.case_values(c) for c in site.cases.values()},
        "warnings": {w.id: projection.warning_values(w) for w in site.warnings.values()},
        "visits": visits,
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
        problem, _ = snapshot_problem(session, keyring, seq, state, mac)
        if problem:
            result.differences.append(f"引擎快照 #{seq} 不可信 / engine snapshot #{seq} untrusted: {problem}")
    site, visits = Site(), {}
    query = (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.payload)
             .order_by(JournalEntry.seq))
    for seq, at, kind, payload in session.execute(query).yield_per(5000):
        if progress is not None and seq % progress_every == 0:
            progress(seq, total)
        fact = f.from_payload(kind, seq, at, json.loads(payload))
        if fact is not None:
            outcome = site.apply(fact)
            if isinstance(fact, f.Visit):
                visits[fact.seq] = projection.visit_values(fact, outcome, site)
            elif isinstance(fact, f.Confirm):
                visits[fact.visit]["verified"] = True
        result.entries = seq
        if seq in stored:
            _compare_snapshot(site, seq, stored[seq][0], result)
    for seq in sorted(s for s in stored if s > result.entries):
        result.differences.append(f"引擎快照 #{seq} 超出日志 / engine snapshot #{seq} is past the journal's end")
    expected = _expected_rows(site, visits)
    for name, model in PROJECTIONS:
        result.differences.extend(_table_differences(session, name, model, expected[name]))
    return result


def _compare_snapshot(site: Site, seq: int, state: str, result: DerivedCheck) -> None:
    try:
        engine_state = json.loads(state)["engine"]
    except (ValueError, KeyError, TypeError):
        return  # already reported as untrusted
    replayed = json.loads(json.dumps(snapshot.dump(site), ensure_ascii=False))
    if engine_state != replayed:
        log.warning("engine snapshot %s differs from the journal", seq)
        result.differences.append(f"引擎快照 #{seq} 与日志重放不符 / engine snapshot #{seq} differs from "
                                  "a replay of the journal")
