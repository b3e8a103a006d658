"""QR appointment: hold the code up to the camera; the appointment found for it is shown for the visitor
to confirm (张女士 138****5678 / 您预约了 10:00-11:00 / 置业顾问 李强) and 确认登记 checks them in for the
appointment's customer. A bad code gets its reason in plain words, with the phone path beside it."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from kiosk.screens.scan import QrScanning
from kiosk.widgets import Preview, Screen, button, label


class QrScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("qr")
        self.kiosk = kiosk
        self.scanning = QrScanning(kiosk)
        self.lookup_token = 0  # a lookup answered after the visitor moved on is dropped
        self.details: Any = None  # service.appointments.KioskAppointment being confirmed
        self.views = QStackedWidget()
        self.views.setObjectName("qr_views")
        self.scan_view = self._build_scan()
        self.confirm_view = self._build_confirm()
        self.views.addWidget(self.scan_view)
        self.views.addWidget(self.confirm_view)
        self.layout_.addWidget(self.views, 1)

    def _build_scan(self) -> QWidget:
        view = QWidget()
        view.setObjectName("qr_scan")
        column = QVBoxLayout(view)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(label(self.tr("请将预约二维码对准摄像头"), "qr_title", size=36, bold=True))
        self.preview = Preview("qr_preview")
        column.addWidget(self.preview, 1)
        self.error = label("", "qr_error", size=30, bold=True)
        self.error.setProperty("role", "error")
        column.addWidget(self.error)
        column.addWidget(button(self.tr("改用手机号登记"), "qr_phone", "secondary", height=88, on_click=self._phone))
        column.addWidget(button(self.tr("返回首页"), "qr_back", "secondary", height=88, on_click=self.kiosk.reset))
        return view

    def _build_confirm(self) -> QWidget:
        view = QWidget()
        view.setObjectName("qr_confirm")
        column = QVBoxLayout(view)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(24)
        column.addStretch(1)
        column.addWidget(label(self.tr("请确认您的预约"), "qr_confirm_title", size=36, bold=True))
        self.summary = label("", "qr_appointment", size=40, bold=True)
        column.addWidget(self.summary)
        column.addWidget(label(self.tr("确认后即完成登记"), "qr_confirm_hint", size=24))
        column.addStretch(1)
        self.submit_button = button(self.tr("确认登记"), "qr_submit", "primary", height=110, on_click=self._submit)
        column.addWidget(self.submit_button)
        column.addWidget(button(self.tr("不是我，改用手机号登记"), "qr_not_me", "secondary", height=88,
                                on_click=self._phone))
        column.addWidget(button(self.tr("返回首页"), "qr_confirm_back", "secondary", height=88,
                                on_click=self.kiosk.reset))
        return view

    def enter(self) -> None:
        self.lookup_token += 1
        self.details = None
        self.error.setText("")
        self.views.setCurrentWidget(self.scan_view)
        self.kiosk.set_frame_handler(lambda frame, _t: self.scanning.decode(frame) or None,
                                      self.scanning.handle)

    def show_error(self, text: str) -> None:
        self.views.setCurrentWidget(self.scan_view)
        self.error.setProperty("role", "error")
        self._restyle()
        self.error.setText(text)

    def show_looking_up(self) -> None:
        self.lookup_token += 1
        self.error.setProperty("role", "hint")
        self._restyle()
        self.error.setText(self.tr("正在查询预约…"))

    def show_appointment(self, details: Any) -> None:
        """The appointment for the visitor to confirm; the camera stops reading codes meanwhile."""
        self.details = details
        self.kiosk.set_frame_handler(None)
        window = f"{details.starts_at:%H:%M}-{details.ends_at:%H:%M}"
        lines = [" ".join(part for part in (details.surname, details.phone_masked) if part),
                 self.tr("您预约了 %1").replace("%1", window)]
        if details.consultant:  # who the write gives the visitor to (appointments.receiving), or unsaid
            lines.append(self.tr("置业顾问 %1").replace("%1", details.consultant))
        text = "\n".join(lines)
        self.summary.setText(text)
        self.submit_button.setEnabled(True)
        self.views.setCurrentWidget(self.confirm_view)

    def show_frame(self, image: Any) -> None:
        if self.views.currentWidget() is self.scan_view:
            self.preview.show_frame(image)

    def _restyle(self) -> None:
        self.error.style().unpolish(self.error)
        self.error.style().polish(self.error)

    def _submit(self) -> None:
        flow = self.kiosk.flow
        if flow is None or flow.appointment is None or self.details is None:
            return
        self.submit_button.setEnabled(False)  # one check-in per tap; the window ignores a second submit too
        self.kiosk.submit()

    def _phone(self) -> None:
        self.kiosk.begin("phone")
        self.kiosk.show_screen("phone")
