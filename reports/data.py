"""The figures as plain frozen dataclasses: what the console's dashboard, the big screen and the printed
reports all read. Keys are the store's codes ("natural", report reasons, warning kinds); labels for
people are in reports/labels.py (the console translates its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reports.period import Period


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole, None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Count:
    key: str | None  # a code or a name; None: not recorded (a visit without a source...)
    count: int


@dataclass(frozen=True)
class DayVisits:
    day: date
    groups: int
    first: int  # groups holding the customer's first registration at the site

    @property
    def returning(self) -> int:
        return self.groups - self.first


@dataclass(frozen=True)
class VisitFigures:
    """来访. A visit group is one customer's visits on one local day (two days: two groups)."""

    registrations: int  # every registered visit (人次), confirmed or waiting for reception
    unverified: int  # of those, still waiting for reception's confirmation
    groups: int  # 来访组数
    first: int  # 首访组数
    by_day: tuple[DayVisits, ...]  # every day of the period, zeros included
    by_hour: tuple[int, ...]  # 24 counts: groups by the local hour of their first arrival
    by_source: tuple[Count, ...]  # groups by how the visitor heard of the project (kiosk; one per group)
    by_channel: tuple[Count, ...]  # groups by the customer's attributed channel (None: not yet judged)

    @property
    def returning(self) -> int:
        return self.groups - self.first


@dataclass(frozen=True)
class ChannelFigures:
    """One channel ("natural": 自然来访) over the period."""

    channel: str
    reports: int  # 报备 made in the period
    valid_reports: int  # of those, not invalid (pending, used or expired)
    visits: int  # 带访: customers the channel was fixed for by their first visit in the period
    pledges: int  # its customers who pledged (认筹) in the period
    deals: int  # its customers whose deal (认购 or 签约) closed in the period
    commissioned: int  # of those deals, within the channel's protection: the channel is owed commission
    brought: int = 0  # of the period's valid reports, those that have brought their customer (已带访) by now

    @property
    def valid_rate(self) -> float | None:
        return rate(self.valid_reports, self.reports)

    @property
    def visit_rate(self) -> float | None:
        """Of the period's valid reports, the share that brought their customer: one set of reports, so
        never above 100% (带访 ÷ 有效报备 was, on a day whose channel visits came from earlier reports)."""
        return rate(self.brought, self.valid_reports)

    @property
    def pledge_rate(self) -> float | None:
        return rate(self.pledges, self.visits)

    @property
    def deal_rate(self) -> float | None:
        return rate(self.deals, self.visits)


@dataclass(frozen=True)
class ConsultantFigures:
    consultant: str
    visits: int  # visit groups received
    first_visits: int  # of those, first visits
    pledges: int  # customers who pledged, recorded by this consultant
    deals: int  # deals closed, recorded by this consultant
    protected: int  # customers under this consultant's protection now
    claims: int  # claims from the public pool made in the period, whatever their outcome
    claimed: int = 0  # of those, accepted: the customer became theirs
    refused: tuple[Count, ...] = ()  # the others, by the engine's reason (not_in_pool, daily_limit ...)

    @property
    def conversion(self) -> float | None:
        """Deals ÷ first visits received."""
        return rate(self.deals, self.first_visits)


@dataclass(frozen=True)
class FunnelStep:
    """One step of 报备 → 来访 → 认筹 → 认购 → 签约 (reports/funnel_figures.py says what each counts): its
    count, and its conversion from the step before as a share of one set of people, never above 100%."""

    key: str  # report | visit | pledge | subscribe | contract
    count: int
    rate: float | None  # converted ÷ base (None for the first step, or nobody to convert)
    converted: int | None = None  # the people of `base` who reached this step
    base: int | None = None  # the people the conversion is a share of (those of the step before)


@dataclass(frozen=True)
class CaseFigures:
    opened: int
    opened_by_kind: tuple[Count, ...]
    decided: int  # decisions made in the period (on cases opened any time)
    kept: int  # the recommended verdict kept
    overridden: int  # decided against the recommendation, with a written reason


@dataclass(frozen=True)
class WarningKindFigures:
    kind: str
    raised: int
    active: int  # open, following or intervened
    resolved: int
    dismissed: int
    blacklisted: int


@dataclass(frozen=True)
class WarningFigures:
    """Warnings raised in the period, by kind and by what became of them."""

    by_kind: tuple[WarningKindFigures, ...]

    @property
    def raised(self) -> int:
        return sum(k.raised for k in self.by_kind)

    @property
    def confirmed(self) -> int:
        return sum(k.resolved + k.blacklisted for k in self.by_kind)

    @property
    def handled(self) -> int:
        return self.confirmed + sum(k.dismissed for k in self.by_kind)

    @property
    def precision(self) -> float | None:
        """Confirmed (resolved or blacklisted) ÷ handled (confirmed or dismissed)."""
        return rate(self.confirmed, self.handled)


@dataclass(frozen=True)
class MonthTarget:
    month: date  # the month's first day
    visits: int  # visit groups from the month's first day to the period's end
    target: int | None  # None: no target set (or a consultant's own view)

    @property
    def share(self) -> float | None:
        return rate(self.visits, self.target) if self.target else None


@dataclass(frozen=True)
class Figures:
    period: Period
    consultant: str | None  # a consultant's own figures; None: the whole site
    as_of: datetime  # when they were read (protection counts are as of then)
    visits: VisitFigures
    channels: tuple[ChannelFigures, ...]  # natural first, then channels by name
    invalid_reasons: tuple[Count, ...]
    consultants: tuple[ConsultantFigures, ...]  # the leaderboard: most deals, then most visits
    funnel: tuple[FunnelStep, ...]
    cases: CaseFigures
    warnings: WarningFigures
    month: MonthTarget
