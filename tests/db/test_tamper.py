"""An attacker with database admin rights drops the guards and edits the journal. verify() must notice,
up to the last signed checkpoint, and name the first bad entry. Or edits the engine snapshots: a station
must ignore an untrusted one and report it, and `anchang verify` must name it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from admin.cli import main as cli_main
from db.database import make_engine
from db.journal import GENESIS_HASH, Checkpoint, append, entry_hash, install_guards, make_checkpoint, verify
from db.keys import Keyring
from db.models import Base, EngineSnapshot, JournalEntry
from judge import facts as f
from judge import snapshot
from judge.engine import Site
from service.store import ManualClock, Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SITE_T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ENTRIES = 12


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(db_url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        install_guards(connection)
    with Session(engine) as session:
        for i in range(ENTRIES):
            append(
                session,
                at=T0 + timedelta(minutes=i),
                actor=f"agent-{i % 3}",
                station="kiosk-1",
                kind="visit",
                payload={"customer": i, "owner": f"agent-{i % 3}"},
            )
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def checkpoint(engine: sa.Engine, tmp_path: Path) -> Checkpoint:
    """Signed after the last entry and kept outside the database, before the attack."""
    with Session(engine) as session:
        return make_checkpoint(session, Keyring.create(tmp_path / "keys"), T0 + timedelta(days=1))


def drop_guards(connection: sa.Connection) -> None:
    """What an admin can always do. Found by looking, not by knowing our trigger names."""
    if connection.dialect.name == "sqlite":
        names = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'"
        ).scalars()
        for name in list(names):
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    else:
        connection.exec_driver_sql("ALTER TABLE journal DISABLE TRIGGER USER")


def attack(engine: sa.Engine, *statements: sa.Executable) -> None:
    with engine.begin() as connection:
        drop_guards(connection)
        for statement in statements:
            connection.execute(statement)


def attack_without_dropping(engine: sa.Engine, sql: str) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(sql)


def update(target: int, **values: object) -> sa.Executable:
    return sa.update(JournalEntry).where(JournalEntry.seq == target).values(**values)


def delete(*where: sa.ColumnElement[bool]) -> sa.Executable:
    return sa.delete(JournalEntry).where(*where)


def row(engine: sa.Engine, seq: int) -> sa.Row[Any]:
    with engine.connect() as connection:
        return connection.execute(sa.select(JournalEntry.__table__).where(JournalEntry.seq == seq)).one()


def check(engine: sa.Engine, checkpoint: Checkpoint | None = None) -> tuple[bool, int | None, str]:
    """verify() with `checkpoint` trusted under its own key: these tests take it as the site's genuine one."""
    trusted = checkpoint.public_key_pem if checkpoint is not None else None
    with Session(engine) as session:  # small pages: tampering across page edges
        result = verify(session, checkpoint, trusted_public_key_pem=trusted, batch_size=5)
    return result.ok, result.first_bad_seq, result.message


def test_untouched_journal_verifies(engine: sa.Engine, checkpoint: Checkpoint) -> None:
    assert check(engine, checkpoint)[:2] == (True, None)


