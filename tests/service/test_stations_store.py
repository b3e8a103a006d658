"""Stations (service/stations.py): registered at start, listed with their last write, retired with a reason;
a retired station's next write is refused in the write's own first statement, on SQLite and PostgreSQL,
and a retired station cannot start again, under its name or (the same computer) under another."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import station_registry
from db.database import make_engine, read_session
from db.keys import Keyring
from db.models import JournalEntry, Station
from service import stations, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from tests.db.stores import new_store

PASSWORD = "pw-123456"


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """The console the manager works at, and a kiosk on the same database and keys, both registered."""
    console = new_store(db_url, tmp_path / "keys", ("李强",), station="console-front")
    for name, role in (("经理", "manager"), ("管理员", "admin"), ("前台", "receptionist"), ("李强", "consultant")):
        users.add_user(console, name, role, PASSWORD)
    console.register_station("console")
    kiosk = Store(make_engine(console.engine.url.render_as_string(hide_password=False)), console.keyring, clock=console.clock, station="kiosk-2")
    kiosk.register_station("kiosk")
    yield console, kiosk
    kiosk.dispose()
    console.dispose()


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, PASSWORD))


def journal_size(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0)


def test_stations_are_listed_with_kind_starts_and_last_write(site: tuple[Store, Store]) -> None:
    console, kiosk = site
    kiosk.register_station("kiosk")  # a second start: still one row
    kiosk.register_visit("13800000001", consultant="李强")
    listed = {info.name: info for info in stations.list_stations(desk(console, "经理"))}
    assert set(listed) == {"console-front", "kiosk-2"}
    assert listed["kiosk-2"].kind == "kiosk" and listed["console-front"].kind == "console"
    assert listed["kiosk-2"].host == station_registry.this_host()
    assert listed["kiosk-2"].last_write == kiosk.now()  # the visit's entry (the manual clock)
    assert not listed["kiosk-2"].retired


def test_a_retired_station_can_no_longer_write(site: tuple[Store, Store]) -> None:
    console, kiosk = site
    kiosk.register_visit("13800000001", consultant="李强")
    seq = stations.retire(desk(console, "管理员"), "kiosk-2", "电脑送修，换新机")
    with read_session(console.engine) as session:
        entry = session.get(JournalEntry, seq)
        assert entry is not None and entry.kind == stations.RETIRED and entry.actor == "管理员"
        assert "电脑送修" not in entry.payload  # the reason is a note, not journal text
    before = journal_size(console)
    with pytest.raises(station_registry.StationRetired, match="kiosk-2"):
        kiosk.register_visit("13800000002", consultant="李强")
    with pytest.raises(station_registry.StationRetired):
        kiosk.record_consent("face-notice-2025-06")  # an entry the engine does not judge: refused too
    assert journal_size(console) == before
    console.register_visit("13800000002", consultant="李强")  # the others write on
    with pytest.raises(station_registry.StationRetired):
        kiosk.register_station("kiosk")  # and it cannot start again
    info = {i.name: i for i in stations.list_stations(desk(console, "经理"))}["kiosk-2"]
    assert info.retired and info.retired_by == "管理员" and info.reason == "电脑送修，换新机"


def test_retirements_refused(site: tuple[Store, Store]) -> None:
    console, _kiosk = site
    manager = desk(console, "经理")
    with pytest.raises(stations.StationRefused, match="原因"):
        stations.retire(manager, "kiosk-2", "x")
    with pytest.raises(stations.StationRefused, match="本机"):
        stations.retire(manager, "console-front", "不用了的电脑")
    with pytest.raises(stations.StationRefused, match="没有此站点"):
        stations.retire(manager, "kiosk-9", "不用了的电脑")
    Store(console.engine, console.keyring, clock=console.clock, station="admin").register_station("admin")
    with pytest.raises(stations.StationRefused, match="命令行"):
        stations.retire(manager, "admin", "不用了的电脑")
    stations.retire(manager, "kiosk-2", "不用了的电脑")
    with pytest.raises(stations.StationRefused, match="已停用"):
        stations.retire(manager, "kiosk-2", "不用了的电脑")


@pytest.mark.parametrize("role_user", ["前台", "李强"])
def test_roles_that_may_not_see_or_retire_stations(site: tuple[Store, Store], role_user: str) -> None:
    console, _kiosk = site
    before = journal_size(console)
    who = desk(console, role_user)
    with pytest.raises(PermissionDenied):
        stations.list_stations(who)
    with pytest.raises(PermissionDenied):
        stations.retire(who, "kiosk-2", "不用了的电脑")
    with pytest.raises(PermissionDenied):
        stations.note_key_export(who, "abc")
    assert journal_size(console) == before


def test_store_open_registers_and_refuses_a_retired_station(db_url: str, tmp_path: Path) -> None:
    console = new_store(db_url, tmp_path, ("李强",), station="console-a")
    users.add_user(console, "管理员", "admin", PASSWORD)
    opened = Store.open(db_url, tmp_path, station="kiosk-x", kind="kiosk")
    opened.dispose()
    assert "kiosk-x" in {i.name for i in stations.list_stations(desk(console, "管理员"))}
    stations.retire(desk(console, "管理员"), "kiosk-x", "被盗的电脑")
    with pytest.raises(station_registry.StationRetired):
        Store.open(db_url, tmp_path, station="kiosk-x", kind="kiosk")
    console.dispose()


def another_computer(store: Store, keys: Path) -> Store:
    """A second computer of the site: the same key files, an identity of its own (as a join gives it)."""
    keys.mkdir()
    for file in store.keyring.directory.iterdir():
        if file.name != station_registry.COMPUTER_FILE:
            shutil.copy2(file, keys / file.name)
    station_registry.save_computer_id(keys)
    url = store.engine.url.render_as_string(hide_password=False)
    return Store(make_engine(url), Keyring.load(keys), clock=store.clock, station="kiosk-new")


@pytest.mark.parametrize("id_file", ["kept", "deleted"])
def test_a_retired_station_cannot_come_back_under_another_name(site: tuple[Store, Store], tmp_path: Path,
                                                               id_file: str) -> None:
    """anchang.toml's station line edited (and the computer's id file deleted, too): still this computer."""
    console, kiosk = site
    stations.retire(desk(console, "管理员"), "kiosk-2", "电脑送修，换新机")
    if id_file == "deleted":
        (kiosk.keyring.directory / station_registry.COMPUTER_FILE).unlink()
    renamed = Store(kiosk.engine, kiosk.keyring, clock=kiosk.clock, station="kiosk-renamed")
    before = journal_size(console)
    with pytest.raises(station_registry.ComputerRetired, match="kiosk-2.*kiosk-renamed"):
        renamed.register_station("kiosk")
    assert "kiosk-renamed" not in {i.name for i in stations.list_stations(desk(console, "经理"))}
    assert journal_size(console) == before
    if id_file == "deleted":  # a refused start does not hand the computer a fresh identity either
        assert not (kiosk.keyring.directory / station_registry.COMPUTER_FILE).exists()
        with pytest.raises(station_registry.ComputerRetired):
            renamed.register_station("kiosk")
    console.register_station("console")  # the computer's console, not retired, still opens
    replacement = another_computer(console, tmp_path / "new-pc")  # a replacement PC, joined: writes
    replacement.register_station("kiosk")
    replacement.register_visit("13800000003", consultant="李强")
    replacement.dispose()


def test_stations_are_bound_to_their_computer(site: tuple[Store, Store]) -> None:
    console, kiosk = site
    computer = station_registry.computer_id(kiosk.keyring.directory)
    assert computer is not None and len(computer) == 32
    with read_session(console.engine) as session:
        bound = dict(session.execute(sa.select(Station.name, Station.computer)).all())
    assert bound == {"console-front": computer, "kiosk-2": computer}  # one computer, two stations
