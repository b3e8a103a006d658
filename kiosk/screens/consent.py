"""Separate consent to face recognition: the notice, 同意 or 不同意（用其他方式）. Declining leads straight
to the phone path, as quick and with the same rights. The notice version is recorded with the consent."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout

from db.database import DatabaseUnavailable
from kiosk.widgets import Screen, button, label
from ui.consent_notice import default_notice


class ConsentScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("consent")
        self.kiosk = kiosk
        self.layout_.addWidget(label(self.tr("人脸识别授权"), "consent_title", size=40, bold=True))
        # The notice is what the visitor agrees to: large enough to read standing, left-aligned in a card.
        card = QFrame()
        card.setProperty("role", "card")
        column = QVBoxLayout(card)
        column.setContentsMargins(40, 40, 40, 40)
        column.setSpacing(24)
        self.notice = label(self.notice_text(), "consent_notice", size=32)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        column.addWidget(self.notice)
        self.version = label(self.tr("告知书版本：%1").replace("%1", kiosk.services.notice_version),
                             "consent_version", size=20)
        self.version.setAlignment(Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.version)
        self.layout_.addStretch(1)
        self.layout_.addWidget(card)
        self.layout_.addStretch(1)
        self.message = label("", "consent_message", size=22)
        self.layout_.addWidget(self.message)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.decline = button(self.tr("不同意（用其他方式）"), "consent_no", "secondary", height=96,
                              on_click=self._decline)
        self.accept = button(self.tr("同意"), "consent_yes", "primary", height=96, on_click=self._accept)
        row.addWidget(self.decline)
        row.addWidget(self.accept)
        self.layout_.addLayout(row)

    def notice_text(self) -> str:
        """The site's own notice as written (set in the first-run wizard), else the default in the kiosk's
        language (ui/consent_notice.py)."""
        return self.kiosk.services.notice_text or default_notice()

    def enter(self) -> None:
        self.message.setText("")
        self.accept.setEnabled(True)

    def _decline(self) -> None:
        if self.kiosk.flow is not None:
            self.kiosk.flow.method = "phone"
        self.kiosk.show_screen("phone")

    def _accept(self) -> None:
        self.accept.setEnabled(False)
        version = self.kiosk.services.notice_version
        self.kiosk.runner.run(self.kiosk.store.record_consent, version, on_done=self._recorded,
                              on_error=self._failed)

    def _recorded(self, consent_id: int) -> None:
        if self.kiosk.flow is None or self.kiosk.current != "consent":
            return  # the visitor left meanwhile
        self.kiosk.flow.consent_id = consent_id
        self.kiosk.show_screen("face")

    def _failed(self, error: BaseException) -> None:
        self.accept.setEnabled(True)
        if isinstance(error, DatabaseUnavailable):
            self.message.setText(self.tr("暂时无法刷脸登记，请用手机号登记"))
        else:
            self.message.setText(self.tr("授权未能记录，请用手机号登记"))
