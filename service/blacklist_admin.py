"""The 黑名单 page's writes, behind a Desk: list or unlist a customer, an agent or a channel, with a
written reason; and list a number nobody has registered yet (a known troublemaker's phone, typed in
full by the manager: it becomes a customer, listed, so the kiosk and the engine know it).

The reason is free text, so it is a note (db/notes.py, under the customer's key when a customer is
listed); a `blacklist_reason` journal entry right after the change binds the note's ref to the
change's journal number. The engine's blacklist fact has no room for it, hence the second entry, written
in the change's own transaction: a change never stands without its reason.

拉黑 on a warning (预警) lists its customer, agent or channel and closes the warning as blacklisted in
one write too, the warning's note serving as the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from db import identity, notes, text_rules
from db.personal import InvalidPhone
from judge.facts import NATURAL
from service.desk import MIN_REASON, Desk
from service.staff_admin import FieldRefused
from service.store import Step, WriteResult

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

REASON_KIND = "blacklist_reason"  # journal kind: {"entry": seq of the blacklist change, "reason": note ref}


def _reason(text: str) -> str:
    reason = text_rules.check_text(text, "原因", "reason", error=lambda message: FieldRefused("reason", message))
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


def reason_step(desk: Desk, reason: str, of_customer: bool) -> Step:
    """The `blacklist_reason` entry of the change just before it in the same write (its first step); the
    note is kept under the listed customer's key when `of_customer`."""
    def entry(session: Session, earlier: list[Any], at: datetime) -> dict[str, Any]:
        change = earlier[0]
        assert isinstance(change, WriteResult)
        ref = notes.add_note(session, desk.store.keyring, reason, change.customer_id if of_customer else None, at)
        return {"entry": change.seq, "reason": ref}

    return Step(REASON_KIND, entry=entry)


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
    return desk.blacklist(customer_id=customer_id, agent=agent, channel=channel, listed=listed,
                          also=(reason_step(desk, text, kind == "customer"),))


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
    return desk.store.blacklist(phone=phone, listed=True, actor=desk.actor, also=(reason_step(desk, text, True),))


def blacklist_for_warning(desk: Desk, warning_id: int, note: str, target: tuple[str, Any] | None) -> WriteResult:
    """拉黑 on a warning: `target` (("customer_id", 12), ("agent", "周杰") or ("channel", "贝壳"); None: the
    warning only) listed with the note as its reason, unless it is listed already, and the warning closed
    as blacklisted, all in one write; refused whole when either step may not be taken. Returns the first
    entry's result: the blacklist change's, or the warning update's when nothing is listed."""
    desk.check_warning_step(warning_id, "blacklisted", note)
    note = note.strip()
    close = desk.store.warning_step(warning_id, "blacklisted", note, by=desk.actor)
    if target is not None:
        field, value = target
        kind = "customer" if field == "customer_id" else field
        desk.require("blacklist.edit")
        if not _is_listed(desk, kind, value):
            return desk.blacklist(**{field: value}, also=(reason_step(desk, note, kind == "customer"), close))
    return desk.update_warning(warning_id, "blacklisted", note)


def warning_targets(customer_id: int | None, agent: str | None, channel: str | None) -> dict[str, tuple[str, Any]]:
    """Who a warning can put on the blacklist as it closes: its customer, and the agent and channel that
    brought them (a natural visit has neither)."""
    found: dict[str, tuple[str, Any]] = {}
    if customer_id is not None:
        found["customer_id"] = ("customer_id", customer_id)
    if agent:
        found["agent"] = ("agent", agent)
    if channel and channel != NATURAL:
        found["channel"] = ("channel", channel)
    return found
