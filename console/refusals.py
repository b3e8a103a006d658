"""What a failed store task was, said as what it is (issue 15: a refusal is not an outage).

`classify(error)` sorts a worker's error into one kind, and ConsoleContext.run acts on the kind:

- LOST: the database cannot be reached: the outage banner, and the reconnect probe;
- LOCKED: the site's write lock was not had in time (another program holds it): the outage banner, and
  the write, which changed nothing, is kept and retried until it lands;
- CLOCK: the store refused the write for this station's clock (db/clock.py): writes are paused, a red
  banner names the difference; the write is kept and retried once an administrator accepts the clock;
- ROLE, RULE, RETIRED: the role may not, a rule or the engine refuses, this station was retired: said in
  words where the user stands (the page's own error line, else the window's refusal banner);
- INPUT: bad input (a ValueError): said; FAULT: a bug, logged with its traceback.

Every refusal is logged. `said(error)` is the sentence a user reads; `clock_gap(store)` reads what the
clock banner names (this station's time against the journal's last entry).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

import sqlalchemy as sa
from PySide6.QtCore import QCoreApplication, QLocale
from sqlalchemy.exc import InterfaceError, OperationalError

from console.words import role_text, station_text
from db.clock import ClockRefused
from db.database import DatabaseUnavailable, LockTimeout, read_session
from db.models import JournalEntry
from db.station_registry import StationRetired
from judge.reasons import EngineError
from service.roles import PermissionDenied
from service.store import Store
from service.users import AuthError, User

log = logging.getLogger(__name__)


class Kind(StrEnum):
    LOST = "lost"
    LOCKED = "locked"
    CLOCK = "clock"
    ROLE = "role"
    RETIRED = "retired"
    RULE = "rule"
    INPUT = "input"
    FAULT = "fault"


KEPT = (Kind.LOCKED, Kind.CLOCK)  # refused before anything changed: the write is kept and retried
SAID_ALWAYS = (Kind.ROLE, Kind.RETIRED)  # the window says these even when the page shows its own error
_LOCK_WORDS = ("database is locked", "database is busy", "lock timeout", "数据库正忙")


def classify(error: BaseException) -> Kind:
    if isinstance(error, ClockRefused):  # a DatabaseUnavailable too: it must not read as an outage
        return Kind.CLOCK
    if isinstance(error, (DatabaseUnavailable, OperationalError, InterfaceError)):
        return Kind.LOCKED if _is_lock_timeout(error) else Kind.LOST
    if isinstance(error, StationRetired):
        return Kind.RETIRED
    if isinstance(error, PermissionDenied):
        return Kind.ROLE
    if isinstance(error, EngineError):
        return Kind.RULE
    if isinstance(error, (ValueError, LookupError, AuthError)):  # AuthError: a wrong password
        return Kind.INPUT
    return Kind.FAULT


def _is_lock_timeout(error: BaseException) -> bool:
    """A LockTimeout when the station's write budget runs out; without a budget, the lock's own
    "database is locked" (SQLite) or lock_timeout (PostgreSQL, 55P03) after run_write's retries."""
    if isinstance(error, LockTimeout):
        return True
    text = str(error).lower()
    return any(words in text for words in _LOCK_WORDS) or getattr(error.__cause__, "sqlstate", None) == "55P03" \
        or getattr(getattr(error, "orig", None), "sqlstate", None) == "55P03"


def log_failure(kind: Kind, error: BaseException) -> None:
    """Each refusal in the station's log; a fault with its traceback."""
    if kind is Kind.FAULT:
        log.error("console task failed", exc_info=error)
    elif kind is Kind.INPUT:
        log.info("input refused: %s", error)
    else:
        log.warning("write refused (%s): %s", kind.value, error)


def in_ui_language(text: str) -> str:
    """The store's messages read "中文 / English": the half in the interface's language."""
    chinese, slash, english = text.partition(" / ")
    if not slash:
        return text
    return chinese if QLocale().language() == QLocale.Language.Chinese else english


