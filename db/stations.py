"""Stations: the kiosks, consoles and `anchang` commands writing to a site, by the name their journal
entries carry (`Store(..., station=...)`: `[kiosk] station` / `[console] station` in anchang.toml).

A station registers when it starts (`Store.open(..., kind=...)`, the `anchang` commands): its kind, the
computer, its first and last start. An administrator or manager may retire one (a PC replaced, lost or
moved to another project): journalled with who did it and why, and from then on every write of that
station is refused. The refusal is read in the statement each write already sends to read the journal
(db/write_reads.py): no round trip of its own, and no cached answer that could go stale.

A name is one line of anchang.toml; the computer is not. Each computer keeps an id of its own in its data
directory (COMPUTER_FILE, beside the keys; written when it joins the site, or at its first start), bound
to every kiosk or console name it registers. A computer whose kiosk (or console) was retired cannot
register that kind under any other name, nor, having lost its id, as a new computer of the same host:
a replacement joins with a new key bundle (db/key_bundle.py), which a manager exports.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import notes
from db.database import read_session, run_write
from db.desk import MIN_REASON, Desk
from db.keys import write_private
from db.models import JournalEntry, Station
from db.site_dirs import make_folder
from judge.reasons import EngineError

if TYPE_CHECKING:
    from db.service import Store

KINDS = ("kiosk", "console", "admin")
RETIRED = "station_retired"  # journal kind of a retirement
KEYS_EXPORTED = "keys_exported"  # journal kind of a key bundle export (db/key_bundle.py)
BUNDLE_USED = "key_bundle_used"  # journal kind of a computer joining with a key bundle (used once)
COMPUTER_FILE = "station.id"  # this computer's id, in the data directory beside the keys


class StationRetired(EngineError):
    """This station was retired: its writes are refused before anything changes."""

    def __init__(self, name: str, retired_at: datetime | None = None) -> None:
        when = f" ({retired_at:%Y-%m-%d %H:%M} UTC)" if retired_at is not None else ""
        super().__init__(f"本站点已停用 / this station ({name}) was retired{when}: its writes are refused. "
                         "请联系管理员 / ask the site's administrator (a replacement PC joins as a new station)")
        self.name = name


class ComputerRetired(StationRetired):
    """This computer's station of that kind was retired: a new name in anchang.toml does not bring it back."""

    def __init__(self, retired: str, name: str, retired_at: datetime | None) -> None:
        super().__init__(retired, retired_at)
        when = f" ({retired_at:%Y-%m-%d %H:%M} UTC)" if retired_at is not None else ""
        self.args = (f"本机的站点 {retired} 已停用{when}，不能改名为 {name} 继续使用 / this computer's station "
                     f"{retired} was retired{when}: it cannot come back as {name}. 请管理员导出新的站点密钥包，"
                     "以新站点加入 / ask a manager for a new key bundle to join as a new station",)


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


def this_host() -> str:
    return socket.gethostname()[:128] or "?"


def computer_id(directory: Path) -> str | None:
    """This computer's id (COMPUTER_FILE in its data directory), None when it has none yet."""
    try:
        text = (directory / COMPUTER_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if len(text) == 32 and all(c in "0123456789abcdef" for c in text) else None


def save_computer_id(directory: Path, value: str | None = None) -> str:
    """Writes this computer's id (a new one unless given) to its data directory, owner only."""
    value = value or secrets.token_hex(16)
    make_folder(directory)
    write_private(directory / COMPUTER_FILE, value.encode("ascii"))
    return value


def register(store: Store, kind: str) -> None:
    """At start: records this station (again: its last start and computer). StationRetired when it was
    retired, ComputerRetired when this computer's station of this kind was retired under another name,
    so the program says so at once instead of at its first write."""
    if kind not in KINDS:
        raise ValueError(f"station kind must be one of {', '.join(KINDS)}: {kind!r}")
    host = this_host()
    directory = store.keyring.directory
    computer = computer_id(directory) if kind != "admin" else None  # "admin": every computer's command line
    enrolling = kind != "admin" and computer is None

    def work(session: Session) -> None:
        now = store.clock.now(session)
        row = session.get(Station, store.station)
        if row is not None and row.retired_at is not None:
            raise StationRetired(row.name, row.retired_at)
        if kind != "admin":
            _refuse_retired_computer(session, kind, computer, host if enrolling else None, store.station)
        if row is None:
            session.add(Station(name=store.station, kind=kind, host=host, first_seen=now, last_seen=now,
                                computer=computer))
        else:
            row.kind, row.host, row.last_seen = kind, host, now
            row.computer = computer if kind != "admin" else row.computer

    if enrolling:  # its first start (or its first since stations were bound): kept once registered
        computer = secrets.token_hex(16)
    run_write(store.engine, work)
    if enrolling:
        save_computer_id(directory, computer)


def _refuse_retired_computer(session: Session, kind: str, computer: str | None, new_on_host: str | None,
                             name: str) -> None:
    """A retired station of this kind on this computer, or (for a computer without its id yet) on this
    host: the same computer under another name."""
    bound = Station.computer == computer if new_on_host is None else Station.host == new_on_host
    retired = session.execute(sa.select(Station.name, Station.retired_at).where(
        bound, Station.kind == kind, Station.retired_at.is_not(None), Station.name != name).limit(1)).first()
    if retired is not None:
        raise ComputerRetired(retired.name, name, retired.retired_at)


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

