"""`Desk`: a logged-in user's door to the store. Every write goes through a Desk, which
- refuses what the user's role may not do (service.roles), before anything is read or written; for a
  signed-in user, as the database has them at that moment: a user disabled since signing in is refused
  (SessionEnded: the station ends the session) and a changed role counts from the next act;
- keeps a consultant to their own customers (and the pool, for a claim);
- names the user as the actor of the journal entry;
- works on customer ids: the console never holds a full phone number. The number is decrypted inside
  the store only to reach the store's phone-keyed operations, and never returned, except by `reveal`,
  which needs a reason and is journalled.

Pages add their own operations as functions taking a Desk (e.g. service/appointments.py); they call
`desk.require(...)` / `desk.require_customer(...)` first, as the methods here do.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from db import identity, text_rules
from db.database import read_session
from judge.cases import closed_warning
from judge.reasons import WARNING_CLOSED, EngineError, WarningClosed
from service import users
from service.roles import PermissionDenied, SessionEnded, can
from service.users import User

if TYPE_CHECKING:
    from collections.abc import Sequence

    from service.reception import Source
    from service.store import Step, Store, WriteResult

REVEAL = "reveal_phone"  # journal kind of a full-number reveal (db.admin / the audit page list them)
MIN_REASON = 4  # characters: a reason of a word or two, not "x"
MIN_NOTE = 2  # characters: a warning step's note (已回访)
# The warning workflow (DESIGN.md): consultant follow-up -> manager intervention -> resolved, dismissed or
# blacklisted. A follow-up or an intervention may be noted again; a closed warning stays closed (the engine
# refuses a step on it too, so two managers closing one warning at once cannot both succeed).
_CLOSE = tuple(WARNING_CLOSED)
WARNING_STEPS: dict[str, tuple[str, ...]] = {
    "open": ("following", "intervened", *_CLOSE),
    "following": ("following", "intervened", *_CLOSE),
    "intervened": ("intervened", *_CLOSE),
}


def national_format(phone: str) -> str:
    """+8613812345678 -> 138 1234 5678, as a person reads it out."""
    import phonenumbers

    return phonenumbers.format_number(phonenumbers.parse(phone, "CN"), phonenumbers.PhoneNumberFormat.NATIONAL)


class Desk:
    def __init__(self, store: Store, user: User) -> None:
        self.store = store
        self.user = user

    # ------------------------------------------------------------ who may do what
    @property
    def role(self) -> str:
        return self.user.role

    @property
    def actor(self) -> str:
        return self.user.name

    @property
    def consultant(self) -> str | None:
        """The consultant this user is (a consultant's own view), else None."""
        return self.user.consultant if self.user.role == "consultant" else None

    def can(self, permission: str) -> bool:
        return can(self.user.role, permission)

    def require(self, permission: str) -> None:
        self.recheck()
        if not self.can(permission):
            raise PermissionDenied(f"无权限 / {self.user.name} ({self.user.role}) may not {permission}")

    def recheck(self) -> None:
        """A signed-in user read again: a session outlives neither its user nor the role it began with."""
        if not self.user.signed_in:
            return  # a tool's own Desk (the CLI's reports, the demo): no session to end
        now = users.reread(self.store, self.user)
        if now is None or not now.active:
            raise SessionEnded(f"账号已停用，请重新登录 / user {self.user.name!r} is disabled: the session has ended")
        self.user = now

    def sees_all_customers(self) -> bool:
        return self.can("customers.view_all")

    def owner_of(self, customer_id: int, at: datetime | None = None) -> str:
        """The customer's owner now: a consultant, "pool" or "none" (judge.CustomerView.owner)."""
        site = self.store.site()
        if customer_id not in site.customers:
            raise EngineError(f"没有此客户 / no customer #{customer_id}")
        return site.customer_view(site.resolve(customer_id), at or self.store.now()).owner

    def require_customer(self, permission: str, customer_id: int, *, pool_ok: bool = False) -> None:
        """`permission`, and for a consultant: the customer is theirs (or in the pool, when `pool_ok`)."""
        self.require(permission)
        if self.consultant is None:
            return
        owner = self.owner_of(customer_id)
        if owner == self.consultant or (pool_ok and owner == "pool"):
            return
        raise PermissionDenied(f"不是您的客户 / customer #{customer_id} is not {self.consultant}'s")

    def _as_consultant(self, consultant: str | None) -> str:
        """The consultant a customer action is done as: a consultant always acts as themself."""
        if self.consultant is not None:
            if consultant not in (None, self.consultant):
                raise PermissionDenied(f"只能以本人名义操作 / {self.user.name} acts only as {self.consultant}")
            return self.consultant
        if not consultant:
            raise EngineError("请选择置业顾问 / choose a consultant")
        return consultant

    def _phone(self, customer_id: int) -> str:
        """The customer's number (E.164), for the store's phone-keyed operations only."""
        with read_session(self.store.engine) as session:
            phone = identity.reveal_phone(session, self.store.keyring, customer_id)
        if phone is None:
            raise EngineError(f"客户 #{customer_id} 的号码已删除 / customer #{customer_id} was erased")
        return phone

    # ------------------------------------------------------------ customers
    def follow_up(self, customer_id: int, note: str, consultant: str | None = None) -> WriteResult:
        self.require_customer("customers.follow_up", customer_id)
        return self.store.follow_up(self._phone(customer_id), self._as_consultant(consultant), note,
                                    actor=self.actor)

    def change_stage(self, customer_id: int, stage: str, consultant: str | None = None) -> WriteResult:
        self.require_customer("customers.stage", customer_id)
        return self.store.change_stage(self._phone(customer_id), self._as_consultant(consultant), stage,
                                       actor=self.actor)

    def release(self, customer_id: int, consultant: str | None = None) -> WriteResult:
        self.require_customer("customers.release", customer_id)
        return self.store.release(self._phone(customer_id), self._as_consultant(consultant), actor=self.actor)

    def assign(self, customer_id: int, consultant: str) -> WriteResult:
        self.require("customers.assign")
        return self.store.assign(self._phone(customer_id), consultant, actor=self.actor)

    def claim(self, customer_id: int) -> WriteResult:
        self.require_customer("pool.claim", customer_id, pool_ok=True)
        return self.store.claim(self._phone(customer_id), self._as_consultant(None), actor=self.actor)

    def reveal(self, customer_id: int, reason: str) -> str:
        """The full number, for a manager with a written reason; the reveal itself is journalled."""
        self.require("customers.reveal")
        reason = text_rules.check_text(reason, "原因", "reason")
        if len(reason) < MIN_REASON:
            raise EngineError(f"请写明原因（至少 {MIN_REASON} 个字）/ give a reason of {MIN_REASON} characters or more")
        phone = self._phone(customer_id)
        from db import notes

        def work(session: Any) -> dict[str, Any]:
            ref = notes.add_note(session, self.store.keyring, reason, customer_id, self.store.clock.now(session))
            return {"customer": customer_id, "reason": ref}

        self.store._journal_only(REVEAL, self.actor, work)
        return national_format(phone)

    # ------------------------------------------------------------ reception
    def confirm_checkin(self, customer_id: int) -> WriteResult:
        self.require("reception.confirm")
        return self.store.confirm_visit(self._phone(customer_id), by=self.actor, actor=self.actor)

    def dismiss_checkin(self, visit_seq: int) -> WriteResult:
        self.require("reception.confirm")
        return self.store.dismiss_checkin(visit_seq, by=self.actor, actor=self.actor)

    def correct_checkin(self, visit_seq: int, phone: str) -> WriteResult:
        self.require("reception.confirm")
        return self.store.correct_checkin(visit_seq, phone, by=self.actor, actor=self.actor)

    def set_busy(self, consultant: str, busy: bool) -> WriteResult:
        self.require("duty.busy")
        return self.store.set_busy(consultant, busy, actor=self.actor)

    def set_duty(self, consultants: list[str]) -> WriteResult:
        self.require("duty.edit")
        return self.store.set_duty(consultants, actor=self.actor)

    def set_sources(self, sources: Sequence[Source]) -> None:
        """The project's check-in sources (service/reception.py), from the kiosk's staff settings."""
        self.require("sources.edit")
        from service import reception

        reception.set_sources(self.store, list(sources), actor=self.actor)

    # ------------------------------------------------------------ cases, warnings, blacklist, rules
    def decide_case(self, case_id: int, verdict: str, reason: str) -> WriteResult:
        """Against the recommendation only with a written reason of MIN_REASON characters (the engine
        itself refuses an empty one); a case decided meanwhile by another manager is refused by the
        engine inside the write, naming who decided it."""
        self.require("cases.decide")
        case = self.store.site().cases.get(case_id)
        reason = text_rules.check_text(reason, "裁决理由", "reason")
        if case is not None and verdict != case.recommended and len(reason) < MIN_REASON:
            raise EngineError(f"推翻建议裁决必须写明理由（至少 {MIN_REASON} 个字）/ overriding the recommended "
                              f"verdict needs a written reason of {MIN_REASON} characters or more")
        return self.store.decide_case(case_id, verdict, reason, by=self.actor)

    def update_warning(self, warning_id: int, status: str, note: str) -> WriteResult:
        """One step of the warning workflow (WARNING_STEPS), with its note; a consultant may only follow up,
        and only on a warning about their own customer."""
        self.check_warning_step(warning_id, status, note)
        return self.store.update_warning(warning_id, status, note.strip(), by=self.actor)

    def check_warning_step(self, warning_id: int, status: str, note: str) -> None:
        """Refuses (before anything is written) a step the user may not take, or that the workflow does not
        allow from the warning's status now, or that comes without a note."""
        self.require("warnings.follow_up" if status == "following" else "warnings.decide")
        warning = self.store.site().warnings.get(warning_id)
        if warning is None:
            raise EngineError(f"没有此预警 / no warning #{warning_id}")
        if self.consultant is not None:
            if warning.customer is None:
                raise PermissionDenied(f"不是您的客户 / warning #{warning_id} is about no customer of "
                                       f"{self.consultant}'s")
            self.require_customer("warnings.follow_up", warning.customer)
        closed = closed_warning(warning)
        if closed is not None:
            raise WarningClosed(closed)
        if status not in WARNING_STEPS.get(warning.status, ()):
            raise EngineError(f"预警 #{warning_id} 当前状态为 {warning.status}，不能改为 {status} / warning "
                              f"#{warning_id} is {warning.status}: it cannot go to {status}")
        if len(text_rules.check_text(note, "处理说明", "note")) < MIN_NOTE:
            raise EngineError(f"请填写处理说明（至少 {MIN_NOTE} 个字）/ write a note of {MIN_NOTE} characters or more")

    def blacklist(self, *, customer_id: int | None = None, agent: str | None = None, channel: str | None = None,
                  listed: bool = True, also: Sequence[Step] = ()) -> WriteResult:
        """`also`: entries written with the change in one transaction (its reason, the warning it closes)."""
        self.require("blacklist.edit")
        phone = self._phone(customer_id) if customer_id is not None else None
        return self.store.blacklist(phone=phone, agent=agent, channel=channel, listed=listed, actor=self.actor,
                                    also=also)

    def record_report(self, channel: str, agent: str, phone: str, name: str | None = None) -> WriteResult:
        self.require("reports.enter")
        return self.store.record_report(channel, agent, phone, name, actor=self.actor)

    def accept_clock(self) -> int:
        """`anchang clock accept` at this station, by an administrator (db/clock.py): its journal entry."""
        self.require("clock.accept")
        return self.store.accept_clock(actor=self.actor)
