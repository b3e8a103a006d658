"""A kiosk killed at any moment (power cut, task manager) loses at most the registration it was making:
every acknowledged one survives, the database stays consistent, and the next writer carries on."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from _writer import CONSULTANTS, phone
from sqlalchemy.orm import Session

from db import journal, migrate
from db.database import make_engine
from db.keys import Keyring
from db.models import JournalEntry
from db.projection import snapshot_rows
from service.store import Store

WRITER = Path(__file__).with_name("_writer.py")
SQLITE_ROUNDS = 10
PG_ROUNDS = 3
HOLD_MS = 500


def new_site(url: str, key_dir: Path) -> Store:
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(key_dir), station="console")
    for name in CONSULTANTS:
        store.add_consultant(name)
    store.set_duty(list(CONSULTANTS))
    return store


def start_writer(url: str, key_dir: Path, round_no: int, log: Path, hold_ms: int = 0) -> subprocess.Popen[str]:
    args = [sys.executable, str(WRITER), url, str(key_dir), f"kiosk{round_no}", str(round_no)]
    if hold_ms:
        args += ["--hold-ms", str(hold_ms)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log.open("a"), text=True)


def kill_and_collect(writer: subprocess.Popen[str], first_line: str, log: Path) -> list[int]:
    """SIGKILLs the writer; the seqs it printed in full are the acknowledged registrations."""
    writer.send_signal(signal.SIGKILL)
    rest, _ = writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL, f"the writer died on its own:\n{log.read_text()}"
    printed = first_line + rest
    complete = printed if printed.endswith("\n") else printed.rsplit("\n", 1)[0]
    return [int(line) for line in complete.split()]


def first_ack(writer: subprocess.Popen[str], log: Path) -> str:
    assert writer.stdout is not None
    line = writer.stdout.readline()
    assert line.endswith("\n"), f"the writer never acknowledged a registration:\n{log.read_text()}"
    return line


def journal_seqs(engine: sa.Engine) -> list[int]:
    with Session(engine) as session:
        return list(session.scalars(sa.select(JournalEntry.seq).order_by(JournalEntry.seq)))


def check_survivors(url: str, store: Store, before_kills: int, acknowledged: list[int], kills: int) -> None:
    seqs = journal_seqs(store.engine)
    assert seqs == list(range(1, len(seqs) + 1))
    assert set(acknowledged) <= set(seqs), f"lost: {sorted(set(acknowledged) - set(seqs))[:10]}"
    # A kill can cost the acknowledgement of a commit that landed, never more than one per kill.
    assert len(seqs) - before_kills - len(acknowledged) <= kills
    with Session(store.engine) as session:
        checked = journal.verify(session)
    assert checked.ok, checked.message

    # The survivors' projections are whole: a rebuild from the journal changes nothing.
    with Session(store.engine) as session:
        incremental = snapshot_rows(session)
    store.rebuild()
    with Session(store.engine) as session:
        assert snapshot_rows(session) == incremental

    newcomer = Store(make_engine(url), store.keyring, station="after")
    assert newcomer.register_visit(phone(99_999)).seq == len(seqs) + 1
    newcomer.dispose()


@pytest.mark.slow
def test_sqlite_writer_killed_at_random_moments(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    store = new_site(url, tmp_path / "keys")
    before = len(journal_seqs(store.engine))
    log = tmp_path / "writer.log"
    draw = random.Random(20250301)
    acknowledged: list[int] = []
    for round_no in range(SQLITE_ROUNDS):
        writer = start_writer(url, tmp_path / "keys", round_no, log)
        line = first_ack(writer, log)
        time.sleep(draw.uniform(0.0, 0.5))  # most of a writer's time is inside its transaction
        acknowledged += kill_and_collect(writer, line, log)
    assert len(acknowledged) >= SQLITE_ROUNDS

    with sqlite3.connect(tmp_path / "site.sqlite3") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    check_survivors(url, store, before, acknowledged, SQLITE_ROUNDS)


@pytest.mark.slow
def test_postgres_client_killed_inside_its_transaction(pg_url: str, tmp_path: Path) -> None:
    """The writer holds the site lock in an open transaction (seen on the server) when it dies: the
    server must roll that back, release the lock and keep every acknowledged commit."""
    app = "anchang_kill_test"
    url = f"{pg_url}&application_name={app}"
    store = new_site(pg_url, tmp_path / "keys")
    before = len(journal_seqs(store.engine))
    log = tmp_path / "writer.log"
    acknowledged: list[int] = []
    for round_no in range(PG_ROUNDS):
        writer = start_writer(url, tmp_path / "keys", round_no, log, hold_ms=HOLD_MS)
        line = first_ack(writer, log)
        wait_for_open_transaction_holding_lock(store.engine, app)
        acknowledged += kill_and_collect(writer, line, log)
    check_survivors(pg_url, store, before, acknowledged, PG_ROUNDS)


def wait_for_open_transaction_holding_lock(engine: sa.Engine, app: str) -> None:
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
        "WHERE a.application_name = :app AND a.state = 'idle in transaction' "
        "AND l.locktype = 'advisory' AND l.granted"
    )
    deadline = time.monotonic() + 3 * HOLD_MS / 1000
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(query, {"app": app}).scalar_one():
                return
            conn.rollback()
            time.sleep(0.02)
    pytest.fail("the writer was never seen holding the site lock inside a transaction")
