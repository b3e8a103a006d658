"""The period's stage counts (reports/stage_figures.py, the longest statement of a long period's figures)
read on a second connection while the figures' own session reads the rest: a year's figures wait for
the longer of the two instead of their sum (the database runs them on two cores; both drivers let go
of the GIL while a statement runs).

Both reads note the journal's head first: every write that changes a projection appends to the journal
in its transaction, so the same head means the same committed state (on SQLite, where a read
transaction keeps the snapshot of its first statement). When the heads differ (a write came between),
or the second read failed, the counts are read again in the figures' session, as before.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import JournalEntry
from reports.period import Period
from reports.stage_figures import StageCounts, stage_counts

_READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="anchang-figures")


def journal_head(session: Session) -> int:
    return int(session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0)


def _read(engine: Engine, dialect: str, period: Period, consultant: str | None) -> tuple[int, StageCounts]:
    with read_session(engine) as session:
        head = journal_head(session)
        return head, stage_counts(session, dialect, period, consultant)


class StagesAside:
    """Starts the stage counts on the second connection; `result` gives them for the session's head."""

    def __init__(self, engine: Engine, period: Period, consultant: str | None) -> None:
        self.dialect = engine.dialect.name
        self.period, self.consultant = period, consultant
        shared = isinstance(engine.pool, sa.pool.StaticPool)  # one connection for all (in-memory SQLite)
        self._future: Future[tuple[int, StageCounts]] | None = (
            None if shared else _READER.submit(_read, engine, self.dialect, period, consultant))

    def result(self, session: Session, head: int) -> StageCounts:
        if self._future is not None:
            try:
                seen, counts = self._future.result()
            except Exception:  # noqa: BLE001 - read again below, where an error reaches the caller
                seen = -1
            if seen == head:
                return counts
        return stage_counts(session, self.dialect, self.period, self.consultant)
