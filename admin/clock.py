"""`anchang clock accept`: an administrator confirms this station's clock against the journal's last entry
(see db/clock.py for when a write is refused)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from db.database import read_session
from db.models import JournalEntry
from operations.common import EXIT_OK, local_text, open_store


def accept() -> int:
    with open_store() as store:
        seq = store.accept_clock(actor="admin")
        zone = store.rules_at().timezone
        with read_session(store.engine) as session:
            payload = json.loads(session.scalar(sa.select(JournalEntry.payload).where(JournalEntry.seq == seq)) or "{}")
    fmt = "%Y-%m-%d %H:%M:%S"
    clock = local_text(_time(payload["station_clock"]), zone, fmt)
    last = local_text(_time(payload.get("journal_last")), zone, fmt) or "—"
    print(f"已接受本站时钟 / the station clock is accepted (journal entry #{seq}): 时钟 / clock {clock}, "
          f"日志最后一条 / journal's last entry {last}")
    if payload.get("hold_until"):
        print(f"日志时间领先于时钟：此后的记录按日志时间 {last} 记账，直到时钟追上 / the journal is ahead of the "
              f"clock: entries carry its time {last} until the clock passes it")
    return EXIT_OK


def _time(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)
