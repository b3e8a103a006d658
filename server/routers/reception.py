"""The reception tablet: a visitor registered at the desk, kiosk check-ins confirmed, corrected or
dismissed (the console's 今日 queue), and the rotation with its busy marks. Every write goes through the
receptionist's Desk (service/desk.py, service/reception_desk.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from db.personal import InvalidPhone
from server.errors import ApiError
from server.params import PLAIN, Id
from server.sessions import current_desk
from service import reception, reception_desk
from service.desk import Desk
from service.queries import today as today_queries
from service.store import InvalidName, UnknownName, WriteResult

router = APIRouter(prefix="/api/reception", tags=["reception"])


class SourceOut(BaseModel):
    name: str
    registers_as: str  # natural | channel
    channel: str | None  # a source tied to one channel (全民经纪人): only the agent is asked


class SlotOut(BaseModel):
    name: str
    busy: bool
    is_next: bool  # takes the next walk-in


class ChoicesOut(BaseModel):
    sources: list[SourceOut]
    channels: dict[str, list[str]]
    rotation: list[SlotOut]


class VisitIn(BaseModel):
    phone: str = Field(min_length=1, max_length=32, pattern=PLAIN)
    name: str = Field(default="", max_length=32, pattern=PLAIN)
    source: str = Field(min_length=1, max_length=64, pattern=PLAIN)
    channel: str | None = Field(default=None, max_length=64, pattern=PLAIN)
    agent: str | None = Field(default=None, max_length=64, pattern=PLAIN)
    consultant: str | None = Field(default=None, max_length=64, pattern=PLAIN)  # None: the rotation's next


class Registered(BaseModel):
    seq: int
    customer: int | None
    phone_masked: str | None
    consultant: str | None


class QueueOut(BaseModel):
    visit_seq: int
    customer: int
    at: datetime
    phone_masked: str
    surname_shown: str | None
    consultant: str | None
    channel: str | None
    agent: str | None
    arrival: int | None  # a later check-in of the same arrival: its first check-in's seq
    arrival_size: int


class PhoneIn(BaseModel):
    phone: str = Field(min_length=1, max_length=32, pattern=PLAIN)


class BusyIn(BaseModel):
    busy: bool


class Written(BaseModel):
    seq: int
    consultant: str | None = None


def _slots(slots: list[reception.RotationSlot]) -> list[SlotOut]:
    return [SlotOut(name=s.name, busy=s.busy, is_next=s.is_next) for s in slots]


def _refused_input(error: ValueError) -> ApiError:
    """The store's refusal of a number or a name, in its words (nothing was written)."""
    code = "bad_phone" if isinstance(error, InvalidPhone) else "bad_name"
    return ApiError(422 if isinstance(error, InvalidPhone) else 400, code, str(error))


@router.get("/choices", response_model=ChoicesOut)
def choices(desk: Desk = Depends(current_desk)) -> ChoicesOut:  # noqa: B008
    found = reception_desk.choices(desk)
    return ChoicesOut(sources=[SourceOut(name=s.name, registers_as=s.registers_as, channel=s.channel)
                               for s in found.sources],
                      channels=found.channels, rotation=_slots(found.rotation))


@router.post("/visits", response_model=Registered, status_code=201)
def register(body: VisitIn, desk: Desk = Depends(current_desk)) -> Registered:  # noqa: B008
    try:
        result = reception_desk.register(desk, body.phone.strip(), source=body.source, name=body.name,
                                         channel=body.channel or None, agent=body.agent or None,
                                         consultant=body.consultant or None)
    except (InvalidPhone, InvalidName, UnknownName) as error:
        raise _refused_input(error) from error
    return Registered(seq=result.seq, customer=result.customer_id, phone_masked=result.phone_masked,
                      consultant=result.assigned_to)


@router.get("/queue", response_model=list[QueueOut])
def queue(desk: Desk = Depends(current_desk)) -> list[QueueOut]:  # noqa: B008
    desk.require("reception.confirm")  # the console shows the queue only to who may act on it
    return [QueueOut(visit_seq=r.visit_seq, customer=r.customer_id, at=r.at, phone_masked=r.phone_masked,
                     surname_shown=r.surname, consultant=r.consultant, channel=r.channel, agent=r.agent,
                     arrival=r.arrival, arrival_size=r.arrival_size)
            for r in today_queries.queue(desk.store)]


def _waiting(desk: Desk, visit_seq: int) -> today_queries.QueueRow:
    desk.require("reception.confirm")
    row = next((r for r in today_queries.queue(desk.store) if r.visit_seq == visit_seq), None)
    if row is None:
        raise ApiError(409, "not_waiting", f"此登记已处理或不存在 / check-in #{visit_seq} is not waiting for reception")
    return row


def _written(result: WriteResult) -> Written:
    return Written(seq=result.seq, consultant=result.assigned_to)


@router.post("/checkins/{visit_seq}/confirm", response_model=Written)
def confirm(visit_seq: Id, desk: Desk = Depends(current_desk)) -> Written:  # noqa: B008
    return _written(desk.confirm_checkin(_waiting(desk, visit_seq).customer_id))


@router.post("/checkins/{visit_seq}/correct", response_model=Written)
def correct(visit_seq: Id, body: PhoneIn, desk: Desk = Depends(current_desk)) -> Written:  # noqa: B008
    _waiting(desk, visit_seq)
    try:
        return _written(desk.correct_checkin(visit_seq, body.phone.strip()))
    except (InvalidPhone, InvalidName, UnknownName) as error:
        raise _refused_input(error) from error


@router.post("/checkins/{visit_seq}/dismiss", response_model=Written)
def dismiss(visit_seq: Id, desk: Desk = Depends(current_desk)) -> Written:  # noqa: B008
    _waiting(desk, visit_seq)
    return _written(desk.dismiss_checkin(visit_seq))


@router.get("/rotation", response_model=list[SlotOut])
def rotation(desk: Desk = Depends(current_desk)) -> list[SlotOut]:  # noqa: B008
    desk.require("duty.view")
    return _slots(reception.rotation_board(desk.store))


@router.post("/rotation/{consultant}/busy", response_model=list[SlotOut])
def set_busy(consultant: Annotated[str, Path(max_length=64, pattern=PLAIN)], body: BusyIn, desk: Desk = Depends(current_desk)) -> list[SlotOut]:  # noqa: B008
    try:
        desk.set_busy(consultant, body.busy)
    except UnknownName as error:
        raise ApiError(404, "not_found", str(error)) from error
    return _slots(reception.rotation_board(desk.store))
