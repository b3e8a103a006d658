"""Sign in, who am I, sign out."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from server.params import PLAIN
from server.sessions import COOKIE, Session, current_session, store_of
from service import users

router = APIRouter(prefix="/api/session", tags=["session"])


class SignIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=PLAIN)
    secret: str = Field(min_length=1, max_length=256, pattern=PLAIN)


class SessionOut(BaseModel):
    name: str
    role: str
    consultant: str | None
    csrf: str
    now: datetime  # the server's clock, in the site's UTC offset: the pages count days left by it, not the phone's


def _out(session: Session, request: Request) -> SessionOut:
    user = session.user
    store = store_of(request)
    now = store.now()
    return SessionOut(name=user.name, role=user.role, csrf=session.csrf,
                      consultant=user.consultant if user.role == "consultant" else None,
                      now=now.astimezone(store.rules_at(now).timezone))


@router.post("", response_model=SessionOut)
def sign_in(body: SignIn, request: Request, response: Response) -> SessionOut:
    user = users.authenticate(store_of(request), body.name, body.secret)  # AuthError: 401, or 423 held off
    token, session = request.app.state.sessions.open(user)
    response.set_cookie(COOKIE, token, httponly=True, secure=True, samesite="strict", path="/")
    return _out(session, request)


@router.get("", response_model=SessionOut)
def who_am_i(request: Request, session: Session = Depends(current_session)) -> SessionOut:  # noqa: B008
    return _out(session, request)


@router.delete("", status_code=204)
def sign_out(request: Request, response: Response, _: Session = Depends(current_session)) -> None:  # noqa: B008
    request.app.state.sessions.close(request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/")
