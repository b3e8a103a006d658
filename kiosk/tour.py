"""`anchang-kiosk --tour DIR`: every screen and state, at each kiosk screen size, rendered with the demo
week to PNGs named by size and state (1920x1080_05_phone_empty.png).

Runs on a temporary demo database (operations.demo), a still frame of the demo video as the camera, a
scripted face engine, the simulated ID-card reader on a pty, and appointment codes signed with the
temporary site key (one booked in the store, shown prefilled for the visitor to confirm): what a visitor
would see, without a camera, a reader or a real database. The kiosk's clock is the demo's clock.

STATES is the list of (name, setup) the tour renders and tests/kiosk/test_layout.py checks: each setup
brings the window from the state before it to its own, so the list is walked in order, once per size.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

TOUR_PIN = "2468"
RETURNING_PHONE = "13812345678"
# The kiosk hardware sold to sales offices: a portrait pillar, full-HD landscape, and the common laptop-
# and all-in-one panels (1366x768, 1280x800). Portrait first: the docs' pictures are taken at the first.
SIZES = ((1080, 1920), (1920, 1080), (1366, 768), (1280, 800))


@dataclass
class TourKiosk:
    """The window on the demo store with its fakes; the states act on it."""

    app: QApplication
    window: Any
    store: Any
    reader: Any  # vision.idcard.simulator.SimulatedReader
    camera: Any  # kiosk.fakes.FakeCamera
    signer: Any  # vision.qr.AppointmentSigner
    customer: int | None  # the returning visitor's id
    appointment: str = ""  # its signed code, booked once: the same visitor cannot book one hour twice
    visitors: int = 0  # new visitors on the phone path so far: each walk through the states brings another

    def new_phone(self) -> str:
        """A mobile number not seen before (139 1234 56xx): the phone path stays a new visitor's."""
        self.visitors += 1
        return f"1391234{5600 + self.visitors % 100:04d}"

    def settle(self, seconds: float = 5.0) -> None:
        """Until the window's workers have answered (at most `seconds`), then its layout requests."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.app.processEvents()
            if self.window.pending == 0:  # the screens' reads and the check-ins' writes
                break
            time.sleep(0.01)
        for _ in range(5):  # layout requests and a camera frame; deleteLater too, with no event loop running
            self.app.processEvents()
            self.app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            time.sleep(0.02)

    def press(self, name: str) -> None:
        from PySide6.QtWidgets import QPushButton

        widget = self.window.stack.currentWidget().findChild(QPushButton, name)
        assert widget is not None, f"{name} not on {self.window.current}"
        widget.click()
        self.settle()

    def type(self, digits: str, pad: str = "digits") -> None:
        for digit in digits:
            self.press(f"{pad}_{digit}")

    def resize(self, width: int, height: int) -> None:
        self.window.resize(width, height)
        self.settle()


# ------------------------------------------------------------------------------------------ the states
def _start(t: TourKiosk) -> None:
    t.camera.state = _camera_state("RUNNING")
    t.reader.card = None
    t.window.services.reader_port = t.reader.port
    t.window.reader_ok = True
    t.window.reset()
    time.sleep(0.2)  # a camera frame on the preview


def _face_guidance(t: TourKiosk) -> None:
    assert t.window.flow is not None  # the consent screen started a check-in
    t.window.flow.consent_id = 1
    t.window.show_screen("face")
    t.window.set_frame_handler(None)  # the guidance stays as set, whatever the scripted engine says
    t.window.screen("face").guidance.setText(QCoreApplication.translate("Vision", "请正对摄像头"))


def _returning(t: TourKiosk) -> None:
    from kiosk.lookup import known_visitor

    t.window.screen("returning").ask(known_visitor(t.store, int(t.customer or 0)))
    t.window.show_screen("returning")


def _returning_phone(t: TourKiosk) -> None:
    """A known number typed on the phone path: the masked "张女士 · 138****5678，是您吗？"."""
    from kiosk.lookup import known_visitor

    t.window.reset()
    t.window.begin("phone")
    t.window.screen("returning").ask(known_visitor(t.store, int(t.customer or 0)), via="phone")
    t.window.show_screen("returning")


def _presses(*names: str) -> Callable[[TourKiosk], None]:
    def press(t: TourKiosk) -> None:
        for name in names:
            t.press(name)
    return press


def _phone_empty(t: TourKiosk) -> None:
    t.window.reset()
    t.press("choice_phone")


def _phone_valid(t: TourKiosk) -> None:
    t.press("digits_C")
    t.type(t.new_phone())


def _visitor_filled(t: TourKiosk) -> None:
    for name in ("surname_张", "title_ms", "intent_三房", "intent_90–120㎡"):
        t.press(name)


def _source_channel_agent(t: TourKiosk) -> None:
    t.press("source_1")
    t.press("channel_贝壳")
    t.press("letters_Z")


def _done_success(t: TourKiosk) -> None:
    t.press("source_0")
    t.press("submit")
    deadline = time.monotonic() + 10
    while t.window.current != "done" and time.monotonic() < deadline:
        t.settle(0.2)


def _outcome(status: str, masked: str) -> Callable[[TourKiosk], None]:
    def show(t: TourKiosk) -> None:
        from kiosk.checkin import Outcome

        t.window.screen("done").show_outcome(Outcome(status, masked))
        t.window.show_screen("done")
    return show


def _scan(t: TourKiosk, screen: Any, code: str) -> None:
    screen._seen.clear()  # the tour holds the same code up once per size; a visitor's repeat is ignored
    screen.handle([code])


def _qr_forged(t: TourKiosk) -> None:
    from vision.qr import Appointment

    t.window.reset()
    now = int(t.store.clock.at.timestamp())
    forged = t.signer.sign(Appointment("A-1", "anchang", now - 60, now + 3600))[:-6] + "AAAAAA"
    _scan(t, t.window.screen("start").qr, forged)


def _qr_expired(t: TourKiosk) -> None:
    from vision.qr import Appointment

    now = int(t.store.clock.at.timestamp())
    _scan(t, t.window.screen("qr").scanning, t.signer.sign(Appointment("A-2", "anchang", now - 7200, now - 3600)))


def _qr_appointment(t: TourKiosk) -> None:
    t.window.reset()
    t.appointment = t.appointment or _appointment_code(t.store)
    _scan(t, t.window.screen("start").qr, t.appointment)


def _idcard_read(t: TourKiosk) -> None:
    from vision.idcard.simulator import CardImage

    t.window.reset()
    t.reader.card = CardImage()
    t.press("choice_idcard")
    t.settle()


def _idcard_no_reader(t: TourKiosk) -> None:
    t.reader.card = None
    t.window.services.reader_port = None
    t.window.show_screen("idcard")


def _start_camera_lost(t: TourKiosk) -> None:
    t.window.services.reader_port = t.reader.port
    t.window.reset()
    t.camera.state = _camera_state("LOST")
    time.sleep(0.3)


def _staff_pin_wrong(t: TourKiosk) -> None:
    t.camera.state = _camera_state("RUNNING")
    t.window.show_screen("staff_pin")
    t.settle()
    t.press("user_前台小王")
    t.type("1111", "pin_digits")
    t.press("pin_enter")


def _staff_tab(index: int) -> Callable[[TourKiosk], None]:
    def show(t: TourKiosk) -> None:
        if t.window.current != "staff":
            t.type(TOUR_PIN, "pin_digits")
            t.press("pin_enter")
        t.window.screen("staff").tabs.setCurrentIndex(index)
    return show


def _staff_queue_correct(t: TourKiosk) -> None:
    staff = t.window.screen("staff")
    staff.tabs.setCurrentIndex(0)
    staff.queue._start_correct(staff.queue.rows[0].visit_seq if staff.queue.rows else 0)


def _start_offline(t: TourKiosk) -> None:
    """The database away (a kiosk started without it, or a drain that found it gone): the start screen says
    check-ins are kept here."""
    t.window.set_offline(True)
    t.window.reset()


def _staff_offline(t: TourKiosk) -> None:
    """Staff mode's status line while offline."""
    t.window.show_screen("staff_pin")
    t.settle()
    t.press("user_前台小王")
    t.type(TOUR_PIN, "pin_digits")
    t.press("pin_enter")
    t.window.screen("staff").tabs.setCurrentIndex(0)


