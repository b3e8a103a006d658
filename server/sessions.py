"""Sign-in sessions: a random token in an HttpOnly, Secure, SameSite=Strict cookie, a CSRF token every
write must echo in `X-CSRF-Token`, and an idle expiry. Sessions live in this process's memory: a
restarted server asks everyone to sign in again, which is what a lost phone's owner wants too.

The secret is checked by service/users.py (argon2, the same lockout as the console), and every request
gets a Desk of its own, which re-reads the user before each act (a user disabled meanwhile is refused).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import Depends, Request

from server.errors import ApiError
from service.desk import Desk
from service.store import Store
from service.users import User

COOKIE = "anchang_session"
CSRF_HEADER = "X-CSRF-Token"
IDLE_SECONDS = 30 * 60  # a phone left on a desk is signed out after half an hour without use


@dataclass
class Session:
    user: User
    csrf: str
    last_seen: float = field(default_factory=time.monotonic)


class Sessions:
    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, user: User) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(user=user, csrf=secrets.token_urlsafe(32))
        with self._lock:
            self._by_token[token] = session
        return token, session

    def find(self, token: str | None) -> Session | None:
        """The live session of `token`, touched; an idle one is closed and not found."""
        if not token:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if now - session.last_seen > self.idle_seconds:
                del self._by_token[token]
                return None
            session.last_seen = now
            return session

    def close(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def current_session(request: Request) -> Session:
    session = request.app.state.sessions.find(request.cookies.get(COOKIE))
    if session is None:
        raise ApiError(401, "signed_out", "请登录 / please sign in (the session has ended or never began)")
    if request.method not in ("GET", "HEAD", "OPTIONS") and \
            not secrets.compare_digest(request.headers.get(CSRF_HEADER, ""), session.csrf):
        raise ApiError(403, "csrf", "请求无效，请刷新页面 / the request lacks this session's CSRF token: reload")
    return session


def current_desk(request: Request, session: Session = Depends(current_session)) -> Desk:  # noqa: B008
    return Desk(store_of(request), session.user)
