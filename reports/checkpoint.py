"""The signed journal checkpoint printed at the foot of a daily report or a commission statement: the
journal's last entry at the end of the period (or now, for a period still running), signed with the
site's key, so the printed page later proves what the journal held that evening.

It vouches only for a chain it has checked: the entries since the newest kept checkpoint that holds
(<data dir>/checkpoints, where `anchang checkpoint` and the daily reports keep them), else since the
first entry. Its QR code holds the checkpoint file's own JSON: read back and saved as a file, it is
what `anchang verify --checkpoint FILE` takes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path

import segno
import sqlalchemy as sa

from db import journal
from db.database import read_session
from db.journal import GENESIS_HASH, Checkpoint, entry_hash, verify_signature
from db.models import JournalEntry
from db.site_dirs import current_site
from judge.reasons import EngineError
from service.store import Store

CHUNK = 5000


class ChainBroken(EngineError):
    """The journal does not verify: no checkpoint is signed over it."""


def signed_checkpoint(store: Store, until: datetime, kept: Sequence[Checkpoint] = ()) -> Checkpoint:
    """The journal's last entry before `until` (capped at now), checked and signed. `kept`: checkpoints
    kept earlier; each must still hold, and the newest at or before the entry shortens the check."""
    trusted = store.keyring.public_key_pem()
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        moment = min(until, now)
        seq = session.scalar(sa.select(sa.func.max(JournalEntry.seq)).where(JournalEntry.at < moment)) or 0
        start, start_hash = 0, GENESIS_HASH
        marks = [m for m in kept if verify_signature(m, trusted)]
        stored = dict(session.execute(sa.select(JournalEntry.seq, JournalEntry.hash)
                                      .where(JournalEntry.seq.in_([m.seq for m in marks]))).all())
        for mark in sorted(marks, key=lambda m: m.seq):
            if mark.seq and stored.get(mark.seq) != mark.hash:
                raise ChainBroken(f"日志与检查点 #{mark.seq} 不符，拒绝签名 / the journal no longer matches the "
                                  f"checkpoint at entry {mark.seq}: no checkpoint is signed (run anchang verify)")
            if mark.seq <= seq:
                start, start_hash = mark.seq, mark.hash if mark.seq else GENESIS_HASH
        head = _check_chain(session, start, start_hash, seq)
    unsigned = Checkpoint(seq, head, moment, "", trusted)
    signature = store.keyring.signing_key.sign(unsigned.signed_message()).hex()
    return Checkpoint(seq, head, unsigned.at, signature, trusted)


def _check_chain(session: sa.orm.Session, start: int, start_hash: str, last: int) -> str:
    """Walks entries start+1 .. last, checking each link and hash; returns the hash of `last`."""
    previous, expected = start_hash, start + 1
    while expected <= last:
        rows = session.execute(
            sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.actor, JournalEntry.station, JournalEntry.kind,
                      JournalEntry.payload, JournalEntry.prev_hash, JournalEntry.hash)
            .where(JournalEntry.seq >= expected, JournalEntry.seq <= last).order_by(JournalEntry.seq)
            .limit(CHUNK)).all()
        for seq, at, actor, station, kind, payload, prev_hash, stored in rows:
            if seq != expected or prev_hash != previous or \
                    entry_hash(prev_hash, seq, at, actor, station, kind, payload) != stored:
                raise ChainBroken(f"日志第 {expected} 条校验失败，拒绝签名 / the journal fails at entry {expected}: "
                                  "no checkpoint is signed (run anchang verify)")
            previous, expected = stored, seq + 1
        if not rows:
            raise ChainBroken(f"日志第 {expected} 条缺失 / journal entry {expected} is missing: no checkpoint is signed")
    return previous


def qr_text(checkpoint: Checkpoint) -> str:
    """The checkpoint file's JSON without its indentation: what the printed QR code holds."""
    return json.dumps(json.loads(checkpoint.to_json()), ensure_ascii=True, separators=(",", ":"))


def qr_code(checkpoint: Checkpoint) -> segno.QRCode:
    return segno.make(qr_text(checkpoint), error="m", micro=False)


def keep(checkpoint: Checkpoint, directory: Path) -> Path:
    """Saves the checkpoint as <directory>/checkpoint-<seq>.json (0600; 0660 for the system site's group),
    where `anchang verify` finds it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"checkpoint-{checkpoint.seq}.json"
    checkpoint.to_file(path)
    path.chmod(current_site().file_mode)
    return path


def site_folder(store: Store) -> Path:
    """<data dir>/checkpoints, beside the site's keys: where reports keep their checkpoints."""
    return store.keyring.directory / "checkpoints"


def keep_nightly(store: Store, directory: Path) -> Checkpoint | None:
    """Keeps a checkpoint at the site's last midnight unless one kept here is that recent already; None
    then. The evening's daily report then checks one day of entries before it signs, not the whole chain
    (about 12 s at 1,000,000 entries): a console does this in the background at start and every hour.
    Raises ChainBroken, as a report would, when the journal does not verify."""
    now = store.now()
    zone = store.rules_at(now).timezone
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    kept = kept_in(directory)
    trusted = store.keyring.public_key_pem()
    if any(mark.at >= midnight and verify_signature(mark, trusted) for mark in kept):
        return None
    checkpoint = signed_checkpoint(store, midnight, kept)
    keep(checkpoint, directory)
    return checkpoint


def kept_in(directory: Path) -> list[Checkpoint]:
    """The checkpoints kept in `directory` (unreadable files are left to `anchang verify` to report)."""
    found = []
    for path in sorted(directory.glob("checkpoint-*.json")) if directory.is_dir() else []:
        try:
            found.append(journal.Checkpoint.from_file(path))
        except journal.CheckpointFileError:
            continue
    return found