STATES: list[tuple[str, Callable[[TourKiosk], object]]] = [
    ("start", _start),
    ("consent", _presses("choice_face")),  # face: consent, guidance, returning visitor
    ("face_guidance", _face_guidance),
    ("returning", _returning),
    ("phone_empty", _phone_empty),  # the phone path
    ("phone_typing", lambda t: t.type("1381234")),
    ("phone_invalid", lambda t: t.type("0000")),
    ("phone_valid", _phone_valid),
    ("visitor_missing_name", _presses("phone_next", "visitor_next")),
    ("visitor_filled", _visitor_filled),
    ("source_natural", _presses("visitor_next")),
    ("source_channel_agent", _source_channel_agent),
    ("done_success", _done_success),
    ("done_queued", _outcome("queued", "139****5678")),
    ("done_blocked", _outcome("blocked", "136****0000")),
    ("qr_forged", _qr_forged),
    ("qr_expired", _qr_expired),
    ("qr_appointment", _qr_appointment),
    ("idcard_read", _idcard_read),
    ("idcard_no_reader", _idcard_no_reader),
    ("start_camera_lost", _start_camera_lost),
    ("staff_pin_wrong", _staff_pin_wrong),
    ("staff_queue", _staff_tab(0)),
    ("staff_walkin", _staff_tab(1)),
    ("staff_rotation", _staff_tab(2)),
    ("staff_alerts", _staff_tab(3)),
    ("staff_settings", _staff_tab(4)),
    ("staff_queue_correct", _staff_queue_correct),
    ("returning_phone", _returning_phone),  # after the docs' pictures: their numbers stay as the docs name them
    ("start_offline", _start_offline),
    ("staff_offline", _staff_offline),
]


