"""What a consultant's phone shows: my customers by what expires first, my day, and reminders.

The list comes from the 客户 page's query (service/queries/customers.py: the same search, the same scope);
the deadlines come from the engine's state: `anchor_end` ends the protection, `contact_end` is the
follow-up deadline (protection.follow_up_days after the last follow-up), whichever comes first loses
the customer to the pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from db.database import read_session
from db.models import Customer
from db.search_keys import decrypted_people
from service.desk import Desk
from service.queries import today as today_queries
from service.queries.customers import CustomerFilter, CustomerRow, list_customers
from service.queries.today import TodayVisit
from service.reception import shown_surname

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


def due_soon(desk: Desk) -> list[Reminder]:
    """我的今日's reminders without listing every customer: the projection finds the few whose protection
    ends within REMIND_WITHIN (it holds the earlier of the two deadlines) or who pledged and stayed away,
    then the engine says which deadline it is. A consultant's own; nothing for the others."""
    desk.require("customers.view")
    if desk.consultant is None:
        return []
    store = desk.store
    now = store.now()
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(Customer.id, Customer.stage, Customer.last_visit_at).where(
            Customer.owner == desk.consultant, Customer.merged_into.is_(None),
            sa.or_(Customer.protected_until <= now + REMIND_WITHIN,
                   sa.and_(Customer.stage == "pledge",
                           sa.or_(Customer.last_visit_at.is_(None), Customer.last_visit_at < now - PLEDGE_QUIET))))
        ).all()
        names = decrypted_people(session, store.keyring, [r.id for r in rows], phones=False)
    with store._lock:  # the engine cache is read under the store's lock
        site = store.site()
        ends = {r.id: (s.anchor_end, s.contact_end) if (s := site.customers.get(site.resolve(r.id))) is not None
                and not s.frozen() else (None, None) for r in rows}
    found: list[Reminder] = []
    for row in rows:
        surname = shown_surname(names.get(row.id, (None, None))[1])
        protection_ends, follow_up_due = ends[row.id]
        if protection_ends is not None and protection_ends - now <= REMIND_WITHIN:
            found.append(Reminder("protection_ending", row.id, surname, protection_ends))
        if follow_up_due is not None and follow_up_due - now <= REMIND_WITHIN:
            found.append(Reminder("follow_up_due", row.id, surname, follow_up_due))
        if row.stage == "pledge" and (row.last_visit_at is None or now - row.last_visit_at > PLEDGE_QUIET):
            found.append(Reminder("pledge_without_visit", row.id, surname, (row.last_visit_at or now) + PLEDGE_QUIET))
    return sorted(found, key=lambda r: (r.due_at, r.customer))


def my_day(desk: Desk) -> tuple[list[TodayVisit], list[TodayVisit]]:
    """Today's visits given to the user (a consultant) or all (others): (waiting to be received,
    received or being received), newest first."""
    desk.require("today.view")
    store = desk.store
    visits = today_queries.today_visits(store, today_queries.today(store), 0, 100, consultant=desk.consultant)
    return ([v for v in visits if v.stay_started is None], [v for v in visits if v.stay_started is not None])
