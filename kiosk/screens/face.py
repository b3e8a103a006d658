"""Face: live quality guidance ("请正对摄像头"), the liveness challenge, then a returning visitor to
confirm, or a new face that goes on to the phone path with its template kept for enrolment.

Who the face is (the gallery search and the store's read of their masked phone and name) is looked up
on a worker from the moment the face is usable, while the visitor answers the challenge; the answer
is shown once both are done."""

from __future__ import annotations

from concurrent.futures import Future
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
        self.attempts = 0  # a lookup answering for an earlier attempt is dropped
        self.looking_up = False
        self.found: tuple[bytes | None, Any] | None = None  # (template, KnownVisitor or None)
        self.passed = False
        self.interrupted = False  # the camera went while this attempt ran (or before it could start)

    def enter(self) -> None:
        self.attempts += 1
        self.looking_up, self.found, self.passed = False, None, False
        engine = self.kiosk.services.faces
        self.interrupted = engine is not None and not self.kiosk.feed.available
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
        if self.kiosk.current != "face" or self.passed:
            return
        if not self.kiosk.feed.available:
            self.kiosk.set_frame_handler(None)
            self.timeout.stop()
            self.guidance.setText(self.tr("摄像头暂不可用，请用手机号登记"))
            self.interrupted = True
        elif self.interrupted:  # the camera is back while the visitor still stands here: start again
            self.enter()

    def _step(self, step: steps.FaceStep) -> None:
        if self.kiosk.current != "face" or self.kiosk.flow is None:
            return
        if step.embedding is not None and not self.looking_up:
            self._look_up(step.embedding)  # the face is usable: find who it is during the challenge
        if step.state in (steps.GUIDE, steps.CHALLENGE):
            self.guidance.setText(QCoreApplication.translate("Vision", step.text))
            return
        self.kiosk.set_frame_handler(None)
        self.timeout.stop()
        if step.state == steps.FAILED:
            self.guidance.setText(self.tr("未能完成刷脸，请用手机号登记"))
            return
        self.passed = True
        if not self.looking_up and step.template is not None:
            self._look_up(step.template)
        if self.found is None:
            self.guidance.setText(self.tr("正在识别…"))
        self._answer()

    def _look_up(self, template: bytes | Future[bytes]) -> None:
        """The gallery search and the store's read, on a worker; the embedding is awaited there."""
        self.looking_up = True
        attempt, engine, store = self.attempts, self.kiosk.services.faces, self.kiosk.store

        def search() -> tuple[bytes, Any]:
            from kiosk.lookup import known_visitor

            computed = template.result(timeout=30) if isinstance(template, Future) else template
            customer = engine.match(computed)
            return computed, known_visitor(store, int(customer)) if customer is not None else None

        def found(result: tuple[bytes | None, Any]) -> None:
            if attempt == self.attempts:
                self.found = result
                self._answer()

        kept = template if isinstance(template, bytes) else None  # a failed embedding leaves none to enrol
        self.kiosk.runner.run(search, on_done=found, on_error=lambda _error: found((kept, None)))

    def _answer(self) -> None:
        """The challenge passed and the lookup answered: the returning visitor, or the new-face path."""
        if not self.passed or self.found is None:
            return
        flow = self.kiosk.flow
        if self.kiosk.current != "face" or flow is None:
            return
        flow.template, known = self.found
        self._matched(known)

    def _matched(self, known: Any) -> None:
        flow = self.kiosk.flow
        assert flow is not None
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
