"""`anchang-kiosk --tour DIR`: every screen and state, rendered with the demo week to numbered PNGs.

Runs on a temporary demo database (admin.demo), a still frame of the demo video as the camera, a
scripted face engine, the simulated ID-card reader on a pty, and appointment codes signed with the
temporary site key (one booked in the store, shown prefilled for the visitor to confirm): what a visitor
would see, without a camera, a reader or a real database. The kiosk's clock is the demo's clock.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

TOUR_PIN = "2468"
RETURNING_PHONE = "13812345678"


class Tour:
    def __init__(self, app: QApplication, out: Path, window: Any) -> None:
        self.app, self.out, self.window = app, out, window
        self.count = 0
        self.started = time.monotonic()

    def settle(self, seconds: float = 5.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.app.processEvents()
            if self.window.runner.pending == 0:
                break
            time.sleep(0.01)
        for _ in range(5):  # deleteLater and layout requests
            self.app.processEvents()
            time.sleep(0.02)

    def snap(self, name: str, before: Callable[..., object] | None = None) -> None:
        if before is not None:
            before()
        self.settle()
        self.count += 1
        log.debug("tour %02d %s at %.1f s", self.count, name, time.monotonic() - self.started)
        self.window.grab().save(str(self.out / f"{self.count:02d}_{name}.png"))

    def press(self, name: str) -> None:
        from PySide6.QtWidgets import QPushButton

        widget = self.window.stack.currentWidget().findChild(QPushButton, name)
        assert widget is not None, name
        widget.click()
        self.settle()


def _demo_store(directory: Path) -> Any:
    from admin.demo import DemoWeek
    from db import migrate, users
    from db.database import make_engine
    from db.keys import Keyring
    from db.service import ManualClock, Store
    from judge.rules import RuleSet

    engine = make_engine(f"sqlite:///{directory / 'tour.sqlite3'}")
    migrate.upgrade(engine)
    zone = RuleSet().timezone
    clock = ManualClock(datetime.now(UTC))
    store = Store(engine, Keyring.create(directory / "keys"), clock=clock, station="kiosk-tour")
    DemoWeek(store, clock, datetime.now(zone).date(), zone).play()
    users.add_user(store, "前台小王", "receptionist", TOUR_PIN)
    store.register_visit(RETURNING_PHONE, name="张女士", actor="kiosk")
    consent = store.record_consent("face-notice-2025-06", RETURNING_PHONE)
    store.enrol_face(RETURNING_PHONE, b"\x07" * 512, consent)
    store.register_visit("13900001234", name="刘先生", verified=False, actor="kiosk")
    store.register_visit("15012348888", name="陈女士", verified=False, actor="kiosk")
    return store


def run_tour(app: QApplication, out: Path, lang: str = "zh") -> int:
    from kiosk.checkin import Outcome
    from kiosk.fakes import FakeCamera, ScriptedFaceEngine, demo_frame
    from kiosk.services import KioskServices
    from kiosk.window import KioskWindow
    from vision.camera import CameraState
    from vision.idcard.simulator import CardImage, SimulatedReader
    from vision.qr import Appointment, AppointmentSigner, AppointmentVerifier

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="anchang-tour-") as temp, SimulatedReader() as reader:
        store = _demo_store(Path(temp))
        customer = store.customer_id(RETURNING_PHONE)
        faces = ScriptedFaceEngine(template=b"\x07" * 512, matches={b"\x07" * 512: str(customer)})
        signer = AppointmentSigner(store.keyring.signing_key)
        camera = FakeCamera(demo_frame())
        services = KioskServices(store=store, camera=camera, faces=faces, reader_port=reader.port,
                                 verifier=AppointmentVerifier([store.keyring.verify_key], "anchang"),
                                 wall_clock=lambda: store.clock.at.timestamp(),
                                 alerts=["18:02 黑名单登记 / blacklisted check-in: 136****0000"])
        window = KioskWindow(services)
        window.allow_close = True
        window.resize(1080, 1920)
        window.show()
        window.start()
        tour = Tour(app, out, window)
        time.sleep(0.2)
        tour.snap("start")
        # face: consent, guidance, returning visitor
        tour.press("choice_face")
        tour.snap("consent")
        assert window.flow is not None  # the consent screen started a check-in
        window.flow.consent_id = 1
        window.show_screen("face")
        window.set_frame_handler(None)
        window.screen("face").guidance.setText(QCoreApplication.translate("Vision", "请正对摄像头"))
        tour.snap("face_guidance")
        known = _known(store, customer)
        window.screen("returning").ask(known)
        tour.snap("returning", lambda: window.show_screen("returning"))
        # phone path
        window.reset()
        tour.press("choice_phone")
        tour.snap("phone_empty")
        for digit in "1381234":
            tour.press(f"digits_{digit}")
        tour.snap("phone_typing")
        for digit in "0000":
            tour.press(f"digits_{digit}")
        tour.snap("phone_invalid")
        tour.press("digits_C")
        for digit in "13912345678":
            tour.press(f"digits_{digit}")
        tour.snap("phone_valid")
        tour.press("phone_next")
        tour.press("visitor_next")
        tour.snap("visitor_missing_name")
        for name in ("surname_张", "title_ms", "intent_三房", "intent_90–120㎡"):
            tour.press(name)
        tour.snap("visitor_filled")
        tour.press("visitor_next")
        tour.snap("source_natural")
        tour.press("source_1")
        tour.press("channel_贝壳")
        tour.press("letters_Z")
        tour.snap("source_channel_agent")
        tour.press("source_0")
        tour.press("submit")
        tour.snap("done_success")
        done = window.screen("done")
        tour.snap("done_queued", lambda: done.show_outcome(Outcome("queued", "139****5678")))
        tour.snap("done_blocked", lambda: done.show_outcome(Outcome("blocked", "136****0000")))
        # QR
        window.reset()
        now = int(store.clock.at.timestamp())
        forged = signer.sign(Appointment("A-1", "anchang", now - 60, now + 3600))[:-6] + "AAAAAA"
        expired = signer.sign(Appointment("A-2", "anchang", now - 7200, now - 3600))
        window.screen("start").qr.handle([forged])
        tour.snap("qr_forged")
        window.screen("qr").scanning.handle([expired])
        tour.snap("qr_expired")
        window.reset()
        window.screen("start").qr.handle([_appointment_code(store)])
        tour.snap("qr_appointment")
        # ID card
        window.reset()
        reader.card = CardImage()
        tour.press("choice_idcard")
        tour.settle()
        tour.snap("idcard_read")
        reader.card = None
        window.services.reader_port = None
        tour.snap("idcard_no_reader", lambda: window.show_screen("idcard"))
        window.services.reader_port = reader.port
        # camera lost
        window.reset()
        camera.state = CameraState.LOST
        time.sleep(0.3)
        tour.snap("start_camera_lost")
        camera.state = CameraState.RUNNING
        # staff
        window.show_screen("staff_pin")
        tour.settle()
        tour.press("user_前台小王")
        for digit in "1111":
            tour.press(f"pin_digits_{digit}")
        tour.press("pin_enter")
        tour.snap("staff_pin_wrong")
        for digit in TOUR_PIN:
            tour.press(f"pin_digits_{digit}")
        tour.press("pin_enter")
        staff = window.screen("staff")
        for index, name in enumerate(("staff_queue", "staff_walkin", "staff_rotation", "staff_alerts",
                                      "staff_settings")):
            tour.snap(name, lambda i=index: staff.tabs.setCurrentIndex(i))
        staff.queue._start_correct(staff.queue.rows[0].visit_seq if staff.queue.rows else 0)
        tour.snap("staff_queue_correct", lambda: staff.tabs.setCurrentIndex(0))
        window.close()
        window.runner.wait(5000)
        window.deleteLater()
        app.processEvents()
        store.dispose()
    print(f"{tour.count} screens → {out} ({lang})")
    return 0


def _appointment_code(store: Any) -> str:
    """A visitor booked by reception for this hour with 李强 (a demo consultant): the signed code."""
    from datetime import timedelta

    from db import appointments
    from db.desk import Desk
    from db.users import User

    desk = Desk(store, User(name="前台小王", role="receptionist", consultant=None, active=True))
    starts = store.clock.at.replace(minute=0, second=0, microsecond=0)
    code = appointments.create(desk, "张", "女士", "13612345678", starts, starts + timedelta(hours=1), "李强")
    return appointments.signed_code(desk, code, "anchang")


def _known(store: Any, customer: int | None) -> Any:
    from kiosk.lookup import known_visitor

    return known_visitor(store, int(customer or 0))


