"""The kiosk outbox: durable, in order, none lost, none twice — also across a real PostgreSQL outage
(a private throw-away cluster, so nobody else's tests see it go down)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from db import migrate
from db.database import DatabaseUnavailable, make_engine
from db.keys import Keyring
from db.models import CheckinRef, JournalEntry
from kiosk.outbox import Outbox, OutboxKeyError, outbox_path, store_writer
from service import reception
from service.store import ManualClock, Store
from tests.service.test_store import T0, advance


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="kiosk-1")
    s.add_consultant("A")
    s.set_duty(["A"])
    yield s
    s.dispose()


def visits(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(JournalEntry.seq).where(JournalEntry.kind == "visit")
                                 .order_by(JournalEntry.seq)).scalars())


def checkin(i: int, **extra: Any) -> dict[str, Any]:
    return {"phone": f"139{i:08d}", "verified": False, **extra}


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring.create(tmp_path / "site-keys")


def test_put_is_durable_and_pending_in_order(tmp_path: Path) -> None:
    Keyring.create(tmp_path)  # the data directory: the keys beside the outbox, loaded when none is given
    box = Outbox(outbox_path(tmp_path))
    refs = [box.put(checkin(i)) for i in range(3)]
    given = box.put(checkin(9, ref="my-own-ref", arrived_at=T0))
    assert given == "my-own-ref" and len(set(refs)) == 3
    reopened = Outbox(tmp_path / "outbox.sqlite3", Keyring.load(tmp_path))  # as after a restart of the kiosk
    queued = reopened.pending()
    assert [c["ref"] for c in queued] == [*refs, given]
    assert [c["phone"] for c in queued] == ["13900000000", "13900000001", "13900000002", "13900000009"]
    assert queued[-1]["arrived_at"] == T0 and queued[0]["arrived_at"].tzinfo is not None
    with reopened._connect() as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(ValueError, match="aware"):
        box.put(checkin(1, arrived_at=T0.replace(tzinfo=None)))


def test_drain_stops_at_the_first_outage_and_resumes_in_order(tmp_path: Path, keyring: Keyring) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", keyring)
    for i in range(5):
        box.put(checkin(i))
    written: list[str] = []
    down_at = {2}

    def write(c: dict[str, Any]) -> None:
        if len(written) in down_at:
            down_at.clear()
            raise DatabaseUnavailable("数据库不可用 / the database is unavailable")
        written.append(c["phone"])

    assert box.drain(write) == 2
    assert [c["phone"] for c in box.pending()] == ["13900000002", "13900000003", "13900000004"]
    assert box.drain(write) == 3
    assert written == [f"139{i:08d}" for i in range(5)] and box.pending() == []
    assert box.drain(write) == 0


def test_a_refused_check_in_is_set_aside_and_the_rest_go_on(store: Store, tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    box.put(checkin(1))
    bad = box.put({"phone": "12345", "verified": False})
    box.put(checkin(2, consultant="nobody"))
    box.put(checkin(3))
    assert box.drain(store_writer(store)) == 2
    assert box.pending() == []
    rejected = box.rejected()
    assert [r.ref for r in rejected][0] == bad and len(rejected) == 2
    assert "nobody" in rejected[1].error and rejected[1].checkin["consultant"] == "nobody"
    assert len(visits(store)) == 2


def test_none_twice_when_the_connection_drops_after_the_commit(store: Store, tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    box.put(checkin(1))
    box.put(checkin(2))
    real = store_writer(store)
    results: list[Any] = []

    def ack_lost(c: dict[str, Any]) -> None:
        results.append(real(c))  # committed in the store...
        raise DatabaseUnavailable("connection lost")  # ...but the kiosk never heard

    assert box.drain(ack_lost) == 0
    assert len(box.pending()) == 2 and len(visits(store)) == 1
    assert box.drain(lambda c: results.append(real(c))) == 2
    assert visits(store) == [results[0].seq, results[2].seq]
    assert results[1].seq == results[0].seq  # the resend got the first result back
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(CheckinRef)).scalar_one() == 2


def test_a_delayed_check_in_is_judged_on_arrival_and_shows_the_kiosk_time(store: Store, tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    box.put(checkin(1, arrived_at=T0))
    advance(store, hours=2)  # the network was down for two hours
    assert box.drain(store_writer(store)) == 1
    [waiting] = reception.pending_checkins(store)
    assert waiting.at == T0
    with store.engine.connect() as conn:
        judged = conn.execute(sa.select(JournalEntry.at).where(JournalEntry.seq == waiting.visit_seq)).scalar_one()
    assert judged.replace(tzinfo=T0.tzinfo) == T0 + timedelta(hours=2)


# ------------------------------------------------------------- nothing personal readable in the file

VISITOR = {"phone": "13812345679", "name": "欧阳娜娜女士", "id_card": "11010519491231002X", "verified": True}


def disk_bytes(path: Path) -> bytes:
    """The outbox file and its -wal/-shm companions, as a thief copying the kiosk's disk would get them."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def assert_nothing_personal(raw: bytes) -> None:
    for digits in (VISITOR["phone"], VISITOR["id_card"], VISITOR["phone"][-4:] + VISITOR["id_card"][-4:]):
        spaced = re.compile(rb"\D{0,4}".join(re.escape(d.encode()) for d in digits), re.IGNORECASE)
        assert spaced.search(raw) is None, f"{digits} readable in the outbox file"  # 138 1234 5679, UTF-16...
    name = VISITOR["name"]
    for form in ("utf-8", "utf-16-le", "utf-16-be", "gb18030"):
        assert name.encode(form) not in raw and name[:2].encode(form) not in raw
    assert json.dumps(name).strip('"').encode() not in raw  # \u6b27\u9633... as JSON escapes


