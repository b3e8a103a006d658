"""Seeing a full number: a consultant asks with a reason, a manager decides, the number is shown once
(service/number_requests.py). Each step is announced on the live stream."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from db.text_rules import TEXT_MAX
from server.errors import ApiError
from server.params import Id
from server.sessions import current_desk
from service import number_requests
from service.desk import Desk
from service.number_requests import NumberRequest, RequestClosed

router = APIRouter(tags=["numbers"])


class NumberRequestOut(BaseModel):
    id: int
    customer: int
    phone_masked: str | None
    consultant: str
    reason: str
    status: str
    requested_at: datetime
    decided_by: str | None
    decision_reason: str | None


class AskIn(BaseModel):
    reason: str = Field(min_length=1, max_length=TEXT_MAX)


class DecisionIn(BaseModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=TEXT_MAX)


class NumberOut(BaseModel):
    phone: str


def out(request: NumberRequest) -> NumberRequestOut:
    return NumberRequestOut(id=request.id, customer=request.customer, phone_masked=request.phone_masked,
                            consultant=request.consultant, reason=request.reason, status=request.status,
                            requested_at=request.requested_at, decided_by=request.decided_by,
                            decision_reason=request.decision_reason)


def _announce(http: Request, event: str, request: NumberRequest) -> None:
    http.app.state.live.publish(event, out(request).model_dump(mode="json"),
                                to_user=request.requested_by if event == "number_decided" else None,
                                to_permission="customers.reveal" if event == "number_request" else None)


@router.post("/api/customers/{customer_id}/number-requests", response_model=NumberRequestOut, status_code=201)
def ask(customer_id: Id, body: AskIn, http: Request, desk: Desk = Depends(current_desk)) -> NumberRequestOut:  # noqa: B008
    request = number_requests.one(desk, number_requests.ask(desk, customer_id, body.reason))
    _announce(http, "number_request", request)
    return out(request)


@router.get("/api/number-requests", response_model=list[NumberRequestOut])
def listed(waiting: bool = False, desk: Desk = Depends(current_desk)) -> list[NumberRequestOut]:  # noqa: B008
    return [out(r) for r in number_requests.requests(desk, waiting_only=waiting)]


@router.post("/api/number-requests/{request_id}/decision", response_model=NumberRequestOut)
def decide(request_id: Id, body: DecisionIn, http: Request, desk: Desk = Depends(current_desk)) -> NumberRequestOut:  # noqa: B008
    try:
        number_requests.decide(desk, request_id, body.approve, body.reason)
    except RequestClosed as exc:
        raise ApiError(409, "already_decided", str(exc)) from exc
    request = number_requests.one(desk, request_id)
    _announce(http, "number_decided", request)
    return out(request)


@router.post("/api/number-requests/{request_id}/view", response_model=NumberOut)
def view(request_id: Id, desk: Desk = Depends(current_desk)) -> NumberOut:  # noqa: B008
    try:
        return NumberOut(phone=number_requests.view(desk, request_id))
    except RequestClosed as exc:
        raise ApiError(410, "already_viewed", str(exc)) from exc
