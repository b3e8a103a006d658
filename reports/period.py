"""Report periods in the site's local time (a day, a week from Monday, a month, or any range of days),
and the SQL that puts a stored UTC time into the site's local day and hour.

Times are stored as UTC (naive on SQLite). PostgreSQL converts with the zone itself; SQLite has no
zones, so the offset is given per stretch of the period between the zone's transitions (daylight saving,
where the zone has it: Asia/Shanghai has none, so one offset).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

DAY, WEEK, MONTH, RANGE = "day", "week", "month", "range"
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Period:
    kind: str  # day | week | month | range
    first: date  # the first local day
    last: date  # the last local day (inclusive)
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"结束日期早于开始日期 / the period ends ({self.last}) before it starts ({self.first})")

    @property
    def start(self) -> datetime:
        """The first day's local midnight, in UTC."""
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The midnight after the last day, in UTC (exclusive)."""
        return local_midnight(self.last + timedelta(days=1), self.zone)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def label(self) -> str:
        """2026-03-01（周日）, 2026-03-02 至 2026-03-08（第10周）, 2026年3月, or a range."""
        if self.kind == DAY:
            return f"{self.first:%Y-%m-%d}（周{WEEKDAYS[self.first.weekday()]}）"
        if self.kind == WEEK:
            return f"{self.first:%Y-%m-%d} 至 {self.last:%Y-%m-%d}（第{self.first.isocalendar().week}周）"
        if self.kind == MONTH:
            return f"{self.first.year}年{self.first.month}月"
        return f"{self.first:%Y-%m-%d} 至 {self.last:%Y-%m-%d}"

    @property
    def slug(self) -> str:
        """For file names: 2026-03-01, 2026-W10, 2026-03, 2026-03-01_2026-03-15."""
        if self.kind == DAY:
            return f"{self.first:%Y-%m-%d}"
        if self.kind == WEEK:
            iso = self.first.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind == MONTH:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m-%d}_{self.last:%Y-%m-%d}"


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def day_of(day: date, zone: ZoneInfo) -> Period:
    return Period(DAY, day, day, zone)


def week_of(day: date, zone: ZoneInfo) -> Period:
    """The week (Monday to Sunday) holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return Period(WEEK, monday, monday + timedelta(days=6), zone)


def month_of(day: date, zone: ZoneInfo) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(MONTH, day.replace(day=1), day.replace(day=last), zone)


def between(first: date, last: date, zone: ZoneInfo) -> Period:
    return Period(RANGE, first, last, zone)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


# ------------------------------------------------------------------ SQL: local day and hour of a UTC time
def _offsets(period: Period) -> list[tuple[datetime, int]]:
    """(from when, UTC offset in seconds) for each stretch of the period with one offset."""
    def offset(at: datetime) -> int:
        delta = at.astimezone(period.zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    stretches = [(period.start, offset(period.start))]
    step = period.start
    while step < period.end:
        following = min(step + timedelta(days=1), period.end)
        if offset(following) != stretches[-1][1]:
            # the change lies in (step, following]: find its second (zones change on whole seconds)
            low, high = int(step.timestamp()), int(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(_utc(middle)) == stretches[-1][1] else (low, middle)
            stretches.append((_utc(high), offset(_utc(high))))
        step = following
    return stretches


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class LocalTime:
    """SQL expressions for the local day ('YYYY-MM-DD' text) and hour (0-23) of a stored UTC time,
    within `period` (the dialect's own zone support on PostgreSQL)."""

    def __init__(self, dialect: str, period: Period) -> None:
        self.dialect = dialect
        self.period = period
        self.stretches = _offsets(period) if dialect != "postgresql" else []

    def _pg_local(self, column: Any) -> Any:
        zone = sa.literal(self.period.zone.key, literal_execute=True)
        utc = sa.literal("UTC", literal_execute=True)
        return sa.func.timezone(zone, sa.func.timezone(utc, column))

    def _sqlite_modifier(self, column: Any) -> Any:
        def text(seconds: int) -> Any:
            return sa.literal(f"{seconds:+d} seconds", literal_execute=True)

        if len(self.stretches) == 1:
            return text(self.stretches[0][1])
        whens = [(column < until, text(seconds))
                 for (_start, seconds), (until, _next) in zip(self.stretches, self.stretches[1:], strict=False)]
        return sa.case(*whens, else_=text(self.stretches[-1][1]))

    def day(self, column: Any) -> Any:
        if self.dialect == "postgresql":
            return sa.func.to_char(self._pg_local(column), sa.literal("YYYY-MM-DD", literal_execute=True))
        return sa.func.strftime(sa.literal("%Y-%m-%d", literal_execute=True), column, self._sqlite_modifier(column))

    def hour(self, column: Any) -> Any:
        if self.dialect == "postgresql":
            return sa.cast(sa.extract("hour", self._pg_local(column)), sa.Integer)
        return sa.cast(sa.func.strftime(sa.literal("%H", literal_execute=True), column,
                                        self._sqlite_modifier(column)), sa.Integer)
