"""`anchang restore` of an older backup of the same site: the backup is checked against every kept
checkpoint and against the live journal's head; what would be lost is named (how many, from when, of
what kinds) and the restore is refused, the live database byte for byte as it was, unless the loss is
accepted with a reason (journalled, with who); safety copies are never overwritten. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from admin.cli import main
from db.database import make_engine
from db.journal import entry_hash
from db.keys import Keyring
from db.models import JournalEntry
from operations.restore_loss import LOSS_ACCEPTED
from service.store import ManualClock, Store

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
LATER = ("13812345101", "13812345102", "13812345103", "13812345104")


@pytest.fixture
def site(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    store = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(T0), station="kiosk-1")
    store.add_consultant("王丽")
    store.set_duty(["王丽"])
    store.register_visit("13812345001")
    yield store
    store.dispose()


def backup_then_more(store: Store, out: Path) -> Path:
    """A backup, then five entries after it: four visits and a signed contract."""
    assert main(["backup", "--out", str(out)]) == 0
    for i, phone in enumerate(LATER):
        store.clock.at = T0 + timedelta(hours=1, minutes=i)  # type: ignore[attr-defined]
        store.register_visit(phone, consultant="王丽")
    store.change_stage(LATER[0], "王丽", "contract")
    return out


def journal_rows(url: str) -> list[tuple[int, str, str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = [(r.seq, r.kind, r.payload) for r in conn.execute(
            sa.select(JournalEntry.seq, JournalEntry.kind, JournalEntry.payload).order_by(JournalEntry.seq))]
    engine.dispose()
    return rows


def entry_time(url: str, seq: int) -> datetime:
    engine = make_engine(url)
    with engine.connect() as conn:
        at = conn.execute(sa.select(JournalEntry.at).where(JournalEntry.seq == seq)).scalar_one()
    engine.dispose()
    return at.astimezone(UTC) if at.tzinfo else at


def live_file_hashes(url: str) -> dict[str, str]:
    """The SQLite file and its WAL, hashed (empty on PostgreSQL)."""
    if not url.startswith("sqlite"):
        return {}
    path = Path(str(make_engine(url).url.database))
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, path.with_name(path.name + "-wal")) if p.exists()}


def test_a_restore_that_loses_entries_names_them_and_is_refused(
        site: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = backup_then_more(site, tmp_path / "older.bak")
    before, hashes = journal_rows(db_url), live_file_hashes(db_url)
    capsys.readouterr()
    assert main(["restore", str(backup)]) == 1
    out = capsys.readouterr().out
    assert "the restore would lose 5 entries of the live journal" in out
    first, last = entry_time(db_url, before[-5][0]), entry_time(db_url, before[-1][0])
    assert f"(#{before[-5][0]}–#{before[-1][0]}, {first:%Y-%m-%d %H:%M} UTC to {last:%Y-%m-%d %H:%M} UTC)" in out
    assert "stage:contract ×1" in out and "visit ×4" in out
    assert "--accept-loss --reason" in out and "the live database was left as it was" in out
    assert journal_rows(db_url) == before and live_file_hashes(db_url) == hashes
    assert main(["verify"]) == 0


def test_a_restore_before_a_kept_checkpoint_is_refused(
        site: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = backup_then_more(site, tmp_path / "older.bak")
    assert main(["checkpoint"]) == 0
    signed_at = journal_rows(db_url)[-1][0]
    hashes = live_file_hashes(db_url)
    capsys.readouterr()
    assert main(["restore", str(backup)]) == 1
    out = capsys.readouterr().out
    assert f"the kept signed checkpoint at entry {signed_at}" in out and "lose 5 entries" in out
    assert live_file_hashes(db_url) == hashes
    assert main(["verify"]) == 0


def test_an_accepted_loss_is_journalled_and_verify_holds_after_it(
        site: Store, db_url: str, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = backup_then_more(site, tmp_path / "older.bak")
    assert main(["checkpoint"]) == 0
    lost_head = journal_rows(db_url)[-1][0]
    assert main(["restore", str(backup), "--accept-loss"]) == 2  # no reason: a usage error, nothing done
    assert "needs a --reason" in capsys.readouterr().err
    assert journal_rows(db_url)[-1][0] == lost_head
    assert main(["restore", str(backup), "--accept-loss", "--reason", "服务器硬盘损坏，回到昨晚备份",
                 "--operator", "张经理"]) == 0
    out = capsys.readouterr().out
    assert "loss accepted by 张经理" in out and "set the checkpoints past the backup aside" in out
    seq, kind, payload = journal_rows(db_url)[-1]
    body = json.loads(payload)
    assert kind == LOSS_ACCEPTED and body["operator"] == "张经理" and body["entries"] == 5
    assert body["live_head"]["seq"] == lost_head and body["kinds"]["stage:contract"] == 1
    assert body["checkpoints_set_aside"][0]["seq"] == lost_head
    assert "硬盘" not in payload  # the reason is a note, as a retirement's
    assert list((data_dir / "checkpoints").glob("checkpoint-*.json")) == []
    assert len(list((data_dir / "checkpoints").glob("set-aside-*/checkpoint-*.json"))) == 1
    assert main(["verify"]) == 0


def test_a_second_restore_does_not_overwrite_the_first_safety_copy(
        site: Store, db_url: str, data_dir: Path, tmp_path: Path) -> None:
    backup = backup_then_more(site, tmp_path / "older.bak")
    accept = ["--accept-loss", "--reason", "回到昨晚备份"]
    assert main(["restore", str(backup), *accept]) == 0
    site.rebuild()
    site.clock.at = T0 + timedelta(hours=5)  # type: ignore[attr-defined]
    site.register_visit("13812345555")
    assert main(["restore", str(backup), *accept]) == 0
    if db_url.startswith("sqlite"):
        path = Path(str(make_engine(db_url).url.database))
        copies = sorted(path.parent.glob(f"{path.name}.before-restore-*"))
    else:
        copies = sorted((data_dir / "backups").glob("before-restore-*.dump"))
    assert len(copies) == 2  # each restore's copy of what it replaced, both kept
    if db_url.startswith("sqlite"):
        lengths = []
        for copy in copies:
            engine = make_engine(f"sqlite:///{copy}")
            with engine.connect() as conn:
                lengths.append(conn.execute(sa.select(sa.func.max(JournalEntry.seq))).scalar_one())
            engine.dispose()
        assert len(set(lengths)) == 2  # two different databases replaced, not one copy written twice


def rewrite_after(url: str, first: int) -> None:
    """Edits entry `first` of the database at `url` and re-hashes the chain after it: self-consistent."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for name in list(conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'").scalars()):
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        rows = conn.execute(sa.select(JournalEntry.__table__).where(JournalEntry.seq >= first - 1)
                            .order_by(JournalEntry.seq)).all()
        prev = rows[0].hash
        for row in rows[1:]:
            actor = "mallory" if row.seq == first else row.actor
            new_hash = entry_hash(prev, row.seq, row.at.replace(tzinfo=UTC), actor, row.station, row.kind,
                                  row.payload)
            conn.execute(sa.update(JournalEntry).where(JournalEntry.seq == row.seq).values(
                actor=actor, prev_hash=prev, hash=new_hash))
            prev = new_hash
    engine.dispose()


