"""预约: my appointments, a new one, its QR code to send to the customer (the same signed code the kiosk
reads), and cancelling one. service/appointments.py makes the rules; a consultant books for themself."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from server.errors import ApiError
from server.params import PLAIN
from server.sessions import current_desk
from service import appointments
from service.appointments import AppointmentInputError
from service.desk import Desk
from service.queries import appointments as queries
from service.queries.appointments import AppointmentRow

router = APIRouter(prefix="/api/appointments", tags=["appointments"])
Code = Annotated[str, PathParam(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]  # an appointment code


class AppointmentOut(BaseModel):
    code: str
    customer: int
    surname_shown: str | None
    phone_masked: str
    consultant: str | None
    starts_at: datetime
    ends_at: datetime
    status: str  # booked | arrived | cancelled | missed


class AppointmentIn(BaseModel):
    surname: str = Field(min_length=1, max_length=20, pattern=PLAIN)
    title: Literal["先生", "女士"]
    phone: str = Field(min_length=1, max_length=32, pattern=PLAIN)
    starts_at: datetime
    ends_at: datetime
    consultant: str | None = Field(default=None, max_length=64, pattern=PLAIN)  # a consultant books for themself


class QrText(BaseModel):
    text: str


def out(row: AppointmentRow) -> AppointmentOut:
    return AppointmentOut(code=row.code, customer=row.customer_id, surname_shown=row.surname,
                          phone_masked=row.phone_masked, consultant=row.consultant, starts_at=row.starts_at,
                          ends_at=row.ends_at, status=row.status)


@router.get("", response_model=list[AppointmentOut])
def listed(day: date | None = Query(default=None), desk: Desk = Depends(current_desk)) -> list[AppointmentOut]:  # noqa: B008
    """The appointments of `day` (the site's calendar; today when not given): a consultant's own."""
    if day is None:
        day = desk.store.now().astimezone(desk.store.rules_at().timezone).date()
    return [out(row) for row in queries.expected(desk, day)]


@router.post("", response_model=AppointmentOut, status_code=201)
def book(body: AppointmentIn, desk: Desk = Depends(current_desk)) -> AppointmentOut:  # noqa: B008
    if body.starts_at.tzinfo is None or body.ends_at.tzinfo is None:
        raise ApiError(422, "bad_input", "时间须带时区 / times need their UTC offset (ISO 8601, e.g. +08:00)")
    try:
        code = appointments.create(desk, body.surname, body.title, body.phone, body.starts_at, body.ends_at,
                                   body.consultant)
    except AppointmentInputError as exc:
        raise ApiError(400, f"bad_{exc.field}", str(exc)) from exc
    return out(queries.get(desk, code))


@router.get("/{code}", response_model=AppointmentOut)
def one(code: Code, desk: Desk = Depends(current_desk)) -> AppointmentOut:  # noqa: B008
    """One appointment (a consultant's own): the page that shows its QR code."""
    return out(queries.get(desk, code))


@router.get("/{code}/qr", response_model=QrText)
def qr_text(code: Code, desk: Desk = Depends(current_desk)) -> QrText:  # noqa: B008
    return QrText(text=appointments.signed_code(desk, code))


@router.get("/{code}/qr.png", response_class=Response)
def qr_picture(code: Code, desk: Desk = Depends(current_desk)) -> Response:  # noqa: B008
    from vision.qr import qr_png

    return Response(qr_png(appointments.signed_code(desk, code), scale=10, border=4), media_type="image/png")


@router.delete("/{code}", status_code=204)
def cancel(code: Code, desk: Desk = Depends(current_desk)) -> None:  # noqa: B008
    appointments.cancel(desk, code)
