"""Start screen: the live camera picture, the project's name and the four ways to check in. An
appointment QR code held up to the camera is read here without a tap; the entrance camera's consented,
enrolled faces are recorded as sightings (防飞单)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QWidget

from kiosk.screens.scan import QrScanning
from kiosk.widgets import Columns, Preview, Screen, button, label
from vision.camera import CameraState

SIGHTING_EVERY_S = 1.0  # face search on the entrance camera at most this often
SIGHTING_ONCE_PER_S = 4 * 3600  # one sighting per customer per visit (a visit: a few hours)


class StartScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("start")
        self.kiosk = kiosk
        self.qr = QrScanning(kiosk)
        self._last_identify = 0.0
        self.sighted: dict[str, float] = {}
        top = QHBoxLayout()
        corner = QWidget()
        corner.setObjectName("staff_corner")
        corner.setFixedSize(96, 96)
        top.addWidget(corner, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        title = label(kiosk.services.project_name, "project_title", size=44, bold=True)
        top.addWidget(title, 1)
        top.addSpacing(96)
        self.layout_.addLayout(top)
        self.layout_.addWidget(label(self.tr("欢迎莅临，请选择登记方式"), "start_subtitle", size=26))
        # for staff walking past: the database is away and check-ins wait on this kiosk (kiosk.site_link)
        self.site_status = label(self.tr("离线登记：数据库暂不可用，登记暂存本机，恢复后自动写入"), "site_status", size=18)
        self.site_status.setVisible(False)
        self.layout_.addWidget(self.site_status)
        body = Columns("start_body", stretch=((3, 2), (1, 0)))  # landscape: the picture beside the choices
        self.preview = Preview("preview")
        body.first.addWidget(self.preview, 1)
        self.camera_status = label("", "camera_status", size=22)
        body.first.addWidget(self.camera_status)
        self.choices = QGridLayout()
        self.choices.setSpacing(20)
        self.face = button(self.tr("刷脸登记"), "choice_face", "choice", height=120, on_click=self._face)
        self.qr_button = button(self.tr("扫码"), "choice_qr", "choice", height=120,
                                on_click=lambda: kiosk.show_screen("qr"))
        self.idcard = button(self.tr("刷身份证"), "choice_idcard", "choice", height=120, on_click=self._idcard)
        self.phone = button(self.tr("手机号登记"), "choice_phone", "choice", height=120, on_click=self._phone)
        body.second.addStretch(1)
        body.second.addLayout(self.choices)
        self.hint = label(self.tr("也可以直接把预约二维码对准摄像头"), "qr_hint", size=20)
        body.second.addWidget(self.hint)
        body.second.addStretch(1)
        self.layout_.addWidget(body, 1)
        self.arrange(False)
        kiosk.feed.availability_changed.connect(self._camera_availability)
        self.refresh()

    def arrange(self, landscape: bool) -> None:
        """The four choices: one column beside the picture in landscape, two by two below it in portrait."""
        super().arrange(landscape)
        for index, widget in enumerate((self.face, self.qr_button, self.idcard, self.phone)):
            self.choices.removeWidget(widget)
            self.choices.addWidget(widget, *((index, 0) if landscape else divmod(index, 2)))

    # --------------------------------------------------------------- choices
    def _face(self) -> None:
        self.kiosk.begin("face")
        self.kiosk.show_screen("consent")

    def _idcard(self) -> None:
        self.kiosk.begin("idcard")
        self.kiosk.show_screen("idcard")

    def _phone(self) -> None:
        self.kiosk.begin("phone")
        self.kiosk.show_screen("phone")

    def refresh(self) -> None:
        """Shows each choice as available or disabled with its reason."""
        camera_up = self.kiosk.feed.available
        has_faces = self.kiosk.services.faces is not None
        self.face.setEnabled(camera_up and has_faces)
        self.qr_button.setEnabled(camera_up)
        self.idcard.setEnabled(self.kiosk.reader_ok)
        if not camera_up:
            self.face.setText(self.tr("刷脸登记\n（摄像头暂不可用）"))
        else:
            self.face.setText(self.tr("刷脸登记") if has_faces else self.tr("刷脸登记\n（暂不可用）")
                              if self.kiosk.faces_failed else self.tr("刷脸登记\n（正在准备）"))
        self.qr_button.setText(self.tr("扫码") if camera_up else self.tr("扫码\n（摄像头暂不可用）"))
        self.idcard.setText(self.tr("刷身份证") if self.kiosk.reader_ok else self.tr("刷身份证\n（未连接读卡器）"))
        state = self.kiosk.feed.state
        if self.kiosk.services.camera is None:
            self.camera_status.setText(self.tr("未连接摄像头，请用身份证或手机号登记"))
        elif state == CameraState.RUNNING and self.kiosk.faces_failed:
            self.camera_status.setText(self.tr("人脸识别暂不可用，请用手机号、二维码或身份证登记"))
        elif state == CameraState.RUNNING:
            self.camera_status.setText("")
        elif state in (CameraState.LOST, CameraState.ENDED) and not self.kiosk.reader_ok:
            self.camera_status.setText(self.tr("摄像头暂不可用，正在重新连接；请用手机号登记"))
        elif state in (CameraState.LOST, CameraState.ENDED):
            self.camera_status.setText(self.tr("摄像头暂不可用，正在重新连接；请用身份证或手机号登记"))
        else:
            self.camera_status.setText(self.tr("正在连接摄像头…"))
        if not camera_up:
            self.preview.clear()
            self.preview.setText(self.tr("摄像头画面暂不可用"))
        self.hint.setVisible(camera_up)
        self.camera_status.setVisible(bool(self.camera_status.text()))
        self.site_status.setVisible(bool(getattr(self.kiosk, "offline", False)))

    def camera_state_changed(self, _state: str) -> None:
        self.refresh()
        if self.kiosk.current == "start":
            self.enter()

    def _camera_availability(self, up: bool) -> None:
        """Reception is told in staff mode's 提醒 once when the camera goes (missing at start, unplugged,
        no picture) and once when it is back; the feed logs both."""
        at = time.strftime("%H:%M", time.localtime(self.kiosk.services.wall_clock()))
        self.kiosk.services.alerts.append(f"{at} " + (
            self.tr("摄像头已恢复：刷脸和扫码登记可用") if up else
            self.tr("摄像头不可用：刷脸和扫码登记已暂停（访客可用手机号或身份证登记），请检查摄像头连接")))

    def show_frame(self, image: Any) -> None:
        if self.kiosk.feed.available:
            self.preview.show_frame(image)

    # ------------------------------------------------------ camera work here
    def enter(self) -> None:
        self.refresh()
        self.kiosk.set_frame_handler(self._process, self._on_result)

    def _process(self, frame: Any, t: float) -> Any:
        codes = self.qr.decode(frame)
        if codes:
            return ("qr", codes)
        faces = self.kiosk.services.faces
        if faces is not None and t - self._last_identify >= SIGHTING_EVERY_S:
            self._last_identify = t
            found = faces.identify(frame)
            if found:
                return ("faces", found)
        return None

    def _on_result(self, result: tuple[str, Any]) -> None:
        kind, value = result
        if kind == "qr":
            self.qr.handle(value)
        else:
            self.record_sightings(value)

    def record_sightings(self, customer_ids: list[str]) -> None:
        """A consented, enrolled face seen at the entrance: one sighting per customer per visit. Faces
        without consent are not in the gallery, so they are never stored or recorded."""
        from kiosk.lookup import face_of

        now = time.monotonic()
        store = self.kiosk.store
        for customer in customer_ids:
            if now - self.sighted.get(customer, -SIGHTING_ONCE_PER_S) < SIGHTING_ONCE_PER_S:
                continue
            self.sighted[customer] = now

            def record(cid: int = int(customer)) -> object:
                face = face_of(store, cid)
                return store.record_sighting(face) if face is not None else None

            self.kiosk.runner.run(record, on_error=lambda error: None)
