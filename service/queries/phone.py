"""What a consultant's phone shows: my customers by what expires first, my day, and reminders.

The list comes from the 客户 page's query (service/queries/customers.py: the same search, the same scope);
the deadlines come from the engine's state: `anchor_end` ends the protection, `contact_end` is the
follow-up deadline (protection.follow_up_days after the last follow-up), whichever comes first loses
the customer to the pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from service.desk import Desk
from service.queries import today as today_queries
from service.queries.customers import CustomerFilter, CustomerRow, list_customers
from service.queries.today import TodayVisit

REMIND_WITHIN = timedelta(days=2)  # 保护期 ending or 跟进 due within two days: a reminder
PLEDGE_QUIET = timedelta(days=14)  # 认筹 without a visit for two weeks: a reminder to invite them back
LIST_LIMIT = 200  # a phone's list: the most urgent first, the rest by searching


@dataclass(frozen=True)
class MyCustomer:
    row: CustomerRow
    protection_ends: datetime | None  # anchor_end
    follow_up_due: datetime | None  # contact_end

    @property
    def expires_first(self) -> datetime | None:
        ends = [end for end in (self.protection_ends, self.follow_up_due) if end is not None]
        return min(ends) if ends else None


@dataclass(frozen=True)
class Reminder:
    kind: str  # protection_ending | follow_up_due | pledge_without_visit
    customer: int
    surname: str | None
    due_at: datetime


def my_customers(desk: Desk, text: str = "") -> list[MyCustomer]:
    """The user's customers (a consultant's own; everyone's for a manager) matching `text`, the one whose
    protection or follow-up deadline comes first at the top; frozen ones (pledge, deal) last."""
    desk.require("customers.view")
    rows = list_customers(desk, CustomerFilter(text=text, consultant=desk.consultant), 0, LIST_LIMIT)
    store = desk.store
    with store._lock:  # the engine cache is read under the store's lock
        site = store.site()
        ends = {}
        for row in rows:
            state = site.customers.get(site.resolve(row.id))
            ends[row.id] = (state.anchor_end, state.contact_end) if state is not None and not state.frozen() \
                else (None, None)
    found = [MyCustomer(row, *ends[row.id]) for row in rows]
    far = datetime.max.replace(tzinfo=desk.store.now().tzinfo)
    return sorted(found, key=lambda c: (c.expires_first or far, c.row.id))


def reminders(desk: Desk, customers: list[MyCustomer] | None = None) -> list[Reminder]:
    """Protection ending within REMIND_WITHIN, a follow-up due within it, a pledge without a visit for
    PLEDGE_QUIET: soonest first."""
    now = desk.store.now()
    found: list[Reminder] = []
    for item in customers if customers is not None else my_customers(desk):
        row = item.row
        if item.protection_ends is not None and item.protection_ends - now <= REMIND_WITHIN:
            found.append(Reminder("protection_ending", row.id, row.surname, item.protection_ends))
        if item.follow_up_due is not None and item.follow_up_due - now <= REMIND_WITHIN:
            found.append(Reminder("follow_up_due", row.id, row.surname, item.follow_up_due))
        if row.stage == "pledge" and (row.last_visit_at is None or now - row.last_visit_at > PLEDGE_QUIET):
            found.append(Reminder("pledge_without_visit", row.id, row.surname,
                                  (row.last_visit_at or now) + PLEDGE_QUIET))
    return sorted(found, key=lambda r: (r.due_at, r.customer))


def my_day(desk: Desk) -> tuple[list[TodayVisit], list[TodayVisit]]:
    """Today's visits given to the user (a consultant) or all (others): (waiting to be received,
    received or being received), newest first."""
    desk.require("today.view")
    store = desk.store
    visits = today_queries.today_visits(store, today_queries.today(store), 0, 100, consultant=desk.consultant)
    return ([v for v in visits if v.stay_started is None], [v for v in visits if v.stay_started is not None])
