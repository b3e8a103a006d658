"""What `anchang restore` would take away: the backup's journal against every signed checkpoint kept and
against the live journal's head. A backup that contradicts a checkpoint is refused outright (its journal
was rewritten, or is another history); one that ends before the live journal or a kept checkpoint loses
entries, named here (how many, from when, of what kinds) so that the operator accepts the loss knowingly
(`--accept-loss --reason`): journalled in the restored journal (who, why, what was lost), and the kept
checkpoints past the backup's end moved aside, kept, so that `anchang verify` holds again."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from db import journal, notes
from db.keys import Keyring
from db.models import JournalEntry

LOSS_ACCEPTED = "restore_loss_accepted"  # journal kind: a restore that dropped entries, who and why


@dataclass
class Loss:
    """The live journal's entries (and kept checkpoints) a restore of the backup would drop."""

    live_head: journal.Head = journal.EMPTY_HEAD
    kept_to: int = 0  # the last live entry the backup holds too
    entries: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    checkpoints_beyond: list[journal.Checkpoint] = field(default_factory=list)
    unreadable: str = ""  # the live journal could not be read: what is lost is unknown

    @property
    def any(self) -> bool:
        return bool(self.entries or self.checkpoints_beyond or self.unreadable)

    def lines(self) -> list[str]:
        said = []
        if self.unreadable:
            said.append(f"无法读取当前日志，丢失多少未知 / the live journal cannot be read ({self.unreadable}): "
                        "what the restore would lose is unknown")
        if self.entries:
            kinds = ", ".join(f"{kind} ×{count}" for kind, count in sorted(self.kinds.items()))
            said.append(f"将丢失当前日志中的 {self.entries} 条记录（第 {self.kept_to + 1}–{self.live_head.seq} 条，"
                        f"{_utc(self.first_at)} 至 {_utc(self.last_at)}）/ the restore would lose {self.entries} "
                        f"entries of the live journal (#{self.kept_to + 1}–#{self.live_head.seq}, "
                        f"{_utc(self.first_at)} to {_utc(self.last_at)}): {kinds}")
        for mark in self.checkpoints_beyond:
            said.append(f"已保存的签名检查点 #{mark.seq} 超出备份的日志，将移出 / the kept signed checkpoint at "
                        f"entry {mark.seq} ({_utc(mark.at)}) is past the backup's journal: it would be set aside")
        return said

    def payload(self) -> dict[str, object]:
        """What the journal keeps of an accepted loss (kinds and counts, never the entries' contents)."""
        return {"live_head": {"seq": self.live_head.seq, "hash": self.live_head.hash}, "kept_to": self.kept_to,
                "entries": self.entries, "first_at": _iso(self.first_at), "last_at": _iso(self.last_at),
                "kinds": dict(sorted(self.kinds.items())), "unreadable": self.unreadable or None,
                "checkpoints_set_aside": [{"seq": m.seq, "hash": m.hash} for m in self.checkpoints_beyond]}


