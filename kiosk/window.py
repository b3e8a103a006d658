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
from kiosk import catalog as catalog_mod
from kiosk.camera_feed import CameraFeed
from kiosk.catalog import Catalog
from kiosk.checkin import Outcome
from kiosk.flow import Flow
from kiosk.outbox import UNREACHABLE
from kiosk.services import KioskServices
from kiosk.submitter import Submitter, reason_of
from kiosk.widgets import LongPress, Screen
from ui.app import running_app
from ui.workers import TaskRunner

log = logging.getLogger(__name__)

CATALOG_REFRESH_MS = 60_000  # sources and channels read anew at least this often
_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress}

class KioskWindow(QMainWindow):
    screen_changed = Signal(str)
    outcome_ready = Signal(object)  # Outcome of the last submit
    arrival = Signal(object)  # service.live.Arrival: a protected customer checked in; reception tells the owner
    _journal_news = Signal(int)  # from the live feed's thread to the GUI thread
    catalog_changed = Signal()  # sources and channels read anew (kiosk.catalog)

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
        # check-ins and outbox drains: never in the queue of the screens' reads (ui.workers.TaskRunner)
        self.submits = TaskRunner(self, max_threads=2)
        link = services.site_link
        self.submitter = Submitter(self.store, services.outbox, budget_s=services.timings.submit_budget_ms / 1000,
                                   alert=services.alerts.append, reach=link.ensure if link is not None else None)
        # no database at start: check-ins go to the outbox and the start screen says so (kiosk.site_link)
        self.offline = link is not None and not link.online
        self._gallery_stale = False  # the face gallery could not be read: read it when the database is back
        self.reader_ok = bool(services.reader_port)
        self.faces_failed = False  # the face engine could not be built: face check-in unavailable
        self.feed = CameraFeed(services.camera, self)
        self.stack = QStackedWidget()
        self.stack.setObjectName("screens")
        self.setCentralWidget(self.stack)
        self.screens: dict[str, Screen] = {}
        self._build_screens()

        self.idle_timer = self._timer(services.timings.idle_ms, self.reset)
        self.done_timer = self._timer(services.timings.done_ms, self.reset)
        self.outbox_timer = self._timer(services.timings.outbox_retry_ms, self.drain_outbox)
        self.catalog = services.catalog or Catalog()  # started offline: what was read last (kiosk.catalog_cache)
        self._catalog_loading = False
        self.catalog_timer = self._timer(CATALOG_REFRESH_MS, self.refresh_catalog)
        running_app().installEventFilter(self)
        self.feed.frame.connect(self._on_frame)
        self.feed.state_changed.connect(self._on_camera_state)
        self.feed.processed.connect(self._on_processed)
        self._processed_handler: Callable[[Any], None] | None = None
        self.live: Any = None
        self._arrivals_since: int | None = None
        self._journal_news.connect(self._on_journal_news)
        quarantined = getattr(services.outbox, "quarantined", None)
        if quarantined is not None:  # kiosk.outbox set a damaged file aside and began a new one
            services.alerts.append(self.tr("离线队列文件已损坏，已另存为 %1 并启用新文件").replace("%1", str(quarantined)))
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
            if hasattr(screen, "catalog_changed"):
                self.catalog_changed.connect(screen.catalog_changed)
        corner = self.screens["start"].findChild(QWidget, "staff_corner")
        if corner is not None:
            LongPress(corner, self.services.timings.long_press_ms).held.connect(
                lambda: self.show_screen("staff_pin"))

    def start(self) -> None:
        """Camera, gallery and outbox work begin; separate from __init__ so tests control it. The engine
        loads first, on a worker (seconds on a big site), so the first visitor's check-in need not wait."""
        self.runner.run(self.store.site, on_error=lambda error: log.warning("engine not loaded yet: %s", error))
        self.feed.start()
        factory = self.services.faces_factory
        if self.services.faces is None and factory is not None:
            def build() -> Any:
                engine = factory()
                engine.load(self._templates())
                return engine

            self.runner.run(build, on_done=self._faces_ready, on_error=self._faces_failed)
        elif self.services.faces is not None:
            faces = self.services.faces
            self.runner.run(lambda: faces.load(self._templates()),
                            on_error=lambda error: log.warning("face gallery not loaded: %s", error))
        self.refresh_catalog()
        self.drain_outbox()
        if self.services.live is not None:
            self.live = self.services.live(self.store)
            self.live.subscribe(self._journal_news.emit)

    def _templates(self) -> list[tuple[str, bytes]]:
        """The enrolled faces; none while the database is away (face recognition still starts, the
        gallery is read when the database is back)."""
        try:
            return self.store.face_templates()
        except UNREACHABLE as error:
            log.warning("face gallery not read, the database is away: %s", error)
            self._gallery_stale = True
            return []

    def set_offline(self, offline: bool) -> None:
        """The database away (a drain or a write could not reach it) or back: the start screen says so,
        and coming back reads what the kiosk could not read without it."""
        if offline == self.offline:
            return
        self.offline = offline
        log.info("site database %s", "away: check-ins kept in the outbox" if offline else "back")
        self.screen("start").refresh()
        if offline:
            return
        self.refresh_catalog()
        self.runner.run(self.store.site, on_error=lambda error: log.warning("engine not loaded yet: %s", error))
        faces = self.services.faces
        if self._gallery_stale and faces is not None:
            self._gallery_stale = False
            self.runner.run(lambda: faces.load(self._templates()),
                            on_error=lambda error: log.warning("face gallery not loaded: %s", error))

    def refresh_catalog(self) -> None:
        """Reads the sources and channels anew in the background, one read at a time; the
        screens keep showing what was read last meanwhile."""
        self.catalog_timer.start()
        if self._catalog_loading:
            return
        self._catalog_loading = True

        def loaded(catalog: Catalog) -> None:
            self._catalog_loading = False
            self.catalog = catalog
            self.catalog_changed.emit()

        def failed(error: BaseException) -> None:
            self._catalog_loading = False
            log.warning("sources and channels not read: %s", error)

        link = self.services.site_link  # kept only once this is known to be the site's own database
        cache = self.services.catalog_cache if link is None or link.online else None
        self.runner.run(catalog_mod.load, self.store, cache, on_done=loaded, on_error=failed)

    def _faces_failed(self, error: BaseException) -> None:
        """Face recognition could not start (its models, its worker process): said on the start screen
        and to reception, instead of "正在准备" for good."""
        log.warning("face recognition unavailable: %s", error)
        self.faces_failed = True
        self.services.alerts.append(self.tr("人脸识别无法启动，刷脸登记已停用：%1").replace("%1", str(error)[:200]))
        self.screen("start").refresh()

    def _faces_ready(self, engine: Any) -> None:
        self.services.faces = engine
        self.screen("start").refresh()

    def _on_journal_news(self, seq: int) -> None:
        """A protected customer checking in (here or at another station): the owner is to be told."""
        self.refresh_catalog()  # a channel, an agent or a source may have changed
        since = seq - 1 if self._arrivals_since is None else self._arrivals_since
        self._arrivals_since = max(seq, since)

        def arrived(arrivals: list[Any]) -> None:
            for item in arrivals:
                who = " ".join(part for part in (item.surname, item.phone_masked) if part)
                self.services.alerts.append(
                    self.tr("到访提醒：%1 已到，归属置业顾问 %2").replace("%1", who).replace("%2", item.owner))
                self.arrival.emit(item)

        from service.live import owner_arrivals

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
    def for_flow(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """`callback`, delivered only while the flow that asked is still the visitor's: a late answer of an
        earlier visitor's work never reaches a later visitor's screen."""
        flow = self.flow

        def deliver(value: Any) -> None:
            if flow is not None and self.flow is flow:
                callback(value)
            else:
                log.info("a late answer for an earlier visitor was dropped: %s", type(value).__name__)
        return deliver

    def submit(self) -> None:
        """Writes the flow's check-in: in the database, or in the outbox when the database has not answered
        within the budget (Submitter). A second tap while it runs does nothing."""
        flow = self.flow
        if flow is None or flow.submitted:
            return
        flow.submitted = True
        self.submits.run(self.submitter.submit, flow.checkin(),
                         on_done=self.for_flow(self._submitted), on_error=self.for_flow(self._submit_failed))

    def _submitted(self, outcome: Outcome) -> None:
        self.screen("done").show_outcome(outcome)
        self.show_screen("done")
        if outcome.status == "queued":
            self.outbox_timer.start()
            if outcome.reason == "unavailable":
                self.set_offline(True)
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
        """The check-in itself was refused (not the database away): the visitor goes to reception, which
        is told why."""
        log.warning("check-in refused: %s", error)
        self.services.alerts.append(self.tr("登记被拒绝：%1").replace("%1", str(error).splitlines()[0]))
        self.screen("done").show_error(error)
        self.show_screen("done")
        self.done_timer.start()
        self.outcome_ready.emit(error)

    # ------------------------------------------------------------------- outbox
    def drain_outbox(self) -> None:
        outbox = self.services.outbox
        if outbox is None:
            return

        def drained(count: int) -> None:
            stopped = getattr(outbox, "stopped_by", None)
            self.set_offline(stopped is not None and reason_of(stopped) == "unavailable")
            if outbox.pending():
                self.outbox_timer.start()

        def failed(error: BaseException) -> None:
            if not isinstance(error, DatabaseUnavailable):
                log.warning("outbox: %s", error)
            self.set_offline(isinstance(error, DatabaseUnavailable) and reason_of(error) == "unavailable")
            self.outbox_timer.start()

        self.submits.run(self.submitter.drain, on_done=drained, on_error=failed)

    @property
    def pending(self) -> int:
        """Work not yet reported back: the screens' reads and the check-ins' writes."""
        return self.runner.pending + self.submits.pending

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
        self.submits.wait(5000)
        self.submitter.close()
        if self.services.faces is not None:
            self.services.faces.close()  # the embedding worker process ends with the kiosk
        event.accept()

def staff_name(user: Any) -> str:
    return str(getattr(user, "name", user))

Qt  # noqa: B018 - imported for screens' type hints
