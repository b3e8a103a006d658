"""The kiosk's main window: a stack of named screens, the camera feed, the flow in progress, the idle and
done timers, the staff corner, and the outbox retries. Everything slow runs through the TaskRunner."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from db.database import DatabaseUnavailable
from kiosk import checkin as checkin_mod
from kiosk.camera_feed import CameraFeed
from kiosk.checkin import Outcome
from kiosk.flow import Flow
from kiosk.services import KioskServices
from kiosk.widgets import LongPress, Screen
from ui.app import running_app
from ui.workers import TaskRunner

log = logging.getLogger(__name__)

_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress}

class KioskWindow(QMainWindow):
    screen_changed = Signal(str)
    outcome_ready = Signal(object)  # Outcome of the last submit
    arrival = Signal(object)  # db.live.Arrival: a protected customer checked in; reception tells the owner
    _journal_news = Signal(int)  # from the live feed's thread to the GUI thread

    def __init__(self, services: KioskServices, *, runner: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk")
        self.setWindowTitle(self.tr("案场通 · 来访登记"))
        self.services = services
        self.store = services.store
        self.runner = runner or TaskRunner(self)
        self.flow: Flow | None = None
        self.staff_user: Any = None  # the receptionist in staff mode
        self.allow_close = False  # set by staff mode, tests and the tour: the window may close
        self.submitting = False
        self.reader_ok = bool(services.reader_port)
        self.feed = CameraFeed(services.camera, self)
        self.stack = QStackedWidget()
        self.stack.setObjectName("screens")
        self.setCentralWidget(self.stack)
        self.screens: dict[str, Screen] = {}
        self._build_screens()

        self.idle_timer = self._timer(services.timings.idle_ms, self.reset)
        self.done_timer = self._timer(services.timings.done_ms, self.reset)
        self.outbox_timer = self._timer(services.timings.outbox_retry_ms, self.drain_outbox)
        running_app().installEventFilter(self)
        self.feed.frame.connect(self._on_frame)
        self.feed.state_changed.connect(self._on_camera_state)
        self.feed.processed.connect(self._on_processed)
        self._processed_handler: Callable[[Any], None] | None = None
        self.live: Any = None
        self._arrivals_since: int | None = None
        self._journal_news.connect(self._on_journal_news)
        self.show_screen("start")

    # ----------------------------------------------------------------- building
    def _timer(self, msecs: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse 60 s timer may drift by seconds
        timer.setSingleShot(True)
        timer.setInterval(msecs)
        timer.timeout.connect(slot)
        return timer

    def _build_screens(self) -> None:
        from kiosk.screens import SCREENS

        for factory in SCREENS:
            screen = factory(self)
            self.screens[screen.objectName()] = screen
            self.stack.addWidget(screen)
        corner = self.screens["start"].findChild(QWidget, "staff_corner")
        if corner is not None:
            LongPress(corner, self.services.timings.long_press_ms).held.connect(
                lambda: self.show_screen("staff_pin"))

    def start(self) -> None:
        """Camera, gallery and outbox work begin; separate from __init__ so tests control it. The engine
        loads first, on a worker (seconds on a big site), so the first visitor's check-in need not wait."""
        self.runner.run(self.store.site, on_error=lambda error: log.warning("engine not loaded yet: %s", error))
        self.feed.start()
        factory, store = self.services.faces_factory, self.store
        if self.services.faces is None and factory is not None:
            def build() -> Any:
                engine = factory()
                engine.load(store.face_templates())
                return engine

            self.runner.run(build, on_done=self._faces_ready,
                            on_error=lambda error: log.warning("face recognition unavailable: %s", error))
        elif self.services.faces is not None:
            faces = self.services.faces
            self.runner.run(lambda: faces.load(store.face_templates()),
                            on_error=lambda error: log.warning("face gallery not loaded: %s", error))
        self.drain_outbox()
        if self.services.live is not None:
            self.live = self.services.live(self.store)
            self.live.subscribe(self._journal_news.emit)

    def _faces_ready(self, engine: Any) -> None:
        self.services.faces = engine
        self.screen("start").refresh()

    def _on_journal_news(self, seq: int) -> None:
        """A protected customer checking in (here or at another station): the owner is to be told."""
        since = seq - 1 if self._arrivals_since is None else self._arrivals_since
        self._arrivals_since = max(seq, since)

        def arrived(arrivals: list[Any]) -> None:
            for item in arrivals:
                who = " ".join(part for part in (item.surname, item.phone_masked) if part)
                self.services.alerts.append(
                    self.tr("到访提醒：%1 已到，归属置业顾问 %2").replace("%1", who).replace("%2", item.owner))
                self.arrival.emit(item)

        from db.live import owner_arrivals

        self.runner.run(owner_arrivals, self.store, since, on_done=arrived,
                        on_error=lambda error: log.warning("arrivals: %s", error))

    # --------------------------------------------------------------- navigation
    @property
    def current(self) -> str:
        widget = self.stack.currentWidget()
        return widget.objectName() if widget is not None else ""

    def screen(self, name: str) -> Any:  # type: ignore[override]  # QWidget.screen() (the monitor) is unused here
        return self.screens[name]

    def show_screen(self, name: str) -> None:
        self.set_frame_handler(None)
        self.stack.setCurrentWidget(self.screens[name])
        self.screens[name].enter()
        self.idle_timer.start()
        self.screen_changed.emit(name)

    def begin(self, method: str, actor: str = "kiosk") -> Flow:
        self.done_timer.stop()
        self.flow = Flow(method=method, actor=actor)
        return self.flow

    def reset(self) -> None:
        """Back to the start screen; whatever was half-entered is dropped, nothing half-written."""
        self.done_timer.stop()
        self.flow = None
        self.submitting = False
        self.staff_user = None
        self.show_screen("start")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _ACTIVITY and self.current != "start":
            self.idle_timer.start()
        return False

    # ------------------------------------------------------------------- camera
    def set_frame_handler(self, processor: Callable[[Any, float], Any] | None,
                          on_result: Callable[[Any], None] | None = None) -> None:
        """The current screen's work on camera frames (camera thread) and where its results go (GUI)."""
        self._processed_handler = on_result
        self.feed.set_processor(processor)

    def _on_processed(self, generation: int, result: Any) -> None:
        # a result queued before the screen changed belongs to the previous screen's processor
        if generation == self.feed.generation and self._processed_handler is not None:
            self._processed_handler(result)

    def _on_frame(self, image: QImage) -> None:
        show = getattr(self.stack.currentWidget(), "show_frame", None)
        if show is not None:
            show(image)

    def _on_camera_state(self, state: str) -> None:
        for screen in self.screens.values():
            update = getattr(screen, "camera_state_changed", None)
            if update is not None:
                update(state)

    # ------------------------------------------------------------------- submit
    def submit(self) -> None:
        """Writes the flow's check-in on a worker; a second tap while it runs does nothing."""
        flow = self.flow
        if flow is None or self.submitting:
            return
        self.submitting = True
        self.runner.run(checkin_mod.submit, self.store, self.services.outbox, flow.checkin(),
                        self.services.alerts.append, on_done=self._submitted, on_error=self._submit_failed)

    def _submitted(self, outcome: Outcome) -> None:
        self.submitting = False
        self.screen("done").show_outcome(outcome)
        self.show_screen("done")
        if outcome.status == "queued":
            self.outbox_timer.start()
        if outcome.status != "blocked":
            self._after_success()
        self.outcome_ready.emit(outcome)

    def _after_success(self) -> None:
        flow = self.flow
        faces = self.services.faces
        if flow is not None and faces is not None and flow.template is not None and flow.consent_id is not None:
            template = flow.template

            def enrolled(customer: int | None) -> None:  # the gallery knows the face from now on
                if customer is not None:
                    faces.add(str(customer), template)
            self.runner.run(self.store.customer_id, flow.phone, on_done=enrolled)
        self.done_timer.start()

    def _submit_failed(self, error: BaseException) -> None:
        self.submitting = False
        log.warning("check-in refused: %s", error)
        self.screen("done").show_error(error)
        self.show_screen("done")
        self.outcome_ready.emit(error)

    # ------------------------------------------------------------------- outbox
    def drain_outbox(self) -> None:
        outbox = self.services.outbox
        if outbox is None:
            return

        def drained(count: int) -> None:
            if outbox.pending():
                self.outbox_timer.start()

        def failed(error: BaseException) -> None:
            if not isinstance(error, DatabaseUnavailable):
                log.warning("outbox: %s", error)
            self.outbox_timer.start()

        self.runner.run(checkin_mod.drain_outbox, self.store, outbox, on_done=drained, on_error=failed)

    # -------------------------------------------------------------------- close
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Closing the kiosk needs a receptionist (staff mode); tests and the tour set allow_close."""
        if not self.allow_close and self.staff_user is None:
            event.ignore()
            return
        running_app().removeEventFilter(self)
        if self.live is not None:
            self.live.close()
        self.feed.stop()
        self.runner.wait(5000)
        if self.services.faces is not None:
            self.services.faces.close()  # the embedding worker process ends with the kiosk
        event.accept()

def staff_name(user: Any) -> str:
    return str(getattr(user, "name", user))

Qt  # noqa: B018 - imported for screens' type hints
