"""Station users and roles: argon2 hashes of their secrets (password or PIN), and a growing hold-off
after repeated wrong secrets. Every change to a user is journalled (without the secret); login
attempts are not (they would flood the journal), only the lock-out counter is kept on the user row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from db import text_rules
from db.database import read_session, run_write
from db.models import Consultant, UserAccount
from judge.reasons import EngineError

if TYPE_CHECKING:
    from service.store import Store

ROLES = ("admin", "manager", "channel_manager", "receptionist", "consultant")
FREE_ATTEMPTS = 5  # wrong secrets in a row before the hold-off starts
FIRST_HOLD_S = 30  # the first hold-off; it doubles with each further wrong secret
LONGEST_HOLD_S = 3600
MIN_SECRET_LENGTH = 4  # a kiosk PIN
FIRST_ADMIN = "admin"

HASHER = PasswordHasher()  # argon2id with the library's recommended parameters


class AuthError(Exception):
    """A refused login; `retry_after` (seconds) is set while the user is held off."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UserError(EngineError):
    """A user change refused before anything changed (unknown role, name taken, short secret...). An
    EngineError, so the store keeps its engine cache and the CLI answers it as bad input."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    consultant: str | None
    active: bool
    # from `authenticate`: a person's session, whose Desk reads the user again before every act (service.desk);
    # not a user a tool made for itself (the CLI's reports, the demo)
    signed_in: bool = field(default=False, compare=False)


def _user(row: UserAccount) -> User:
    return User(name=row.name, role=row.role, consultant=row.consultant, active=row.active)


def hold_seconds(failures: int) -> int:
    """The hold-off after `failures` wrong secrets in a row: none for the first few, then growing."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(LONGEST_HOLD_S, FIRST_HOLD_S * 2 ** (failures - FREE_ATTEMPTS))


def _check_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise UserError(f"密码至少 {MIN_SECRET_LENGTH} 位 / the secret needs at least {MIN_SECRET_LENGTH} characters")
    return HASHER.hash(secret)  # slow on purpose: done before the write transaction


def _get(session: Session, name: str) -> UserAccount:
    row = session.get(UserAccount, name)
    if row is None:
        raise UserError(f"没有此用户 / no user named {name!r}")
    return row


def add_user(store: Store, name: str, role: str, secret: str | None, *, consultant: str | None = None,
             actor: str = "admin") -> User:
    """A new user; `secret` None leaves them unable to log in until `set_secret` (the first admin)."""
    name = text_rules.clean_name(name, "用户名", "user name", error=UserError)
    if role not in ROLES:
        raise UserError(f"未知角色 / unknown role {role!r} (one of {', '.join(ROLES)})")
    if role == "consultant" and consultant is None:
        consultant = name  # a consultant logs in as themself unless told otherwise
    hashed = None if secret is None else _check_secret(secret)

    def work(session: Session) -> dict[str, Any]:
        if session.get(UserAccount, name) is not None:
            raise UserError(f"用户已存在 / user {name!r} already exists")
        if consultant is not None and session.get(Consultant, consultant) is None:
            raise UserError(f"未知置业顾问 / unknown consultant: {consultant!r}")
        session.add(UserAccount(name=name, role=role, consultant=consultant, active=True, secret_hash=hashed,
                                failed_attempts=0, created_at=store.clock.now(session)))
        return {"user": name, "action": "add", "role": role, "consultant": consultant}

    store._journal_only("user", actor, work)
    return User(name=name, role=role, consultant=consultant, active=True)


def set_secret(store: Store, name: str, secret: str, actor: str) -> None:
    """A new password or PIN; it also lifts a hold-off."""
    hashed = _check_secret(secret)

    def work(session: Session) -> dict[str, Any]:
        row = _get(session, name)
        row.secret_hash, row.failed_attempts, row.locked_until = hashed, 0, None
        return {"user": name, "action": "set_secret"}

    store._journal_only("user", actor, work)


def disable_user(store: Store, name: str, actor: str) -> None:
    def work(session: Session) -> dict[str, Any]:
        row = _get(session, name)
        if row.role == "admin" and row.active and _active_admins(session) == 1:
            raise UserError("不能停用最后一个管理员 / the last active admin cannot be disabled")
        row.active = False
        return {"user": name, "action": "disable"}

    store._journal_only("user", actor, work)


def _active_admins(session: Session) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(UserAccount)
                              .where(UserAccount.role == "admin", UserAccount.active.is_(True))) or 0)


