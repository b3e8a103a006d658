"""Writer processes for the concurrency and kill tests: each opens its own Store, as a kiosk would.

As a script it is the kill test's writer: it registers visits until it is killed and prints the journal
seq of each one after its commit returned (an acknowledged registration).

    python tests/db/_writer.py URL KEY_DIR STATION SEED [--hold-ms N]

--hold-ms keeps each write transaction open (site lock held) that long before it writes, so a kill
is sure to land inside one.
"""

from __future__ import annotations

import random
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.database import make_engine
from db.keys import Keyring
from service.store import Store, SystemClock

CONSULTANTS = ("王芳", "李强", "张伟", "刘洋")


def phone(n: int) -> str:
    return f"138{n:08d}"


def open_store(url: str, key_dir: Path, station: str) -> Store:
    return Store(make_engine(url), Keyring.load(key_dir), station=station)


def register_all(url: str, key_dir: Path, station: str, phones: list[str], barrier: Any, results: Any) -> None:
    """Registers each phone once, after every writer is ready; puts (station, [(seq, phone, customer)])."""
    try:
        store = open_store(url, key_dir, station)
        store.site()  # replay the setup entries now, so the writers start together
        barrier.wait(timeout=120)
        acknowledged = []
        for i, number in enumerate(phones):
            # Mostly the rotation decides; now and then a named consultant (an ownership dispute).
            consultant = CONSULTANTS[i % len(CONSULTANTS)] if i % 7 == 0 else None
            result = store.register_visit(number, consultant=consultant)
            acknowledged.append((result.seq, number, result.customer_id))
        store.dispose()
        results.put((station, acknowledged))
    except BaseException:
        results.put((station, traceback.format_exc()))
        raise


class HoldingClock(SystemClock):
    """Read inside the write transaction, after the lock is taken: sleeping here holds it open."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s

    def now(self, session: Session) -> datetime:
        time.sleep(self.hold_s)
        return super().now(session)


def write_until_killed(url: str, key_dir: Path, station: str, seed: int, hold_ms: int = 0) -> None:
    store = open_store(url, key_dir, station)
    if hold_ms:
        store.clock = HoldingClock(hold_ms / 1000)
    draw = random.Random(seed)
    while True:
        result = store.register_visit(phone(draw.randrange(500)))  # new visitors and returning ones
        print(result.seq, flush=True)


if __name__ == "__main__":
    hold = int(sys.argv[6]) if sys.argv[5:6] == ["--hold-ms"] else 0
    write_until_killed(sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), hold)
