"""A returning visitor: "欢迎回来，张女士 — 138****5678 是您吗？" for a face the gallery knows, and
"张女士 · 138****5678，是您吗？" for a number typed on the phone screen that the site knows. Either match is
evidence for the visitor to confirm, never a verdict. 是 goes on to how they came, with the name on record
(not asked again); 不是我 after a face goes on as a new visitor by phone; 不是 after a typed number (most
likely a family member sharing the phone) goes on to the surname question, as a new visitor's would.

The typed number is looked up on a worker; the visitor never waits for it: an answer not back within
PHONE_LOOKUP_MS leaves the surname question to be asked, as before, and the late answer is dropped."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout

from db.personal import InvalidPhone, normalize_phone
from kiosk import lookup
from kiosk.checkin import face_key
from kiosk.widgets import Screen, button, label

PHONE_LOOKUP_MS = 300


def same_number(a: str, b: str) -> bool:
    try:
        return normalize_phone(a) == normalize_phone(b)
    except InvalidPhone:
        return False


class ReturningScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("returning")
        self.kiosk = kiosk
        self.known: Any = None
        self.via = "face"  # how the visitor was recognised: "face" | "phone"
        self.layout_.addStretch(1)
        self.question = label("", "returning_question", size=40, bold=True)
        self.layout_.addWidget(self.question)
        self.layout_.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.no = button(self.tr("不是我"), "returning_no", "secondary", height=110, on_click=self._no)
        row.addWidget(self.no)
        row.addWidget(button(self.tr("是"), "returning_yes", "primary", height=110, on_click=self._yes))
        self.layout_.addLayout(row)
        self.lookups = 0  # a phone lookup answering after its time, or a newer one, is dropped
        self.waiting = QTimer(self)
        self.waiting.setSingleShot(True)
        self.waiting.setInterval(PHONE_LOOKUP_MS)
        self.waiting.timeout.connect(self._phone_too_slow)
        self._asking: Any = None  # the flow whose typed number is being looked up
        self._declined: tuple[str, int] | None = None  # (flow ref, customer) answered 不是: not asked again
        self._named: tuple[str, str] | None = None  # (flow ref, phone) whose confirmation gave the name

    def ask(self, known: Any, via: str = "face") -> None:
        self.known, self.via = known, via
        who = known.display or self.tr("您好")
        if via == "phone":
            self.question.setText(self.tr("%1 · %2，是您吗？").replace("%1", who).replace("%2", known.masked))
            self.no.setText(self.tr("不是"))
            return
        self.question.setText(self.tr("欢迎回来，%1 — %2 是您吗？").replace("%1", who).replace("%2", known.masked))
        self.no.setText(self.tr("不是我"))

    # ------------------------------------------------------------- the phone path
    def after_phone(self, flow: Any) -> None:
        """The phone screen's 下一步 (flow.phone is set): a known number is asked about, if its lookup
        answers in time; else the surname question, or how they came when an ID card gave the name."""
        if self._named is not None and self._named[0] == flow.ref and not same_number(self._named[1], flow.phone):
            flow.id_name, self._named = None, None  # that name came with another number: not this one's
        if flow.id_name:
            self.kiosk.show_screen("source")
            return
        self.lookups += 1
        token, self._asking = self.lookups, flow
        self.waiting.start()
        self.kiosk.runner.run(lookup.known_by_phone, self.kiosk.store, flow.phone,
                              on_done=lambda known: self._phone_answer(token, flow, known),
                              on_error=lambda _error: self._phone_answer(token, flow, None))

    def _still_typing(self, flow: Any) -> bool:
        """Is the visitor still on the phone screen with this flow and this number?"""
        digits = getattr(self.kiosk.screen("phone"), "digits", flow.phone)
        return self.kiosk.current == "phone" and self.kiosk.flow is flow and same_number(digits, flow.phone)

    def _phone_answer(self, token: int, flow: Any, known: Any) -> None:
        if token != self.lookups or not self._still_typing(flow):
            return  # too late: the visitor went on (or left, or changed the number)
        self.waiting.stop()
        self.lookups += 1
        if known is None or known.display is None or self._declined == (flow.ref, known.customer_id):
            self.kiosk.show_screen("visitor")  # nobody to greet by name: asked as a new visitor
            return
        self.ask(known, via="phone")
        self.kiosk.show_screen("returning")

    def _phone_too_slow(self) -> None:
        flow = self._asking
        self.lookups += 1  # its answer, when it comes, is dropped
        if flow is not None and self._still_typing(flow):
            self.kiosk.show_screen("visitor")

    # ------------------------------------------------------------------- answers
    def _yes(self) -> None:
        flow, known = self.kiosk.flow, self.known
        if flow is None or known is None:
            return
        if self.via == "face":
            flow.phone = known.phone
            flow.face = known.face or (face_key(flow.consent_id) if flow.consent_id is not None else None)
        flow.id_name = known.name  # the name on record, not asked again (shown only masked)
        self._named = (flow.ref, flow.phone)
        self.kiosk.show_screen("source")

    def _no(self) -> None:
        flow, known = self.kiosk.flow, self.known
        self.known = None
        if self.via == "phone":
            if flow is not None and known is not None:
                self._declined = (flow.ref, known.customer_id)
            self.kiosk.show_screen("visitor")  # someone sharing the number: their own name, as a new visitor
            return
        if flow is not None and flow.consent_id is not None:
            flow.face = face_key(flow.consent_id)  # a new person: their own face key and template
        self.kiosk.show_screen("phone")
