"""The customers behind a number of the dashboard (数据看板), a page at a time, scoped to what the
logged-in user may see: everything, or a consultant's own customers and the pool (the 客户 page's
`scope`, in SQL). Which customers a number counts is given as a SELECT of ids (reports/behind.py builds
it from the figure's own definition); merged customers are followed to the customer they became.

A consultant's number may count a customer who is someone else's now (reassigned, claimed): the count
says how many such customers the list leaves out, never who they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db import search_keys
from db.database import read_session
from db.models import Customer
from service.queries.customers import (  # the 客户 list's rows
    _COLUMNS,
    CustomerRow,
    _row,
    scope,
    surname_display,
)

if TYPE_CHECKING:
    from service.desk import Desk

IdQuery = Callable[[Session, datetime], Any]  # (session, now) -> a SELECT of customer ids (any alias)


@dataclass(frozen=True)
class BehindCount:
    shown: int  # distinct customers the user may see
    hidden: int  # counted by the number, but not the user's to see (a consultant: someone else's now)


def _resolved(ids: Any) -> Any:
    """The customers the ids stand for now (an alias merged into another: that other)."""
    named = aliased(Customer)
    return sa.select(sa.func.coalesce(named.merged_into, named.id)).where(named.id.in_(ids))


def _where(desk: Desk, session: Session, ids_for: IdQuery, now: datetime, scoped: bool) -> list[Any]:
    where = [Customer.merged_into.is_(None), Customer.id.in_(_resolved(ids_for(session, now)))]
    return [*where, scope(desk, now)] if scoped else where


def count_behind(desk: Desk, ids_for: IdQuery) -> BehindCount:
    with read_session(desk.store.engine) as session:
        now = desk.store.clock.now(session)
        shown, every = session.execute(sa.select(
            sa.func.count().filter(scope(desk, now)), sa.func.count())
            .where(*_where(desk, session, ids_for, now, scoped=False))).one()
    return BehindCount(shown=int(shown or 0), hidden=int(every or 0) - int(shown or 0))


def customers_behind(desk: Desk, ids_for: IdQuery, offset: int, limit: int) -> list[CustomerRow]:
    """One page of the customers behind the number that the user may see, the latest visitor first (rows
    as the 客户 page lists them)."""
    store = desk.store
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        rows = session.execute(
            sa.select(*_COLUMNS).where(*_where(desk, session, ids_for, now, scoped=True))
            .order_by(Customer.last_visit_at.is_(None), Customer.last_visit_at.desc(), Customer.id.desc())
            .offset(offset).limit(limit)).all()
        names = search_keys.decrypted_people(session, store.keyring, [r.id for r in rows if not r.forgotten],
                                             phones=False)
    return [_row(r, now, surname_display(names.get(r.id, (None, None))[1])) for r in rows]