def list_users(store: Store) -> list[User]:
    with read_session(store.engine) as session:
        return [_user(row) for row in session.scalars(sa.select(UserAccount).order_by(UserAccount.name))]


def reread(store: Store, user: User) -> User | None:
    """`user` as the database has them now (role, consultant, active); None when there is no such row."""
    with read_session(store.engine) as session:
        row = session.get(UserAccount, user.name)
        return None if row is None else replace(_user(row), signed_in=user.signed_in)


def ensure_first_admin(store: Store) -> bool:
    """At the first `anchang init`: an `admin` user without a secret when there is no user at all."""
    with read_session(store.engine) as session:
        if session.scalar(sa.select(sa.func.count()).select_from(UserAccount)):
            return False
    add_user(store, FIRST_ADMIN, "admin", None, actor="init")
    return True


def authenticate(store: Store, name: str, secret: str) -> User:
    """The user, when the secret is right; AuthError otherwise. The attempt is counted first (one write
    that serialises with every other station's), then the hold-off is checked, and only then the secret:
    guesses sent at once reach the hash check no more often than guesses sent one by one, and while held
    off a guess costs nothing but time."""
    attempt = _count_attempt(store, name)
    try:
        HASHER.verify(attempt.secret_hash, secret)
    except (VerificationError, InvalidHashError):
        if attempt.held_until is not None:
            wait = (attempt.held_until - attempt.at).total_seconds()
            raise AuthError(f"密码错误 {attempt.number} 次，请 {wait:.0f} 秒后再试 / wrong secret {attempt.number} "
                            f"times in a row: try again in {wait:.0f} s", retry_after=wait) from None
        raise AuthError(f"密码错误 / wrong secret for {name!r}") from None
    rehash = HASHER.check_needs_rehash(attempt.secret_hash)
    _reset_after_success(store, name, HASHER.hash(secret) if rehash else None)
    return attempt.user


@dataclass(frozen=True)
class _Attempt:
    user: User
    secret_hash: str
    number: int  # wrong secrets in a row, this attempt counted as one until its secret proves right
    held_until: datetime | None  # the hold-off this attempt set, should its secret be wrong
    at: datetime


def _count_attempt(store: Store, name: str) -> _Attempt:
    """Counts one more attempt before anything is checked: the UPDATE takes the row's lock (PostgreSQL) or
    the database's (SQLite, BEGIN IMMEDIATE), so concurrent attempts, from any station, are counted one
    after another, and each sees the hold-off the one before it set. A refused attempt (unknown or disabled
    user, held off, no secret yet) is rolled back: it is not counted."""
    def work(session: Session) -> _Attempt:
        row = session.execute(
            sa.update(UserAccount).where(UserAccount.name == name)
            .values(failed_attempts=UserAccount.failed_attempts + 1)
            .returning(UserAccount.role, UserAccount.consultant, UserAccount.active, UserAccount.secret_hash,
                       UserAccount.failed_attempts, UserAccount.locked_until)).one_or_none()
        if row is None:
            raise AuthError(f"没有此用户 / no user named {name!r}")
        if not row.active:
            raise AuthError(f"用户已停用 / user {name!r} is disabled")
        now = store.clock.now(session)
        if row.locked_until is not None and now < row.locked_until:
            wait = (row.locked_until - now).total_seconds()
            raise AuthError(f"错误次数过多，请 {wait:.0f} 秒后再试 / too many wrong secrets: try again in "
                            f"{wait:.0f} s", retry_after=wait)
        if row.secret_hash is None:
            raise AuthError(f"尚未设置密码 / no secret set yet: run `anchang user passwd {name}`")
        hold = hold_seconds(row.failed_attempts)
        until = now + timedelta(seconds=hold) if hold else None
        if until is not None:
            session.execute(sa.update(UserAccount).where(UserAccount.name == name).values(locked_until=until))
        return _Attempt(User(name, row.role, row.consultant, row.active, signed_in=True), row.secret_hash,
                        row.failed_attempts, until, now)

    return run_write(store.engine, work, site_lock=False)


def _reset_after_success(store: Store, name: str, rehashed: str | None) -> None:
    """The right secret: the attempts counted so far (this one too) and any hold-off they set are undone."""
    def work(session: Session) -> None:
        row = _get(session, name)
        row.failed_attempts, row.locked_until = 0, None
        if rehashed is not None:
            row.secret_hash = rehashed

    run_write(store.engine, work, site_lock=False)