def said(error: BaseException, kind: Kind | None = None, user: User | None = None) -> str:
    """The sentence a user reads about `error`: what it is, and the way out. `user`: who was refused."""
    kind = kind or classify(error)
    if kind is Kind.ROLE:
        reason = in_ui_language(str(error))
        if user is not None and str(error).startswith("无权限 / "):  # Desk.require's: the role may not
            reason = QCoreApplication.translate("Refusals", "%1（%2）没有此操作的权限").replace("%1", user.name).replace("%2", role_text(user.role))
        return QCoreApplication.translate("Refusals", "无权操作：%1。如确需办理，请联系案场经理或管理员。").replace("%1", reason)
    if kind is Kind.RETIRED:
        name = getattr(error, "name", "")
        return QCoreApplication.translate("Refusals", "本工作站（%1）已停用，不能再写入。请联系管理员：更换的电脑需以新工作站加入。").replace(
            "%1", station_text(name))
    if kind is Kind.RULE:
        return QCoreApplication.translate("Refusals", "未能办理：%1").replace("%1", in_ui_language(str(error)))
    if kind is Kind.LOCKED:
        return QCoreApplication.translate("Refusals", "数据库被其他程序占用，写入未完成，请稍后重试。")
    if kind is Kind.LOST:
        return QCoreApplication.translate("Refusals", "数据库连接中断，操作未完成；恢复后请重做。")
    if kind is Kind.CLOCK:
        return QCoreApplication.translate("Refusals", "本机时钟与站点记录不一致，写入已暂停")
    if kind is Kind.INPUT:
        return in_ui_language(str(error))
    return QCoreApplication.translate("Refusals", "出错了：%1。已记入日志，请联系管理员。").replace("%1", str(error))


# ------------------------------------------------------------------ the clock's difference
@dataclass(frozen=True)
class ClockGap:
    now: datetime  # the time a write here would carry (the server's on PostgreSQL)
    last_seq: int | None
    last_at: datetime | None
    last_station: str | None
    zone: tzinfo


def clock_gap(store: Store) -> ClockGap:
    """This station's time and the journal's last entry (runs on a worker)."""
    now = store.now()
    with read_session(store.engine) as session:
        row = session.execute(sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.station)
                              .order_by(JournalEntry.seq.desc()).limit(1)).first()
    zone = store.rules_at().timezone
    if row is None:
        return ClockGap(now, None, None, None, zone)
    return ClockGap(now, row.seq, row.at, row.station, zone)


def gap_text(gap: ClockGap) -> str:
    """本站时钟 03-01 10:00，比最后一条记录（#12 · 前台自助机 大堂 · 03-01 13:00）慢 3.0 小时."""
    fmt = "%Y-%m-%d %H:%M"
    now = gap.now.astimezone(gap.zone).strftime(fmt)
    if gap.last_at is None or gap.last_seq is None:
        return QCoreApplication.translate("Refusals", "本站时钟 %1").replace("%1", now)
    seconds = (gap.now - gap.last_at).total_seconds()
    text = QCoreApplication.translate("Refusals", "本站时钟 %1，比最后一条记录（#%2 · %3 · %4）慢 %5") if seconds < 0 else \
        QCoreApplication.translate("Refusals", "本站时钟 %1，比最后一条记录（#%2 · %3 · %4）快 %5")
    return (text.replace("%1", now).replace("%2", str(gap.last_seq)).replace("%3", station_text(gap.last_station or ""))
            .replace("%4", gap.last_at.astimezone(gap.zone).strftime(fmt)).replace("%5", span_text(abs(seconds))))


def span_text(seconds: float) -> str:
    hours = seconds / 3600
    if hours >= 48:
        return QCoreApplication.translate("Refusals", "%1 天").replace("%1", f"{hours / 24:.1f}")
    if hours >= 1:
        return QCoreApplication.translate("Refusals", "%1 小时").replace("%1", f"{hours:.1f}")
    return QCoreApplication.translate("Refusals", "%1 分钟").replace("%1", str(max(1, round(seconds / 60))))
