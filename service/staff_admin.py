"""The 人员 page's writes, each behind a Desk: add a consultant, add a user, set a user's secret,
disable a user. Input is checked field by field before the store is asked, so the console can show
each refusal next to the field it concerns (`FieldRefused.field`); the store and service.users check again
inside the write, so a race between two consoles is still refused, only less precisely.
"""

from __future__ import annotations

from db import text_rules
from db.database import read_session
from db.models import Consultant, UserAccount
from judge.reasons import EngineError
from service import users
from service.desk import Desk


class FieldRefused(EngineError):
    """Bad input for one field of a form (`field`): refused before anything changed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def clean_name(text: str, field: str, zh: str, en: str) -> str:
    """A registry or user name, trimmed: 1 to 64 characters, none hidden (db/text_rules.py)."""
    return text_rules.clean_name(text, zh, en, error=lambda message: FieldRefused(field, message))


def add_consultant(desk: Desk, name: str) -> str:
    desk.require("consultants.edit")
    name = clean_name(name, "name", "姓名", "name")
    with read_session(desk.store.engine) as session:
        if session.get(Consultant, name) is not None:
            raise FieldRefused("name", f"置业顾问 {name} 已存在 / consultant {name!r} already exists")
    desk.store.add_consultant(name, actor=desk.actor)
    return name


def _check_secret(secret: str) -> None:
    if len(secret) < users.MIN_SECRET_LENGTH:
        raise FieldRefused("secret", f"密码至少 {users.MIN_SECRET_LENGTH} 位 / the password needs at least "
                                     f"{users.MIN_SECRET_LENGTH} characters")


def add_user(desk: Desk, name: str, role: str, secret: str, consultant: str | None = None) -> users.User:
    """A new login. A consultant's login is linked to a registered consultant (their own customers)."""
    desk.require("users.edit")
    name = clean_name(name, "name", "用户名", "user name")
    if role not in users.ROLES:
        raise FieldRefused("role", f"未知角色 / unknown role {role!r} (one of {', '.join(users.ROLES)})")
    if role != "consultant":
        consultant = None
    elif not consultant:
        raise FieldRefused("consultant", "请选择对应的置业顾问 / choose the consultant this login is")
    _check_secret(secret)
    with read_session(desk.store.engine) as session:
        if session.get(UserAccount, name) is not None:
            raise FieldRefused("name", f"用户名 {name} 已被使用 / the user name {name!r} is taken")
        if consultant is not None and session.get(Consultant, consultant) is None:
            raise FieldRefused("consultant", f"未知置业顾问 / unknown consultant: {consultant!r}")
    return users.add_user(desk.store, name, role, secret, consultant=consultant, actor=desk.actor)


def set_user_secret(desk: Desk, name: str, secret: str) -> None:
    """A new password (it also lifts a hold-off after wrong passwords)."""
    desk.require("users.edit")
    _check_secret(secret)
    users.set_secret(desk.store, name, secret, actor=desk.actor)


def disable_user(desk: Desk, name: str) -> None:
    """The user can no longer log in. Not oneself (an admin would lock themself out mid-task), and
    never the last active admin (service.users refuses that)."""
    desk.require("users.edit")
    if name == desk.actor:
        raise FieldRefused("user", "不能停用自己的账号 / you cannot disable your own login")
    users.disable_user(desk.store, name, actor=desk.actor)