def test_a_backup_contradicting_a_kept_checkpoint_is_refused_even_when_loss_is_accepted(
        site: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the backup file is edited as SQLite")
    assert main(["checkpoint"]) == 0  # signs the head the backup will hold too
    backup = backup_then_more(site, tmp_path / "older.sqlite3")
    rewrite_after(f"sqlite:///{backup}", 2)  # the backup's chain re-hashed: only the checkpoint tells
    hashes = live_file_hashes(db_url)
    capsys.readouterr()
    assert main(["restore", str(backup), "--accept-loss", "--reason", "回到昨晚备份"]) == 1
    out = capsys.readouterr().out
    assert "the backup contradicts the signed checkpoint" in out
    assert live_file_hashes(db_url) == hashes


def test_a_write_between_the_check_and_the_restore_stops_it(
        site: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A station that writes after the loss was assessed would lose that entry unnamed: the live head is
    read again under the site's write lock (SQLite's writer queue, PostgreSQL's advisory lock held for the
    whole pg_restore) and the restore stops, changing nothing."""
    from operations import backup as backup_module

    backup = backup_then_more(site, tmp_path / "older.bak")
    assessed = backup_module._loss_refused

    def assessed_then_a_station_writes(*args: object, **kwargs: object) -> bool:
        refused = assessed(*args, **kwargs)  # type: ignore[arg-type]
        site.clock.at = T0 + timedelta(hours=3)  # type: ignore[attr-defined]
        site.register_visit("13812345199")
        return refused

    monkeypatch.setattr(backup_module, "_loss_refused", assessed_then_a_station_writes)
    before = journal_rows(db_url)
    assert main(["restore", str(backup), "--accept-loss", "--reason", "回到昨晚备份"]) != 0
    assert "the live journal changed while the backup was checked" in capsys.readouterr().err
    after = journal_rows(db_url)
    assert after[:len(before)] == before and len(after) == len(before) + 1  # the station's entry is kept
