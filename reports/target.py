"""本月来访目标: the monthly target of visit groups, a project setting (db.models.Setting) set by a manager
in the console; the change is journalled (a number, no personal data)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import Setting
from judge.reasons import EngineError
from service.store import Store

TARGET_KEY = "monthly_visit_target"
TARGET_MAX = 1_000_000


def visit_target(store: Store) -> int | None:
    """The monthly target of visit groups; None when none is set."""
    with read_session(store.engine) as session:
        return target_in(session)


def target_in(session: Session) -> int | None:
    stored = session.scalar(sa.select(Setting.value).where(Setting.key == TARGET_KEY))
    return None if stored is None else json.loads(stored)


def set_visit_target(store: Store, target: int | None, actor: str = "manager") -> int:
    """Sets (or with None clears) the monthly target; returns the journal entry's seq."""
    if target is not None and (isinstance(target, bool) or not isinstance(target, int)
                               or not 1 <= target <= TARGET_MAX):
        raise EngineError(f"月度来访目标须为 1 到 {TARGET_MAX} 的整数 / the monthly visit target is a whole number "
                          f"from 1 to {TARGET_MAX}, not {target!r}")

    def work(session: Session) -> dict[str, Any]:
        row = session.get(Setting, TARGET_KEY)
        if target is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(Setting(key=TARGET_KEY, value=json.dumps(target)))
        else:
            row.value = json.dumps(target)
        return {"setting": TARGET_KEY, "value": target}

    return store._journal_only("setting", actor, work)
