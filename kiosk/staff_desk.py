"""Staff mode's acts go through the Desk (service/desk.py) as the staff member signed in at the kiosk, never
around it: refused exactly as the console refuses the same user, the refusal said to them in words, and
a user disabled since signing in is signed out of staff mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from PySide6.QtCore import QCoreApplication

from db.database import read_session
from db.models import VisitRecord
from service.desk import Desk
from service.roles import PermissionDenied, SessionEnded
from service.store import Store

_CONTEXT = "StaffDesk"


def role_words(role: str) -> str:
    words = {"admin": QCoreApplication.translate(_CONTEXT, "管理员"),
             "manager": QCoreApplication.translate(_CONTEXT, "案场经理"),
             "channel_manager": QCoreApplication.translate(_CONTEXT, "渠道经理"),
             "receptionist": QCoreApplication.translate(_CONTEXT, "前台"),
             "consultant": QCoreApplication.translate(_CONTEXT, "置业顾问")}
    return words.get(role, role)


def refusal_words(error: BaseException, user: Any) -> str:
    """What the staff member reads about a refused act: whose role may not do it, else the store's reason
    (its Chinese half, which reception reads)."""
    if isinstance(error, SessionEnded):
        return QCoreApplication.translate(_CONTEXT, "您的账号已停用，已退出前台模式")
    if isinstance(error, PermissionDenied) and str(error).startswith("无权限 / "):
        return QCoreApplication.translate(_CONTEXT, "%1（%2）无权进行此操作，请联系案场经理").replace(
            "%1", str(user.name)).replace("%2", role_words(str(user.role)))
    reason = str(error).partition(" / ")[0]
    return QCoreApplication.translate(_CONTEXT, "操作未完成：%1").replace("%1", reason)


def run_as_staff(kiosk: Any, act: Callable[..., Any], *args: Any, on_done: Callable[[Any], None],
                 say: Callable[[str], None]) -> None:
    """`act(desk, *args)` on a worker, with a Desk of the staff member signed in now. A refusal is said
    through `say`; a user disabled meanwhile leaves staff mode for the PIN screen, which says why."""
    user = kiosk.staff_user
    if user is None:  # staff mode has ended (the idle timer) while the tap was on its way
        return
    desk = Desk(kiosk.store, user)

    def done(result: Any) -> None:
        if kiosk.staff_user is user:
            kiosk.staff_user = desk.user  # a role changed meanwhile: read again by the Desk
        on_done(result)

    def refused(error: BaseException) -> None:
        if isinstance(error, SessionEnded):
            sign_out(kiosk, user, refusal_words(error, user))
            return
        if kiosk.staff_user is user:
            kiosk.staff_user = desk.user
        say(refusal_words(error, desk.user))

    kiosk.runner.run(act, desk, *args, on_done=done, on_error=refused)


def sign_out(kiosk: Any, user: Any, words: str) -> None:
    """Ends `user`'s staff session (if it is still the one open) and shows the PIN screen with `words`."""
    if kiosk.staff_user is not user:
        return
    kiosk.reset()
    kiosk.show_screen("staff_pin")
    kiosk.screen("staff_pin").message.setText(words)


def customer_of_checkin(store: Store, visit_seq: int) -> int:
    """The customer a waiting check-in was made for: the Desk confirms by customer, as the console does."""
    with read_session(store.engine) as session:
        customer = session.scalar(sa.select(VisitRecord.registered_as).where(VisitRecord.id == visit_seq))
    if customer is None:
        raise LookupError("该登记已不存在 / this check-in no longer exists")
    return int(customer)


def confirm_checkin(desk: Desk, visit_seq: int) -> Any:
    desk.require("reception.confirm")  # before the read, as every Desk act
    return desk.confirm_checkin(customer_of_checkin(desk.store, visit_seq))