def test_guards_hold_until_dropped(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        attack_without_dropping(engine, "DELETE FROM journal WHERE seq = 5")
    attack(engine, delete(JournalEntry.seq == 5))
    assert check(engine)[:2] == (False, 5)


@pytest.mark.parametrize("seq", [1, 5, 6, ENTRIES])  # first, page edge (5 | 6), last
def test_edited_payload(engine: sa.Engine, checkpoint: Checkpoint, seq: int) -> None:
    attack(engine, update(seq, payload='{"customer":99}'))
    ok, first_bad, message = check(engine)
    assert (ok, first_bad) == (False, seq)
    assert f"entry {seq} was altered" in message and f"第 {seq} 条" in message
    assert check(engine, checkpoint)[:2] == (False, seq)


@pytest.mark.parametrize("column", ["at", "actor", "station", "kind"])
def test_edited_metadata(engine: sa.Engine, column: str) -> None:
    value = T0 + timedelta(microseconds=1) if column == "at" else "evil"
    attack(engine, update(7, **{column: value}))
    assert check(engine)[:2] == (False, 7)


@pytest.mark.parametrize("seq", [1, 6, 11])
def test_deleted_middle_row(engine: sa.Engine, checkpoint: Checkpoint, seq: int) -> None:
    attack(engine, delete(JournalEntry.seq == seq))
    ok, first_bad, message = check(engine)
    assert (ok, first_bad) == (False, seq)
    assert f"entry {seq} is missing" in message and "缺失" in message
    assert check(engine, checkpoint)[:2] == (False, seq)


def test_deleted_and_renumbered(engine: sa.Engine) -> None:
    """Delete entry 6 and close the gap by renumbering the rest: the links give it away."""
    attack(
        engine,
        delete(JournalEntry.seq == 6),
        *[update(s, seq=s - 1) for s in range(7, ENTRIES + 1)],
    )
    ok, first_bad, message = check(engine)
    assert (ok, first_bad) == (False, 6)
    assert "does not link to entry 5" in message


SWAPPED = ("at", "actor", "station", "kind", "payload")


def test_swapped_contents(engine: sa.Engine, checkpoint: Checkpoint) -> None:
    """Rows 4 and 8 trade their facts (who, when, what), keeping their own hashes."""
    four, eight = row(engine, 4), row(engine, 8)
    attack(
        engine,
        update(4, **{c: getattr(eight, c) for c in SWAPPED}),
        update(8, **{c: getattr(four, c) for c in SWAPPED}),
    )
    assert check(engine)[:2] == (False, 4)
    assert check(engine, checkpoint)[:2] == (False, 4)


def test_swapped_whole_rows(engine: sa.Engine) -> None:
    """Rows 4 and 5 trade everything but their seq, hashes included (reordering)."""
    four, five = row(engine, 4), row(engine, 5)
    columns = (*SWAPPED, "prev_hash", "hash")
    attack(
        engine,
        update(4, hash="f" * 64),  # hash is unique: park it
        update(5, **{c: getattr(four, c) for c in columns}),
        update(4, **{c: getattr(five, c) for c in columns}),
    )
    ok, first_bad, message = check(engine)
    assert (ok, first_bad) == (False, 4)
    assert "does not link to entry 3" in message


@pytest.mark.parametrize("keep", [0, 1, 9, ENTRIES - 1])
def test_truncated_tail(engine: sa.Engine, checkpoint: Checkpoint, keep: int) -> None:
    attack(engine, delete(JournalEntry.seq > keep))
    assert check(engine)[0] is True  # a shorter chain is still a chain...
    ok, first_bad, message = check(engine, checkpoint)  # ...but not the one that was signed
    assert (ok, first_bad) == (False, keep + 1)
    assert f"ends at entry {keep}" in message and "截断" in message


def rehash_from(engine: sa.Engine, seq: int, payload: str) -> None:
    """Edit entry `seq`, then recompute it and every later hash so the chain is consistent again."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(JournalEntry.__table__).where(JournalEntry.seq >= seq).order_by(JournalEntry.seq)
        ).all()
        prev = connection.execute(sa.select(JournalEntry.hash).where(JournalEntry.seq == seq - 1)).scalar()
    prev = prev or GENESIS_HASH
    statements = []
    for r in rows:
        content = payload if r.seq == seq else r.payload
        new_hash = entry_hash(prev, r.seq, r.at, r.actor, r.station, r.kind, content)
        statements.append(update(r.seq, payload=content, prev_hash=prev, hash=new_hash))
        prev = new_hash
    attack(engine, *statements)


@pytest.mark.parametrize("seq", [1, 7, ENTRIES])
def test_rehashed_chain(engine: sa.Engine, checkpoint: Checkpoint, seq: int) -> None:
    rehash_from(engine, seq, '{"customer":99,"owner":"agent-evil"}')
    assert check(engine)[0] is True  # self-consistent: only the checkpoint can tell
    ok, first_bad, message = check(engine, checkpoint)
    assert (ok, first_bad) == (False, 1)  # no earlier checkpoint: anywhere from the first entry to it
    assert f"rewritten between entries 1 and {checkpoint.seq}" in message and "改写" in message


def test_rehash_beyond_the_checkpoint_is_not_covered(engine: sa.Engine, tmp_path: Path) -> None:
    """The limit of the design: a rewrite after the last checkpoint is invisible until the next one."""
    with Session(engine) as session:
        early = make_checkpoint(session, Keyring.create(tmp_path / "k"), T0)
    assert early.seq == ENTRIES
    with Session(engine) as session:
        append(session, at=T0 + timedelta(days=2), actor="a", station="s", kind="visit", payload={})
        session.commit()
    rehash_from(engine, ENTRIES + 1, '{"forged":true}')
    with Session(engine) as session:
        assert verify(session, early, trusted_public_key_pem=early.public_key_pem).ok


def test_rehash_with_forged_checkpoint(engine: sa.Engine, checkpoint: Checkpoint, tmp_path: Path) -> None:
    """The attacker rewrites the chain and edits the checkpoint file to match: the signature fails."""
    rehash_from(engine, 3, '{"customer":99}')
    with Session(engine) as session:
        new_head = session.scalar(sa.select(JournalEntry.hash).where(JournalEntry.seq == checkpoint.seq))
    assert new_head is not None
    forged = replace(checkpoint, hash=new_head)
    ok, first_bad, message = check(engine, forged)
    assert (ok, first_bad) == (False, None)
    assert "signature" in message and "签名" in message


def test_checkpoint_re_signed_with_attackers_key(
    engine: sa.Engine, checkpoint: Checkpoint, tmp_path: Path
) -> None:
    rehash_from(engine, 3, '{"customer":99}')
    with Session(engine) as session:
        forged = make_checkpoint(session, Keyring.create(tmp_path / "attacker"), checkpoint.at)
        unpinned = verify(session, forged)  # self-signed: consistent with itself, yet proves nothing
        pinned = verify(session, forged, trusted_public_key_pem=checkpoint.public_key_pem)
    assert (unpinned.ok, unpinned.first_bad_seq) == (False, None)
    assert "no trusted public key" in unpinned.message
    assert (pinned.ok, pinned.first_bad_seq) == (False, None)
    assert "untrusted signature" in pinned.message


def test_checkpoint_file_edited_on_disk(engine: sa.Engine, checkpoint: Checkpoint, tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    checkpoint.to_file(path)
    path.write_text(path.read_text().replace(f'"seq": {checkpoint.seq}', '"seq": 5'))
    assert check(engine, Checkpoint.from_file(path))[:2] == (False, None)


# --------------------------------------------------------------------------- engine snapshots
# The same attacker edits the stored engine snapshot instead (the customers' owners are in it): a station
# must ignore it and say so, and `anchang verify` must name it. Each attack on a site made by `anchang init`.

def snapshot_site(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert cli_main(["init"]) == 0
    store = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(SITE_T0), station="console")
    store.add_consultant("A")
    store.add_consultant("B")
    store.set_duty(["A", "B"])
    return store


def tick(store: Store, hours: float) -> None:
    store.clock.at = SITE_T0 + timedelta(hours=hours)  # type: ignore[attr-defined]


def stored_snapshot(store: Store) -> tuple[int, str, str]:
    with store.engine.connect() as conn:
        seq, state, mac = conn.execute(sa.select(EngineSnapshot.seq, EngineSnapshot.state, EngineSnapshot.mac)).one()
    return seq, state, mac


def put_snapshot(store: Store, seq: int, state: str, mac: str | None) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.delete(EngineSnapshot))
        conn.execute(sa.insert(EngineSnapshot).values(seq=seq, state=state, mac=mac, created_at=SITE_T0))


def with_owner(state: str, customer: int, owner: str) -> str:
    """The snapshot's text with `customer` given to `owner`, written back as a station writes it."""
    journal_hash, data = snapshot.parse(state)
    table, fields = data["state"]["customers"], data["layout"]["CustomerState"]
    table["columns"][fields.index("owner")][table["keys"].index(customer)] = owner
    return snapshot.text(data, journal_hash)


def replayed(engine: sa.Engine) -> Site:
    """The engine a replay of the whole journal gives: what a station must judge on."""
    site = Site()
    with engine.connect() as conn:
        for seq, at, kind, payload in conn.execute(sa.select(
                JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.payload).order_by(JournalEntry.seq)):
            fact = f.from_payload(kind, seq, at, json.loads(payload))
            if fact is not None:
                site.apply(fact)
    return site


def names_untrusted(verify_output: str, seq: int, reason: str) -> bool:
    """`anchang verify` printed a line naming snapshot `seq` as untrusted, with `reason` (its English half)."""
    return any(f"engine snapshot #{seq} untrusted: " in line and reason in line for line in verify_output.splitlines())


BAD_MAC = "bad MAC (altered, or not saved by this site)"
ATTACKS = {
    "edited bytes": BAD_MAC,
    "valid-looking wrong MAC": BAD_MAC,
    "another site's key": BAD_MAC,
    "truncated": BAD_MAC,
    "truncated, MAC'd by this site (a torn write)": "not a snapshot (unreadable JSON or unknown format)",
    "MAC stripped": "no MAC",
}


@pytest.mark.parametrize("attack_kind", list(ATTACKS))
def test_a_tampered_snapshot_is_ignored_reported_and_named_by_verify(
        attack_kind: str, db_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    store = snapshot_site(db_url, data_dir, monkeypatch)
    owner = store.register_visit("13800000001").assigned_to
    other = "B" if owner == "A" else "A"
    store.save_snapshot()
    seq, state, mac = stored_snapshot(store)
    edited = with_owner(state, 1, other)
    keyring = Keyring.load(data_dir)
    forged = {
        "edited bytes": (edited, mac),
        "valid-looking wrong MAC": (state, keyring.snapshot_mac(seq - 1, state)),  # a real MAC, of another seq
        "another site's key": (edited, Keyring.create(tmp_path / "other-site").snapshot_mac(seq, edited)),
        "truncated": (state[: len(state) // 2], mac),
        "truncated, MAC'd by this site (a torn write)": (state[:-7], keyring.snapshot_mac(seq, state[:-7])),
        "MAC stripped": (edited, None),
    }[attack_kind]
    put_snapshot(store, seq, *forged)
    store.dispose()

    station = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(SITE_T0), station="kiosk2")
    with caplog.at_level(logging.WARNING, logger="anchang.integrity"):
        site = station.site()
    assert snapshot.differences(site, replayed(station.engine)) == []  # ignored: judged on the journal
    assert site.customers[1].owner == owner
    assert station.rejected_snapshots == [seq]  # reported: to the station, and in its log
    assert f"engine snapshot {seq} ignored" in caplog.text and ATTACKS[attack_kind] in caplog.text
    tick(station, 2)
    again = station.register_visit("13800000001")
    assert again.assigned_to == owner and not again.outcome.touched_cases

    capsys.readouterr()
    assert cli_main(["verify"]) == 1  # named
    out = capsys.readouterr().out
    assert names_untrusted(out, seq, ATTACKS[attack_kind])
    if attack_kind in ("edited bytes", "another site's key", "MAC stripped"):
        assert f"engine snapshot #{seq} differs from a replay of the journal: customers #1 (owner)" in out

    station.snapshot_every = 1  # the ignored snapshot does not count: a good one is due and replaces it
    assert station.snapshot_due()
    station.save_snapshot()
    station.dispose()
    capsys.readouterr()
    assert cli_main(["verify"]) == 0


def test_a_snapshot_whose_journal_entry_changed_in_a_restore_is_ignored_reported_and_named(
        db_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    """A genuine snapshot (valid MAC) put back after a restore, on a journal that has since grown to the
    same length with other facts: its journal_hash no longer matches the entry at its seq."""
    store = snapshot_site(db_url, data_dir, monkeypatch)
    store.register_visit("13800000001")
    backup = tmp_path / "backup"
    assert cli_main(["backup", "--out", str(backup)]) == 0
    tick(store, 1)
    store.register_visit("13800000002")
    store.save_snapshot()
    seq, state, mac = stored_snapshot(store)
    store.dispose()
    assert cli_main(["restore", str(backup), "--accept-loss",  # the backup holds no snapshot
                     "--reason", "测试：回到快照之前"]) == 0

    station = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(SITE_T0 + timedelta(hours=2)),
                    station="kiosk2")
    result = station.register_visit("13800000003")
    # the restore's own entry (restore_loss_accepted) took the snapshot's seq: the journal is past it, another one
    assert result.seq == seq + 1
    station.dispose()
    put_snapshot(station, seq, state, mac)

    kiosk = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(SITE_T0 + timedelta(hours=3)),
                  station="kiosk3")
    with caplog.at_level(logging.WARNING, logger="anchang.integrity"):
        site = kiosk.site()
    assert snapshot.differences(site, replayed(kiosk.engine)) == []
    assert kiosk.customer_id("13800000002") is None  # the snapshot's customer is not in this journal
    assert kiosk.rejected_snapshots == [seq]
    reason = f"journal entry {seq} no longer carries the snapshot's hash"
    assert f"engine snapshot {seq} ignored" in caplog.text and reason in caplog.text
    kiosk.dispose()
    capsys.readouterr()
    assert cli_main(["verify"]) == 1
    out = capsys.readouterr().out
    assert names_untrusted(out, seq, reason)
    assert f"engine snapshot #{seq} differs from a replay of the journal" in out


def test_an_authentic_snapshot_of_an_older_format_is_replayed_past_not_reported(
        db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    """After an upgrade that changed the snapshot format: the station replays the journal instead, says so
    as information (not as tampering), and its next snapshot replaces the old one; verify is content."""
    store = snapshot_site(db_url, data_dir, monkeypatch)
    store.register_visit("13800000001")
    store.save_snapshot()
    seq, state, _mac = stored_snapshot(store)
    journal_hash, data = snapshot.parse(state)
    older = json.dumps({"journal_hash": journal_hash, "engine": {**data, "format": "anchang-engine-snapshot/3"}})
    put_snapshot(store, seq, older, Keyring.load(data_dir).snapshot_mac(seq, older))
    store.dispose()

    station = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(SITE_T0), station="kiosk2")
    with caplog.at_level(logging.INFO, logger="anchang.integrity"):
        site = station.site()
    assert snapshot.differences(site, replayed(station.engine)) == []
    assert station.rejected_snapshots == [seq]  # not used, and replaced by the next one
    older_format = [r for r in caplog.records if f"engine snapshot {seq} not used (older format" in r.getMessage()]
    assert older_format and older_format[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    capsys.readouterr()
    assert cli_main(["verify"]) == 0
    station.snapshot_every = 1
    station.save_snapshot()
    assert stored_snapshot(station)[1].startswith('{"format":"' + snapshot.FORMAT)
    station.dispose()
