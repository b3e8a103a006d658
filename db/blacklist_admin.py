"""The 黑名单 page's writes, behind a Desk: list or unlist a customer, an agent or a channel, with a
written reason; and list a number nobody has registered yet (a known troublemaker's phone, typed in
full by the manager: it becomes a customer, listed, so the kiosk and the engine know it).

The reason is free text, so it is a note (db/notes.py, under the customer's key when a customer is
listed); a `blacklist_reason` journal entry right after the change binds the note's ref to the
change's journal number. The engine's blacklist fact has no room for it, hence the second entry:
should the database go away between the two, the change stands and shows without its reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from db import identity, notes
from db.desk import MIN_REASON, Desk
from db.personal import InvalidPhone
from db.staff_admin import FieldRefused

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from db.service import WriteResult

REASON_KIND = "blacklist_reason"  # journal kind: {"entry": seq of the blacklist change, "reason": note ref}


def _reason(text: str) -> str:
    reason = text.strip()
    if len(reason) < MIN_REASON:
        raise FieldRefused("reason", f"请写明原因（至少 {MIN_REASON} 个字）/ give a reason of {MIN_REASON} "
                                     "characters or more")
    return reason


def _is_listed(desk: Desk, kind: str, target: str | int) -> bool:
    with desk.store._lock:  # the engine cache is read under the store's lock
        site = desk.store.site()
        if kind == "agent":
            return target in site.blacklisted_agents
        if kind == "channel":
            return target in site.blacklisted_channels
        if int(target) not in site.customers:
            raise FieldRefused("target", f"没有此客户 / no customer #{target}")
        return site.customers[site.resolve(int(target))].blacklisted


def _note_reason(desk: Desk, change: WriteResult, reason: str, customer: int | None) -> None:
    def work(session: Session) -> dict[str, Any]:
        ref = notes.add_note(session, desk.store.keyring, reason, customer, desk.store.clock.now(session))
        return {"entry": change.seq, "reason": ref}

    desk.store._journal_only(REASON_KIND, desk.actor, work)


def set_listed(desk: Desk, *, reason: str, listed: bool = True, customer_id: int | None = None,
               agent: str | None = None, channel: str | None = None) -> WriteResult:
    """Lists (or with `listed` False, unlists) exactly one of a customer, an agent, a channel."""
    desk.require("blacklist.edit")
    given = [(kind, value) for kind, value in (("customer", customer_id), ("agent", agent), ("channel", channel))
             if value is not None and value != ""]
    if len(given) != 1:
        raise FieldRefused("target", "请选择一个对象（客户、经纪人或渠道）/ choose one customer, agent or channel")
    kind, value = given[0]
    text = _reason(reason)
    if _is_listed(desk, kind, value) == listed:
        raise FieldRefused("target", "已在黑名单中 / already on the blacklist" if listed
                           else "不在黑名单中 / not on the blacklist")
    change = desk.blacklist(customer_id=customer_id, agent=agent, channel=channel, listed=listed)
    _note_reason(desk, change, text, change.customer_id if kind == "customer" else None)
    return change


def list_phone(desk: Desk, phone: str, reason: str) -> WriteResult:
    """Lists the customer with this full number, registering the number when nobody has it yet."""
    desk.require("blacklist.edit")
    try:
        keys = identity.phone_keys(desk.store.keyring, phone)
    except InvalidPhone as error:
        raise FieldRefused("target", str(error)) from None
    text = _reason(reason)
    known = desk.store.customer_id(phone)
    if known is not None and _is_listed(desk, "customer", known):
        raise FieldRefused("target", f"{keys.masked_display} 已在黑名单中 / already on the blacklist")
    change = desk.store.blacklist(phone=phone, listed=True, actor=desk.actor)
    _note_reason(desk, change, text, change.customer_id)
    return change
