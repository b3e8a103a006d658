"""Face: live quality guidance ("请正对摄像头"), the liveness challenge, then a returning visitor to
confirm, or a new face that goes on to the phone path with its template kept for enrolment."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer

from kiosk import faces as steps
from kiosk.checkin import face_key
from kiosk.widgets import Preview, Screen, button, label


class FaceScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("face")
        self.kiosk = kiosk
        self.layout_.addWidget(label(self.tr("刷脸登记"), "face_title", size=40, bold=True))
        self.preview = Preview("face_preview")
        self.layout_.addWidget(self.preview, 1)
        self.guidance = label("", "face_guidance", size=34, bold=True)
        self.layout_.addWidget(self.guidance)
        self.cancel = button(self.tr("改用手机号登记"), "face_cancel", "secondary", height=88,
                             on_click=self._to_phone)
        self.layout_.addWidget(self.cancel)
        self.timeout = QTimer(self)
        self.timeout.setSingleShot(True)
        self.timeout.setInterval(kiosk.services.timings.face_timeout_ms)
        self.timeout.timeout.connect(lambda: self._step(steps.FaceStep(steps.FAILED, "")))
        self.attempt: Any = None

    def enter(self) -> None:
        engine = self.kiosk.services.faces
        if engine is None or not self.kiosk.feed.available:
            self.guidance.setText(self.tr("摄像头暂不可用，请用手机号登记"))
            return
        self.guidance.setText(self.tr("请正对摄像头"))
        self.attempt = engine.attempt()
        self.kiosk.set_frame_handler(self.attempt.feed, self._step)
        self.timeout.start()

    def show_frame(self, image: Any) -> None:
        self.preview.show_frame(image)

    def camera_state_changed(self, _state: str) -> None:
        if self.kiosk.current == "face" and not self.kiosk.feed.available:
            self.kiosk.set_frame_handler(None)
            self.timeout.stop()
            self.guidance.setText(self.tr("摄像头暂不可用，请用手机号登记"))

    def _step(self, step: steps.FaceStep) -> None:
        if self.kiosk.current != "face" or self.kiosk.flow is None:
            return
        if step.state in (steps.GUIDE, steps.CHALLENGE):
            self.guidance.setText(QCoreApplication.translate("Vision", step.text))
            return
        self.kiosk.set_frame_handler(None)
        self.timeout.stop()
        if step.state == steps.FAILED:
            self.guidance.setText(self.tr("未能完成刷脸，请用手机号登记"))
            return
        flow = self.kiosk.flow
        flow.template = step.template
        self.guidance.setText(self.tr("正在识别…"))
        engine = self.kiosk.services.faces
        store = self.kiosk.store

        def search() -> Any:
            from kiosk.lookup import known_visitor

            customer = engine.match(step.template)
            return known_visitor(store, int(customer)) if customer is not None else None

        self.kiosk.runner.run(search, on_done=self._matched, on_error=lambda _e: self._matched(None))

    def _matched(self, known: Any) -> None:
        flow = self.kiosk.flow
        if self.kiosk.current != "face" or flow is None:
            return
        if known is None:
            if flow.consent_id is not None:
                flow.face = face_key(flow.consent_id)
            self.kiosk.show_screen("phone")
            return
        self.kiosk.screen("returning").ask(known)
        self.kiosk.show_screen("returning")

    def _to_phone(self) -> None:
        self.timeout.stop()
        if self.kiosk.flow is not None:
            self.kiosk.flow.method = "phone"
            self.kiosk.flow.template = None
        self.kiosk.show_screen("phone")
