"""Stations: the kiosks, consoles and `anchang` commands writing to a site, by the name their journal
entries carry (`Store(..., station=...)`: `[kiosk] station` / `[console] station` in anchang.toml).

A station registers when it starts (`Store.open(..., kind=...)`, the `anchang` commands): its kind, the
computer, its first and last start. An administrator or manager may retire one (a PC replaced, lost or
moved to another project): journalled with who did it and why, and from then on every write of that
station is refused. The refusal is read in the statement each write already sends to read the journal
(db/write_reads.py): no round trip of its own, and no cached answer that could go stale.

The registry itself (register at start, StationRetired, each computer's id) is storage:
db/station_registry.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import notes
from db.database import read_session
from db.models import JournalEntry, Station
from judge.reasons import EngineError
from service.desk import MIN_REASON, Desk

RETIRED = "station_retired"  # journal kind of a retirement
KEYS_EXPORTED = "keys_exported"  # journal kind of a key bundle export (service/key_bundle.py)
BUNDLE_USED = "key_bundle_used"  # journal kind of a computer joining with a key bundle (used once)


class StationRefused(EngineError):
    """A retirement refused before anything changed (unknown station, this station itself, no reason)."""


@dataclass(frozen=True)
class StationInfo:
    name: str
    kind: str
    host: str | None
    first_seen: datetime
    last_seen: datetime  # its last start
    last_write: datetime | None  # its newest journal entry
    retired_at: datetime | None
    retired_by: str | None
    reason: str | None  # the retirement's reason as written

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


def list_stations(desk: Desk) -> list[StationInfo]:
    """Every station, active ones first, newest start first. The last write is the station's newest
    journal entry (an index on the journal's station: one seek per station)."""
    desk.require("stations.view")
    store = desk.store
    last_write = (sa.select(JournalEntry.at).where(JournalEntry.station == Station.name)
                  .order_by(JournalEntry.seq.desc()).limit(1).scalar_subquery())
    query = (sa.select(Station, last_write.label("last_write"))
             .order_by(Station.retired_at.is_not(None), Station.last_seen.desc(), Station.name))
    with read_session(store.engine) as session:
        rows = session.execute(query).all()
        refs = [row.Station.retired_note for row in rows if row.Station.retired_note]
        reasons = notes.note_texts(session, store.keyring, refs) if refs else {}
    return [StationInfo(name=s.name, kind=s.kind, host=s.host, first_seen=s.first_seen, last_seen=s.last_seen,
                        last_write=written, retired_at=s.retired_at, retired_by=s.retired_by,
                        reason=reasons.get(s.retired_note or "")) for s, written in rows]


def retire(desk: Desk, name: str, reason: str) -> int:
    """Retires station `name`: journalled (actor, station, the reason as a note); returns the entry's seq.
    A station cannot retire itself (it would lock its own user out mid-task)."""
    desk.require("stations.retire")
    store = desk.store
    text = reason.strip()
    if len(text) < MIN_REASON:
        raise StationRefused(f"请写明停用原因（至少 {MIN_REASON} 个字）/ give a reason of {MIN_REASON} "
                             "characters or more")
    if name == store.station:
        raise StationRefused(f"不能停用正在使用的本机 / {name} is this station: retire it from another one")

    def work(session: Session) -> dict[str, Any]:
        row = session.get(Station, name)
        if row is None:
            raise StationRefused(f"没有此站点 / no station named {name!r}")
        if row.retired_at is not None:
            raise StationRefused(f"站点已停用 / station {name!r} is already retired")
        if row.kind == "admin":  # every computer's `anchang` command: retiring it would leave no way back
            raise StationRefused(f"命令行工具不能停用 / {name!r} is the `anchang` command of every computer: "
                                 "retire the computer's kiosk or console instead")
        now = store.clock.now(session)
        ref = notes.add_note(session, store.keyring, text, None, now)
        row.retired_at, row.retired_by, row.retired_note = now, desk.actor, ref
        return {"station": name, "reason": ref}

    return store._journal_only(RETIRED, desk.actor, work)


def note_key_export(desk: Desk, site_id: str) -> int:
    """Journals that this user exported the site's keys (the bundle's site id; never key material)."""
    desk.require("keys.export")
    return desk.store._journal_only(KEYS_EXPORTED, desk.actor, {"site": site_id})