def _camera_state(name: str) -> Any:
    from vision.camera import CameraState

    return CameraState[name]


# ------------------------------------------------------------------------------------ the tour kiosk
def _demo_store(directory: Path) -> Any:
    from db import migrate
    from db.database import make_engine
    from db.keys import Keyring
    from judge.rules import RuleSet
    from operations.demo import DemoWeek
    from service import users
    from service.store import ManualClock, Store

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


@contextmanager
def tour_kiosk(app: QApplication, size: tuple[int, int] = SIZES[0]) -> Iterator[TourKiosk]:
    """The kiosk window on a temporary demo store, shown at `size` and started; closed afterwards."""
    from kiosk.fakes import FakeCamera, ScriptedFaceEngine, demo_frame
    from kiosk.services import KioskServices
    from kiosk.window import KioskWindow
    from vision.idcard.simulator import SimulatedReader
    from vision.qr import AppointmentSigner, AppointmentVerifier

    with ExitStack() as cleanup:
        temp = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="anchang-tour-"))
        reader = cleanup.enter_context(SimulatedReader())
        store = _demo_store(Path(temp))
        cleanup.callback(store.dispose)
        customer = store.customer_id(RETURNING_PHONE)
        faces = ScriptedFaceEngine(template=b"\x07" * 512, matches={b"\x07" * 512: str(customer)})
        camera = FakeCamera(demo_frame())
        services = KioskServices(store=store, camera=camera, faces=faces, reader_port=reader.port,
                                 verifier=AppointmentVerifier([store.keyring.verify_key], "anchang"),
                                 wall_clock=lambda: store.clock.at.timestamp(),
                                 alerts=["18:02 黑名单登记 / blacklisted check-in: 136****0000"])
        window = KioskWindow(services)
        window.allow_close = True
        window.resize(*size)
        window.show()
        window.start()
        kiosk = TourKiosk(app, window, store, reader, camera, AppointmentSigner(store.keyring.signing_key),
                          customer)
        try:
            yield kiosk
        finally:
            window.close()
            window.runner.wait(5000)
            window.deleteLater()
            app.processEvents()


def run_tour(app: QApplication, out: Path, lang: str = "zh") -> int:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    count, started = 0, time.monotonic()
    with tour_kiosk(app) as kiosk:
        for width, height in SIZES:
            kiosk.resize(width, height)
            for index, (name, setup) in enumerate(STATES, 1):
                setup(kiosk)
                kiosk.settle()
                log.debug("tour %dx%d %02d %s at %.1f s", width, height, index, name, time.monotonic() - started)
                kiosk.window.grab().save(str(out / f"{width}x{height}_{index:02d}_{name}.png"))
                count += 1
    print(f"{count} screens ({len(STATES)} at {len(SIZES)} sizes) → {out} ({lang})")
    return 0


def _appointment_code(store: Any) -> str:
    """A visitor booked by reception for this hour with 李强 (a demo consultant): the signed code."""
    from datetime import timedelta

    from service import appointments
    from service.desk import Desk
    from service.users import User

    desk = Desk(store, User(name="前台小王", role="receptionist", consultant=None, active=True))
    starts = store.clock.at.replace(minute=0, second=0, microsecond=0)
    code = appointments.create(desk, "张", "女士", "13612345678", starts, starts + timedelta(hours=1), "李强")
    return appointments.signed_code(desk, code, "anchang")