def _utc(at: datetime | None) -> str:
    return "?" if at is None else f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _aware(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo is not None else at.replace(tzinfo=UTC)


def hash_at(session: Session, seq: int) -> str | None:
    if seq == 0:
        return journal.GENESIS_HASH
    return session.scalar(sa.select(JournalEntry.hash).where(JournalEntry.seq == seq))


def checkpoint_problems(backup: Session, kept: list[journal.Checkpoint], public_key_pem: str) -> list[str]:
    """Kept checkpoints the backup contradicts (an entry they cover carries another hash) or that are not
    this site's: a restore would leave a journal `anchang verify` fails for good. No override."""
    problems = []
    head = journal.read_head(backup).seq
    for mark in kept:
        if not journal.verify_signature(mark, public_key_pem):
            problems.append(f"检查点 #{mark.seq} 签名无效或不是本站点的 / the kept checkpoint at entry {mark.seq} "
                            "has an invalid or untrusted signature")
        elif mark.seq <= head and hash_at(backup, mark.seq) != mark.hash:
            problems.append(f"备份与签名检查点 #{mark.seq} 不符：备份的日志被改写或属于另一段历史 / the backup "
                            f"contradicts the signed checkpoint at entry {mark.seq}: its journal was rewritten "
                            "or is another history")
    return problems


def _common_prefix(live: Session, backup: Session, live_head: int, backup_head: int) -> int:
    """The last seq at which both journals carry the same entry. Each is a hash chain (the backup's was
    verified), so once they differ they differ for good: a binary search, ~2 log2(n) lookups."""
    low, high = 0, min(live_head, backup_head)
    while low < high:
        middle = (low + high + 1) // 2
        if hash_at(live, middle) == hash_at(backup, middle):
            low = middle
        else:
            high = middle - 1
    return low


def assess(backup: Session, live: Session | None, kept: list[journal.Checkpoint]) -> Loss:
    """What restoring `backup` over `live` (None: no live journal) drops; checkpoints already checked."""
    backup_head = journal.read_head(backup).seq
    loss = Loss(checkpoints_beyond=sorted((m for m in kept if m.seq > backup_head), key=lambda m: m.seq))
    if live is None:
        return loss
    try:
        loss.live_head = journal.read_head(live)
        loss.kept_to = _common_prefix(live, backup, loss.live_head.seq, backup_head)
        lost = sa.select(JournalEntry.kind, sa.func.count(), sa.func.min(JournalEntry.at),
                         sa.func.max(JournalEntry.at)).where(JournalEntry.seq > loss.kept_to).group_by(JournalEntry.kind)
        rows = live.execute(lost).all()
        loss.kinds = {kind: int(count) for kind, count, _first, _last in rows}
        if "stage" in loss.kinds:  # a signed contract is named as one, not as one more "stage"
            del loss.kinds["stage"]
            stages = live.scalars(sa.select(JournalEntry.payload).where(
                JournalEntry.seq > loss.kept_to, JournalEntry.kind == "stage"))
            for stage in Counter(str(json.loads(text).get("stage")) for text in stages).items():
                loss.kinds[f"stage:{stage[0]}"] = stage[1]
        loss.entries = sum(loss.kinds.values())
        firsts = [at for at in (_aware(row[2]) for row in rows) if at is not None]
        lasts = [at for at in (_aware(row[3]) for row in rows) if at is not None]
        loss.first_at, loss.last_at = min(firsts, default=None), max(lasts, default=None)
    except (sa.exc.SQLAlchemyError, sqlite3.DatabaseError, ValueError, AttributeError) as exc:
        loss.unreadable = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
    return loss


@contextmanager
def live_session(url: str, sqlite_file: Path | None) -> Iterator[Session | None]:
    """The live database for reading only (a SQLite file opened read-only: not a byte of it changes),
    None when there is no journal there yet."""
    if sqlite_file is not None:
        if not sqlite_file.exists():
            yield None
            return
        uri = f"file:{sqlite_file}?mode=ro"
        engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)
    else:
        engine = sa.create_engine(url, poolclass=NullPool)
    try:
        try:
            has_journal = sa.inspect(engine).has_table(JournalEntry.__tablename__)
        except (sa.exc.SQLAlchemyError, sqlite3.DatabaseError):
            has_journal = True  # a damaged file: assess() says the journal cannot be read
        if not has_journal:
            yield None
            return
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def record_accepted(session: Session, keyring: Keyring, loss: Loss, *, operator: str, reason: str,
                    backup: str) -> int:
    """Journals an accepted loss in the restored database (the caller holds the site's write lock): the
    operator, the backup, what was lost, the reason as a note (as a station's retirement keeps its own).
    Its time is this computer's clock, never before the restored journal's last entry."""
    head = journal.read_head(session)
    at = datetime.now(UTC) if head.at is None else max(datetime.now(UTC), head.at)
    ref = notes.add_note(session, keyring, reason, None, at)
    entry = journal.append(session, at=at, actor="admin", station="admin", kind=LOSS_ACCEPTED, head=head,
                           payload={"operator": operator, "backup": backup, "reason": ref, **loss.payload()})
    return entry.seq


def set_aside(checkpoints: list[journal.Checkpoint], directory: Path, stamp: str) -> Path:
    """Moves the kept checkpoints a restore went back before into <directory>/set-aside-<stamp>/: kept
    (the loss's journal entry names them), no longer checked by `anchang verify`."""
    aside = directory / f"set-aside-{stamp}"
    number = 1
    while aside.exists():
        number += 1
        aside = directory / f"set-aside-{stamp}-{number}"
    aside.mkdir(parents=True)
    wanted = {(mark.seq, mark.hash) for mark in checkpoints}
    for file in sorted(directory.glob("checkpoint-*.json")):
        try:
            mark = journal.Checkpoint.from_file(file)
        except journal.CheckpointFileError:
            continue
        if (mark.seq, mark.hash) in wanted:
            file.rename(aside / file.name)
    return aside
