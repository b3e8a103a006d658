"""A returning face: "欢迎回来，张女士 — 138****5678 是您吗？". The match is evidence for the visitor to
confirm, never a verdict: 不是我 goes on as a new visitor by phone."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout

from kiosk.checkin import face_key
from kiosk.widgets import Screen, button, label


class ReturningScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("returning")
        self.kiosk = kiosk
        self.known: Any = None
        self.layout_.addStretch(1)
        self.question = label("", "returning_question", size=40, bold=True)
        self.layout_.addWidget(self.question)
        self.layout_.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addWidget(button(self.tr("不是我"), "returning_no", "secondary", height=110, on_click=self._no))
        row.addWidget(button(self.tr("是"), "returning_yes", "primary", height=110, on_click=self._yes))
        self.layout_.addLayout(row)

    def ask(self, known: Any) -> None:
        self.known = known
        who = known.display or self.tr("您好")
        self.question.setText(self.tr("欢迎回来，%1 — %2 是您吗？").replace("%1", who).replace("%2", known.masked))

    def _yes(self) -> None:
        flow, known = self.kiosk.flow, self.known
        if flow is None or known is None:
            return
        flow.phone = known.phone
        flow.id_name = known.display  # the name on record, not re-asked
        flow.face = known.face or (face_key(flow.consent_id) if flow.consent_id is not None else None)
        self.kiosk.show_screen("source")

    def _no(self) -> None:
        flow = self.kiosk.flow
        self.known = None
        if flow is not None and flow.consent_id is not None:
            flow.face = face_key(flow.consent_id)  # a new person: their own face key and template
        self.kiosk.show_screen("phone")
