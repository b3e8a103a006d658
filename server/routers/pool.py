"""公海: the pool's customers and a claim within the rules (the daily limit, the cool-down)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from server.params import Id
from server.sessions import current_desk
from service.desk import Desk
from service.queries import pool as pool_queries

router = APIRouter(prefix="/api/pool", tags=["pool"])
PAGE = 100


class PoolItem(BaseModel):
    id: int
    surname_shown: str | None
    phone_masked: str
    in_pool_since: datetime | None
    last_owner: str | None
    claimable_from: datetime | None  # this consultant's cool-down after losing or releasing the customer


class Allowance(BaseModel):
    claimed_today: int
    limit: int


class PoolOut(BaseModel):
    rows: list[PoolItem]
    allowance: Allowance


class Claimed(BaseModel):
    seq: int


@router.get("", response_model=PoolOut)
def pool(desk: Desk = Depends(current_desk)) -> PoolOut:  # noqa: B008
    allowance = pool_queries.claim_allowance(desk)
    rows = [PoolItem(id=r.customer_id, surname_shown=r.surname, phone_masked=r.phone, in_pool_since=r.since,
                     last_owner=r.previous_owner, claimable_from=r.my_cooldown_until)
            for r in pool_queries.pool_rows(desk, 0, PAGE)]
    return PoolOut(rows=rows, allowance=Allowance(claimed_today=allowance.used_today, limit=allowance.limit))


@router.post("/{customer_id}/claim", response_model=Claimed)
def claim(customer_id: Id, desk: Desk = Depends(current_desk)) -> Claimed:  # noqa: B008
    return Claimed(seq=desk.claim(customer_id).seq)
