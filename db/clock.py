"""Where a write's time comes from, and when a station's clock is not trusted.

On PostgreSQL the time is the database server's (one clock for every station); on SQLite it is this
PC's. Either can be wrong: a PC whose clock jumped to 2030 must not stamp the journal with 2030,
because the engine judges facts in time order and every later fact would have to carry that time too.
So a write is refused when the clock is

- behind the journal's last entry by more than CLOCK_TOLERANCE: this clock is slow (set it right); or
- ahead of the journal's last entry by more than the rule `site.max_clock_jump_days`: the date looks
  wrong, unless an administrator confirms it (`anchang clock accept`, journalled as `clock_accepted`).

When it was the journal that ran ahead (a fast clock wrote within the bound) and the clock is right now,
the administrator's acceptance lets writes carry the journal's last time, openly, until the real time
passes it: the office is never stuck and nothing is stamped with a stale time unannounced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import DatabaseUnavailable

CLOCK_TOLERANCE = timedelta(minutes=2)  # clock corrections (NTP) and stations a few seconds apart
MAX_JUMP_RULE = "site.max_clock_jump_days"
CLOCK_ACCEPTED = "clock_accepted"  # journal kind of an administrator's acceptance of the clock


class Clock(Protocol):
    def now(self, session: Session) -> datetime: ...


class SystemClock:
    """The database server's clock on PostgreSQL (one time for every station), this PC's on SQLite."""

    checked = True

    def now(self, session: Session) -> datetime:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            value = session.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
            return value.astimezone(UTC)
        return datetime.now(UTC)

    @staticmethod
    def sql_now(dialect_name: str) -> Any:
        """The server's clock as a column, so a write reads it in a statement it sends anyway."""
        return sa.func.clock_timestamp() if dialect_name == "postgresql" else None


class ManualClock:
    """A clock that shows what it is set to: scenario replays, imports of past facts, tests. Its times
    are deliberate, so they are not checked against the journal (`checked=True` checks them, for tests
    of the station-clock rules); a time before the journal's last is raised to it, as before."""

    def __init__(self, at: datetime, *, checked: bool = False) -> None:
        self.at = at
        self.checked = checked

    def now(self, session: Session) -> datetime:
        return self.at


class ClockRefused(DatabaseUnavailable):
    """The station's clock disagrees with the journal: nothing was written. Like an unreachable
    database, writing waits until it is put right (the kiosk's outbox keeps its check-ins)."""


@dataclass(frozen=True)
class LastEntry:
    seq: int
    at: datetime
    station: str


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} 天 / days" if hours >= 48 else f"{hours:.1f} 小时 / hours"


def _shown(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def stamp(now: datetime, last: LastEntry | None, *, max_jump_days: int, hold_until: datetime | None = None,
          checked: bool = True, accepting: bool = False, zone: tzinfo = UTC) -> datetime:
    """The time for the next journal entry, or ClockRefused naming the clock that is wrong.

    `hold_until`: an administrator accepted that the journal is ahead of the real time until then.
    `accepting`: this write is the administrator's acceptance of the clock (ahead, or behind the journal).
    """
    if last is None:
        return now
    if not checked:
        return max(now, last.at)
    if now < last.at - CLOCK_TOLERANCE:
        if accepting or (hold_until is not None and last.at <= hold_until):
            return last.at
        raise ClockRefused(
            f"本站时钟慢了：现在显示 {_shown(now, zone)}，比日志最后一条 #{last.seq}（{last.station}，{_shown(last.at, zone)}）"
            f"早 {_span(last.at - now)}。请校准本机时间 / this station's clock is wrong: it reads {_shown(now, zone)}, "
            f"{_span(last.at - now)} before the journal's last entry #{last.seq} ({last.station}, "
            f"{_shown(last.at, zone)}); set this PC's clock right. 若本机时间无误，则是第 #{last.seq} 条的时钟快了：由管理员运行 "
            "`anchang clock accept` / if this clock is right, entry "
            f"#{last.seq} was stamped by a fast clock: an administrator runs `anchang clock accept`")
    if now < last.at:
        return last.at  # within the tolerance: keep the journal in time order
    if now - last.at > timedelta(days=max_jump_days) and not accepting:
        raise ClockRefused(
            f"本站时钟跳到了 {_shown(now, zone)}，比日志最后一条 #{last.seq}（{last.station}，{_shown(last.at, zone)}）"
            f"晚 {_span(now - last.at)}，超过 {MAX_JUMP_RULE} = {max_jump_days} 天 / this station's clock reads "
            f"{_shown(now, zone)}, {_span(now - last.at)} after the journal's last entry #{last.seq} "
            f"({last.station}, {_shown(last.at, zone)}), more than {MAX_JUMP_RULE} = {max_jump_days} days: "
            "the date looks wrong, so nothing was written. 请核对本机日期；若日期无误，由管理员运行 "
            "`anchang clock accept` / check this PC's date; if it is right, an administrator runs "
            "`anchang clock accept`")
    return now
