"""The station table's registry: a kiosk, console or `anchang` command records itself at start (its kind,
the computer, its first and last start) and is refused when it was retired (service/stations.py retires).

A name is one line of anchang.toml; the computer is not. Each computer keeps an id of its own in its data
directory (COMPUTER_FILE, beside the keys; written when it joins the site, or at its first start), bound
to every kiosk or console name it registers. A computer whose kiosk (or console) was retired cannot
register that kind under any other name, nor, having lost its id, as a new computer of the same host:
a replacement joins with a new key bundle (service/key_bundle.py), which a manager exports.
"""

from __future__ import annotations

import secrets
import socket
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.clock import Clock
from db.database import run_write
from db.keys import write_private
from db.models import Station
from db.site_dirs import make_folder
from judge.reasons import EngineError

KINDS = ("kiosk", "console", "admin", "server")  # server: anchang serve (the site server)
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


def register(engine: Engine, clock: Clock, station: str, directory: Path, kind: str) -> None:
    """At start: records this station (again: its last start and computer). StationRetired when it was
    retired, ComputerRetired when this computer's station of this kind was retired under another name,
    so the program says so at once instead of at its first write."""
    if kind not in KINDS:
        raise ValueError(f"station kind must be one of {', '.join(KINDS)}: {kind!r}")
    host = this_host()
    computer = computer_id(directory) if kind != "admin" else None  # "admin": every computer's command line
    enrolling = kind != "admin" and computer is None

    def work(session: Session) -> None:
        now = clock.now(session)
        row = session.get(Station, station)
        if row is not None and row.retired_at is not None:
            raise StationRetired(row.name, row.retired_at)
        if kind != "admin":
            _refuse_retired_computer(session, kind, computer, host if enrolling else None, station)
        if row is None:
            session.add(Station(name=station, kind=kind, host=host, first_seen=now, last_seen=now,
                                computer=computer))
        else:
            row.kind, row.host, row.last_seen = kind, host, now
            row.computer = computer if kind != "admin" else row.computer

    if enrolling:  # its first start (or its first since stations were bound): kept once registered
        computer = secrets.token_hex(16)
    run_write(engine, work)
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