def test_the_file_alone_reveals_no_phone_name_or_id_number(tmp_path: Path, keyring: Keyring) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path, keyring)
    with closing(sqlite3.connect(path)) as reader:  # an open reader keeps the new pages in the -wal
        reader.execute("SELECT count(*) FROM outbox").fetchone()
        ref = box.put(dict(VISITOR))
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size > 0
        assert_nothing_personal(wal.read_bytes())
        assert_nothing_personal(disk_bytes(path))
    assert_nothing_personal(disk_bytes(path))  # after the checkpoint into the main file
    [queued] = Outbox(path, keyring).pending()
    assert {k: queued[k] for k in VISITOR} == VISITOR and queued["ref"] == ref

    def refuse(c: dict[str, Any]) -> None:  # a refusal quotes what it refused
        raise ValueError(f"手机号码无效 / invalid: {c['phone']} {c['name']} {c['id_card']}")

    assert box.drain(refuse) == 0
    [rejected] = box.rejected()
    assert VISITOR["phone"] in rejected.error and rejected.checkin["id_card"] == VISITOR["id_card"]
    assert_nothing_personal(disk_bytes(path))


def test_check_ins_written_in_the_clear_by_an_older_kiosk_are_sealed_on_open(
        tmp_path: Path, keyring: Keyring) -> None:
    path = tmp_path / "outbox.sqlite3"
    clear = json.dumps({**VISITOR, "ref": "r1", "arrived_at": T0.isoformat()}, ensure_ascii=False)
    with closing(sqlite3.connect(path)) as conn, conn:  # the schema and rows of the first outbox
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL UNIQUE, "
                     "body TEXT NOT NULL, queued_at TEXT NOT NULL)")
        conn.execute("CREATE TABLE rejected (ref TEXT PRIMARY KEY, body TEXT NOT NULL, error TEXT NOT NULL, "
                     "at TEXT NOT NULL)")
        conn.execute("INSERT INTO outbox (ref, body, queued_at) VALUES ('r1', ?, ?)", (clear, T0.isoformat()))
        conn.execute("INSERT INTO rejected VALUES ('r0', ?, ?, ?)",
                     (clear.replace('"r1"', '"r0"'), f"invalid {VISITOR['phone']}", T0.isoformat()))
    assert VISITOR["phone"].encode() in disk_bytes(path)  # the test sees clear text when it is there
    box = Outbox(path, keyring)
    assert_nothing_personal(disk_bytes(path))
    [queued] = box.pending()
    assert queued["phone"] == VISITOR["phone"] and queued["arrived_at"] == T0
    [rejected] = box.rejected()
    assert rejected.ref == "r0" and rejected.error == f"invalid {VISITOR['phone']}"
    assert rejected.checkin["name"] == VISITOR["name"]


def test_another_sites_keys_cannot_open_the_outbox(tmp_path: Path, keyring: Keyring) -> None:
    path = tmp_path / "outbox.sqlite3"
    Outbox(path, keyring).put(dict(VISITOR))
    with pytest.raises(OutboxKeyError, match="离线队列无法解密"):
        Outbox(path, Keyring.create(tmp_path / "other-site"))
    assert [c["phone"] for c in Outbox(path, keyring).pending()] == [VISITOR["phone"]]  # nothing lost
    with sqlite3.connect(path) as conn:  # a sealed body moved under another ref does not open
        conn.execute("INSERT INTO outbox (ref, body, queued_at) SELECT 'moved', body, queued_at FROM outbox")
    with pytest.raises(ValueError, match="解密失败"):
        Outbox(path, keyring).pending()


# ------------------------------------------------------------- a real outage on a private cluster


