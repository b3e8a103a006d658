"""我的客户: the list by what expires first, a customer's page, follow-ups and stage changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from db.text_rules import TEXT_MAX
from judge import facts as f
from server.params import Id
from server.sessions import current_desk
from server.words import timeline_text
from service.desk import Desk
from service.queries import phone
from service.queries.customer_page import customer_page

router = APIRouter(prefix="/api/customers", tags=["customers"])
FOLLOW_UP_KINDS = ("电话", "微信", "面谈", "到访")


class CustomerItem(BaseModel):
    """`protection_until`: when the customer is lost unless followed up or back (as the customer's page says);
    `follow_up_due`: the follow-up deadline within it."""

    id: int
    surname_shown: str | None
    phone_masked: str
    stage: str | None
    owner: str
    protection_until: datetime | None
    follow_up_due: datetime | None
    channel: str | None


class ProtectionOut(BaseModel):
    until: datetime | None
    rule: str
    days: int | None


class TimelineItem(BaseModel):
    seq: int
    at: datetime
    kind: str
    actor: str
    text: str


class CustomerOut(BaseModel):
    id: int
    surname_shown: str | None
    phone_masked: str
    owner: str
    stage: str | None
    protection: ProtectionOut | None
    channel: str | None
    agent: str | None
    visit_count: int
    last_visit_at: datetime | None
    timeline: list[TimelineItem]
    stages: list[str]


class FollowUpIn(BaseModel):
    kind: Literal["电话", "微信", "面谈", "到访"]
    note: str = Field(default="", max_length=TEXT_MAX)


class StageIn(BaseModel):
    stage: Literal["pledge", "subscribe", "contract", "cancel"]


class Written(BaseModel):
    seq: int


def item(found: phone.MyCustomer) -> CustomerItem:
    row = found.row
    return CustomerItem(id=row.id, surname_shown=row.surname, phone_masked=row.phone_masked, stage=row.stage,
                        owner=row.owner, protection_until=found.expires_first, follow_up_due=found.follow_up_due,
                        channel=row.channel)


@router.get("", response_model=list[CustomerItem])
def my_customers(q: str = Query(default="", max_length=64), desk: Desk = Depends(current_desk)) -> list[CustomerItem]:  # noqa: B008
    return [item(found) for found in phone.my_customers(desk, q)]


@router.get("/{customer_id}", response_model=CustomerOut)
def one_customer(customer_id: Id, desk: Desk = Depends(current_desk)) -> CustomerOut:  # noqa: B008
    page = customer_page(desk, customer_id)
    protection = None if page.protection is None else ProtectionOut(
        until=page.protection.until, rule=page.protection.rule, days=page.protection.days)
    may_change = desk.can("customers.stage") and (desk.consultant is None or page.owner == desk.consultant)
    return CustomerOut(
        id=page.id, surname_shown=page.surname, phone_masked=page.phone_masked, owner=page.owner, stage=page.stage,
        protection=protection, channel=page.channel, agent=page.agent, visit_count=page.visit_count,
        last_visit_at=page.last_visit_at, stages=list(f.STAGES) if may_change else [],
        timeline=[TimelineItem(seq=e.seq, at=e.at, kind=e.kind, actor=e.actor, text=timeline_text(e))
                  for e in page.timeline])


@router.post("/{customer_id}/follow-ups", response_model=Written, status_code=201)
def write_follow_up(customer_id: Id, body: FollowUpIn, desk: Desk = Depends(current_desk)) -> Written:  # noqa: B008
    note = f"【{body.kind}】{body.note.strip()}"  # how they were in touch leads the note
    return Written(seq=desk.follow_up(customer_id, note, _acting_for(desk, customer_id)).seq)


@router.post("/{customer_id}/stage", response_model=Written)
def change_stage(customer_id: Id, body: StageIn, desk: Desk = Depends(current_desk)) -> Written:  # noqa: B008
    return Written(seq=desk.change_stage(customer_id, body.stage, _acting_for(desk, customer_id)).seq)


def _acting_for(desk: Desk, customer_id: Id) -> str | None:
    """A consultant acts as themself; a manager on the owner's behalf (the console asks them to choose)."""
    if desk.consultant is not None:
        return None
    owner = desk.owner_of(customer_id)
    return owner if owner not in ("pool", "none") else None
