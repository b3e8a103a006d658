"""我的今日: my customers' arrivals today, the receptions, and reminders (protection ending, follow-up
due, a pledge without a visit)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from server.live import arrival
from server.sessions import current_desk
from service.desk import Desk
from service.queries import phone

router = APIRouter(prefix="/api/today", tags=["today"])


class ArrivalOut(BaseModel):
    seq: int
    customer: int
    surname_shown: str | None
    phone_masked: str
    at: datetime
    kiosk: str | None
    consultant: str | None


class ReminderOut(BaseModel):
    kind: str
    customer: int
    surname_shown: str | None
    due_at: datetime


class TodayOut(BaseModel):
    arrivals: list[ArrivalOut]
    receptions: list[ArrivalOut]
    reminders: list[ReminderOut]


@router.get("", response_model=TodayOut)
def my_today(desk: Desk = Depends(current_desk)) -> TodayOut:  # noqa: B008
    waiting, received = phone.my_day(desk)
    return TodayOut(arrivals=[ArrivalOut(**arrival(v)) for v in waiting],
                    receptions=[ArrivalOut(**arrival(v)) for v in received],
                    reminders=[ReminderOut(kind=r.kind, customer=r.customer, surname_shown=r.surname, due_at=r.due_at)
                               for r in phone.due_soon(desk)])
