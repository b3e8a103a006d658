"""QR appointment: hold the code up to the camera; a bad code gets its reason in plain words."""

from __future__ import annotations

from typing import Any

from kiosk.screens.scan import QrScanning
from kiosk.widgets import Preview, Screen, button, label


class QrScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("qr")
        self.kiosk = kiosk
        self.scanning = QrScanning(kiosk)
        self.layout_.addWidget(label(self.tr("请将预约二维码对准摄像头"), "qr_title", size=36, bold=True))
        self.preview = Preview("qr_preview")
        self.layout_.addWidget(self.preview, 1)
        self.error = label("", "qr_error", size=30, bold=True)
        self.error.setProperty("role", "danger")
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(button(self.tr("改用手机号登记"), "qr_phone", "secondary", height=88,
                                      on_click=self._phone))
        self.layout_.addWidget(button(self.tr("返回首页"), "qr_back", "secondary", height=88,
                                      on_click=kiosk.reset))

    def enter(self) -> None:
        self.error.setText("")
        self.kiosk.set_frame_handler(lambda frame, _t: self.scanning.decode(frame) or None,
                                      self.scanning.handle)

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def show_frame(self, image: Any) -> None:
        self.preview.show_frame(image)

    def _phone(self) -> None:
        self.kiosk.begin("phone")
        self.kiosk.show_screen("phone")
