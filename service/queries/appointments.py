"""The 预约 page: the visitors expected on a day, one appointment, the consultants to book with.

Visitors appear as their surname display (张女士, 张*) and masked phone; an erased one as （已删除）. A
consultant sees only the appointments they receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import Appointment, Consultant, Customer
from service.appointments import LATE, AppointmentRefused
from service.reception import surname_display

if TYPE_CHECKING:
    from service.desk import Desk
    from service.store import Store

ERASED = "（已删除）"
Query = sa.Select[Appointment, str | None]


@dataclass(frozen=True)
class AppointmentRow:
    code: str
    customer_id: int
    surname: str | None  # 张女士 / 张* (service.reception.surname_display); None when erased or nameless
    phone_masked: str  # 138****5678, or （已删除） for an erased customer
    consultant: str | None
    starts_at: datetime  # in the site's zone
    ends_at: datetime
    status: str  # booked | arrived | cancelled | missed (booked, and the window has passed)
    created_by: str
    visit_seq: int | None


def _select() -> Query:
    return sa.select(Appointment, Customer.phone_masked).outerjoin(Customer, Customer.id == Appointment.customer_id)


def _scoped(desk: Desk, query: Query) -> Query:
    desk.require("appointments.view")
    return query if desk.consultant is None else query.where(Appointment.consultant == desk.consultant)


def _rows(desk: Desk, session: Session, query: Query) -> list[AppointmentRow]:
    store = desk.store
    zone, now = store.rules_at().timezone, store.clock.now(session)
    rows = []
    for appointment, masked in session.execute(query):
        status = appointment.status
        if status == "booked" and appointment.ends_at + LATE < now:
            status = "missed"
        rows.append(AppointmentRow(
            code=appointment.code, customer_id=appointment.customer_id,
            surname=surname_display(session, store.keyring, appointment.customer_id),
            phone_masked=masked or ERASED, consultant=appointment.consultant,
            starts_at=appointment.starts_at.astimezone(zone), ends_at=appointment.ends_at.astimezone(zone),
            status=status, created_by=appointment.created_by, visit_seq=appointment.visit_seq))
    return rows


def expected(desk: Desk, day: date, offset: int = 0, limit: int = 200) -> list[AppointmentRow]:
    """The visitors expected on `day` (the site's calendar), by start time (a page of them)."""
    zone: ZoneInfo = desk.store.rules_at().timezone
    start = datetime.combine(day, time(0), zone)
    query = _scoped(desk, _select().where(Appointment.starts_at >= start,
                                          Appointment.starts_at < start + timedelta(days=1)))
    query = query.order_by(Appointment.starts_at, Appointment.code).offset(offset).limit(limit)
    with read_session(desk.store.engine) as session:
        return _rows(desk, session, query)


def get(desk: Desk, code: str) -> AppointmentRow:
    with read_session(desk.store.engine) as session:
        found = _rows(desk, session, _scoped(desk, _select().where(Appointment.code == code)))
    if not found:
        raise AppointmentRefused("unknown")
    return found[0]


def consultants(store: Store) -> list[str]:
    """Active consultants, for the form's choice."""
    with read_session(store.engine) as session:
        return list(session.scalars(sa.select(Consultant.name).where(Consultant.active).order_by(Consultant.name)))