def test_none_lost_none_twice_across_a_real_outage(private_pg: tuple[str, Any], tmp_path: Path) -> None:
    url, pg_ctl = private_pg
    engine = make_engine(url, connect_args={"connect_timeout": 2})
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(tmp_path / "keys"), station="kiosk-1")  # the server's clock
    store.add_consultant("A")
    store.set_duty(["A"])
    box = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    stop, errors, sent = threading.Event(), [], [0]

    def drain_loop() -> None:
        while not stop.is_set():
            try:
                sent[0] += box.drain(store_writer(store))
            except Exception as exc:  # noqa: BLE001 - anything but "unreachable" is a defect here
                errors.append(exc)
            time.sleep(0.05)

    worker = threading.Thread(target=drain_loop, daemon=True)
    worker.start()
    refs: list[str] = []
    queued_while_down = 0
    try:
        for i in range(30):
            if i == 10:
                pg_ctl("stop")  # connections drop, mid-transaction or mid-commit as it happens
            if i == 20:
                queued_while_down = len(box.pending())
                pg_ctl("start")
            refs.append(box.put(checkin(i)))
            time.sleep(0.05)
        deadline = time.monotonic() + 60
        while box.pending() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(30)
    assert queued_while_down >= 9  # the outage was real: check-ins waited in the outbox
    assert errors == [] and box.pending() == [] and box.rejected() == []
    with engine.connect() as conn:
        rows = conn.execute(sa.select(CheckinRef.ref).order_by(CheckinRef.visit_seq)).scalars().all()
        count = conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)
                             .where(JournalEntry.kind == "visit")).scalar_one()
    assert rows == refs  # every check-in once, in the order the visitors checked in
    assert count == 30 and sent[0] == 30
    store.dispose()


def test_the_outbox_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path, keyring: Keyring) -> None:
    old_umask = os.umask(0o022)  # a kiosk started from a desktop session: new files would be 0644
    try:
        box = Outbox(tmp_path / "kiosk" / "outbox.sqlite3", keyring)
        box.put(checkin(1))
        with box._connect() as conn:  # while a connection is open the WAL and shm files exist
            conn.execute("SELECT count(*) FROM outbox").fetchone()
            modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "kiosk").iterdir()}
        assert set(modes) >= {"outbox.sqlite3", "outbox.sqlite3-wal"}
        assert modes == dict.fromkeys(modes, 0o600)
        assert (tmp_path / "kiosk").stat().st_mode & 0o777 == 0o700
    finally:
        os.umask(old_umask)


# ------------------------------------------------------------- damaged files and refusals handed on


def test_a_truncated_outbox_is_set_aside_whole_and_a_new_one_started(tmp_path: Path, keyring: Keyring,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path, keyring)
    for i in range(40):
        box.put(checkin(i))
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 3)  # a power cut mid-write, a disk that lost blocks
    damaged = path.read_bytes()
    reopened = Outbox(path, keyring)
    aside = reopened.quarantined
    assert aside is not None and aside.name.startswith("outbox.sqlite3.damaged-")
    assert aside.read_bytes() == damaged and aside.stat().st_mode & 0o777 == 0o600  # kept as it was
    assert reopened.pending() == [] and reopened.put(checkin(99))
    assert [c["phone"] for c in reopened.pending()] == ["13900000099"]
    assert str(aside) in caplog.text and "damaged" in caplog.text
    assert Outbox(path, keyring).quarantined is None  # the new file opens as any other


def test_refused_check_ins_are_handed_on_and_leave_the_file(tmp_path: Path, keyring: Keyring) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", keyring)
    box.put(checkin(1))
    bad = box.put(checkin(2))
    box.put(checkin(3))
    handed: list[tuple[str, str]] = []

    def write(c: dict[str, Any]) -> None:
        if c["ref"] == bad:
            raise ValueError("没有值班的置业顾问 / no consultant on duty")

    assert box.drain(write, lambda c, reason: handed.append((c["phone"], reason))) == 2
    assert handed == [("13900000002", "没有值班的置业顾问 / no consultant on duty")]
    assert box.pending() == [] and box.rejected() == []


def test_a_refusal_not_handed_on_for_an_outage_waits_in_the_file(tmp_path: Path, keyring: Keyring) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", keyring)
    box.put(checkin(1))
    box.put(checkin(2))
    down = [True]

    def refuse_first(c: dict[str, Any]) -> None:
        if c["phone"] == "13900000001":
            raise ValueError("refused")

    def hand_on(c: dict[str, Any], reason: str) -> None:
        if down[0]:
            raise DatabaseUnavailable("数据库不可用 / the database is unavailable")

    assert box.drain(refuse_first, hand_on) == 0  # stopped: nothing behind it sent meanwhile
    assert isinstance(box.stopped_by, DatabaseUnavailable)
    assert [r.checkin["phone"] for r in box.rejected()] == ["13900000001"]
    assert [c["phone"] for c in box.pending()] == ["13900000002"]
    down[0] = False
    assert box.drain(refuse_first, hand_on) == 1 and box.rejected() == [] and box.pending() == []


def test_what_an_older_kiosk_left_in_rejected_is_handed_on(tmp_path: Path, keyring: Keyring) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", keyring)
    box.put(checkin(1))
    box.drain(lambda c: (_ for _ in ()).throw(ValueError("unknown agent")))  # the old drain: kept in the file
    assert len(box.rejected()) == 1
    handed: list[str] = []
    assert box.drain(lambda c: None, lambda c, reason: handed.append(reason)) == 0
    assert handed == ["unknown agent"] and box.rejected() == []
