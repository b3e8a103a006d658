"""The period's stage counts (reports/stage_figures.py, the longest statements of a long period's figures)
read in their two halves on connections of their own while the figures' own session reads the rest: a
year's figures wait for the longest of the three instead of their sum (the database runs them on as
many cores as it has; both drivers let go of the GIL while a statement runs).

Every read notes the journal's head first: every write that changes a projection appends to the journal
in its transaction, so the same head means the same committed state (on SQLite, where a read
transaction keeps the snapshot of its first statement). When the heads differ (a write came between),
or a read aside failed, that half is read again in the figures' session.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import JournalEntry
from reports.period import Period
from reports.stage_figures import HALVES, Found, StageCounts, count_half, counts_of

_READERS = ThreadPoolExecutor(max_workers=2 * len(HALVES), thread_name_prefix="anchang-figures")


def journal_head(session: Session) -> int:
    return int(session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0)


def _read(engine: Engine, dialect: str, period: Period, consultant: str | None, half: str) -> tuple[int, Found]:
    with read_session(engine) as session:
        head = journal_head(session)
        return head, count_half(session, dialect, period, consultant, half)


class StagesAside:
    """Starts both halves of the stage counts, each on a connection of its own; `result` gives them for
    the session's head."""

    def __init__(self, engine: Engine, period: Period, consultant: str | None) -> None:
        self.dialect = engine.dialect.name
        self.period, self.consultant = period, consultant
        shared = isinstance(engine.pool, sa.pool.StaticPool)  # one connection for all (in-memory SQLite)
        self._futures: dict[str, Future[tuple[int, Found]]] = {} if shared else {
            half: _READERS.submit(_read, engine, self.dialect, period, consultant, half) for half in HALVES}

    def result(self, session: Session, head: int) -> StageCounts:
        return counts_of([self._half(session, head, half) for half in HALVES])

    def _half(self, session: Session, head: int, half: str) -> Found:
        future = self._futures.get(half)
        if future is not None:
            try:
                seen, found = future.result()
            except Exception:  # noqa: BLE001 - read again below, where an error reaches the caller
                seen = -1
            if seen == head:
                return found
        return count_half(session, self.dialect, self.period, self.consultant, half)
