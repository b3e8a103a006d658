"""申诉 / 申请判单 from the phone: an appeal with its reason and photos of evidence (service/appeals.py;
the photos encrypted under the customer's key, erased with the customer), about a customer by id or by the
number the consultant types (no oracle: an unknown number, their own customer and one never at the site
are refused in the same words, and counted), and a photo read back by
whoever may see the case (the manager deciding it, the consultant who gave it)."""

from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field

from db import evidence
from db.database import read_session
from db.models import JournalEntry
from db.text_rules import TEXT_MAX
from server.errors import ApiError
from server.params import PLAIN, Id
from server.sessions import current_desk
from service import appeals
from service.desk import Desk
from service.roles import PermissionDenied

router = APIRouter(tags=["appeals"])
PHOTO_B64_MAX = (evidence.MAX_BYTES * 4) // 3 + 4


class AppealIn(BaseModel):
    reason: str = Field(min_length=1, max_length=TEXT_MAX)
    photos: list[str] = Field(default=[], max_length=appeals.MAX_PHOTOS,
                              description="photos of evidence, base64 (JPEG, PNG, WebP or HEIC)")


class AppealByPhoneIn(AppealIn):
    phone: str = Field(min_length=1, max_length=32, pattern=PLAIN,
                       description="the customer's mobile number, as the consultant types it (never shown back)")


class AppealOut(BaseModel):
    seq: int


def _decoded(photos: list[str]) -> list[bytes]:
    found = []
    for index, text in enumerate(photos, 1):
        if len(text) > PHOTO_B64_MAX:
            raise ApiError(413, "photo_too_large", f"第 {index} 张照片过大 / photo {index} is over "
                                                   f"{evidence.MAX_BYTES // 1024 // 1024} MB")
        try:
            found.append(base64.b64decode(text.partition(",")[2] if text.startswith("data:") else text, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ApiError(422, "bad_photo", f"第 {index} 张照片无法读取 / photo {index} is not base64") from exc
    return found


@router.post("/api/customers/{customer_id}/appeals", response_model=AppealOut, status_code=201)
def file_appeal(customer_id: Id, body: AppealIn, desk: Desk = Depends(current_desk)) -> AppealOut:  # noqa: B008
    return AppealOut(seq=appeals.file_appeal(desk, customer_id, body.reason, _decoded(body.photos)).seq)


@router.post("/api/appeals", response_model=AppealOut, status_code=201)
def file_appeal_by_phone(body: AppealByPhoneIn, desk: Desk = Depends(current_desk)) -> AppealOut:  # noqa: B008
    return AppealOut(seq=appeals.file_appeal_by_phone(desk, body.phone, body.reason, _decoded(body.photos)).seq)


@router.get("/api/evidence/{ref}", response_class=Response)
def photo(ref: str = Path(pattern="^[0-9a-f]{64}$"), desk: Desk = Depends(current_desk)) -> Response:  # noqa: B008
    """A photo of evidence, to those who see the cases (the manager deciding them), and to a consultant
    only the photos they gave themselves (the customer is usually another consultant's)."""
    desk.require("cases.view")
    with read_session(desk.store.engine) as session:
        if desk.consultant is not None and session.scalar(
                sa.select(JournalEntry.seq).where(JournalEntry.kind == appeals.EVIDENCE, JournalEntry.actor == desk.actor,
                                                  JournalEntry.payload.contains(ref)).limit(1)) is None:
            raise PermissionDenied(f"不是您提交的照片 / photo {ref[:12]}… was not given by {desk.actor}")
        found = evidence.read(session, desk.store.keyring, ref)
    if found is None:
        raise ApiError(404, "no_photo", "没有此照片（或已删除）/ no such photo (or it was erased)")
    _, media_type, data = found
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})
