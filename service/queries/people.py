"""The 人员 and 值班 pages: consultants (active, on duty, busy, their login, how many customers they
own) and station users with their roles (never their secrets: only whether one is set and whether
the user is held off after wrong passwords)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from db.database import read_session
from db.models import Consultant, Customer, UserAccount
from service.store import Store


@dataclass(frozen=True)
class ConsultantRow:
    name: str
    active: bool
    on_duty: bool
    position: int | None  # place in today's rotation, from 1
    busy: bool
    logins: tuple[str, ...]  # users who log in as this consultant
    customers: int  # customers they own now


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    consultant: str | None
    active: bool
    has_secret: bool
    held_off: bool  # too many wrong passwords: waiting out the hold-off
    created_at: datetime


def consultants(store: Store, *, active_only: bool = False) -> list[ConsultantRow]:
    """Consultants: those on duty first in rotation order, then the rest by name."""
    with store._lock:
        site = store.site()
        rotation, busy = list(site.rotation), set(site.busy)
    query = sa.select(Consultant.name, Consultant.active)
    if active_only:
        query = query.where(Consultant.active.is_(True))
    with read_session(store.engine) as session:
        registered = dict(session.execute(query).all())
        owned = {name: int(count) for name, count in session.execute(
            sa.select(Customer.owner, sa.func.count()).where(Customer.merged_into.is_(None),
                                                             Customer.owner.in_(list(registered)))
            .group_by(Customer.owner))}
        logins: dict[str, list[str]] = {}
        for user, consultant in session.execute(sa.select(UserAccount.name, UserAccount.consultant)
                                                .where(UserAccount.consultant.is_not(None),
                                                       UserAccount.active.is_(True))
                                                .order_by(UserAccount.name)):
            logins.setdefault(str(consultant), []).append(user)
    place = {name: index + 1 for index, name in enumerate(rotation)}
    order = sorted(registered, key=lambda name: (place.get(name, len(place) + 1), name))
    return [ConsultantRow(name=name, active=bool(registered[name]), on_duty=name in place,
                          position=place.get(name), busy=name in busy, logins=tuple(logins.get(name, ())),
                          customers=owned.get(name, 0))
            for name in order]


def users(store: Store) -> list[UserRow]:
    """Station users: active ones first, each group by name."""
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        rows = session.execute(sa.select(UserAccount.name, UserAccount.role, UserAccount.consultant,
                                         UserAccount.active, UserAccount.secret_hash.is_not(None),
                                         UserAccount.locked_until, UserAccount.created_at)
                               .order_by(UserAccount.active.desc(), UserAccount.name)).all()
    return [UserRow(name=name, role=role, consultant=consultant, active=bool(active), has_secret=bool(has_secret),
                    held_off=locked is not None and locked > now, created_at=created)
            for name, role, consultant, active, has_secret, locked, created in rows]
