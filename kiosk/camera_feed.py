"""The camera on a worker thread, for Qt: frames for the preview, the camera's state, and the work of
the screen in front (QR decoding, face tracking) done on that thread, never on the GUI thread.

Any object with `start()`, `stop()`, `next_frame(timeout)` and `state` works as the camera
(vision.camera.Camera, or a fake in tests).

A camera that says it runs but hands out no picture for STALL_S counts as lost (a USB camera whose reads
hang, a stream that stopped sending); once lost, it is back only when a picture comes again, not when the
device merely opens. Each loss and each return is logged and signalled once (`availability_changed`),
however often the camera's worker retries in between, so reception is told once, not every few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from vision.camera import CameraState, Frame

log = logging.getLogger(__name__)

Processor = Callable[[np.ndarray, float], Any]
STALL_S = 3.0  # no picture for this long from a camera that says it runs: it is lost


class FrameSource(Protocol):
    state: CameraState

    def start(self) -> Any: ...
    def stop(self, timeout: float = 5.0) -> None: ...
    def next_frame(self, timeout: float | None = None) -> Frame | None: ...


def to_qimage(image: np.ndarray) -> QImage:
    """BGR uint8 → a QImage that owns its pixels. Qt reads BGR itself: reversing the channels in numpy
    cost ~7 ms a 640×480 frame on the camera thread, 30 times a second."""
    bgr = np.ascontiguousarray(image)
    height, width = bgr.shape[:2]
    return QImage(bgr.data, width, height, 3 * width, QImage.Format.Format_BGR888).copy()


class CameraFeed(QObject):
    frame = Signal(QImage)
    state_changed = Signal(str)  # CameraState.value
    availability_changed = Signal(bool)  # False: lost (absent, unplugged, stalled); True: pictures again
    processed = Signal(int, object)  # (generation, what the processor returned when not None)

    def __init__(self, camera: FrameSource | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.camera = camera
        self._processor: Processor | None = None
        self.generation = 0  # bumped by each set_processor: results of an older processor are stale
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = CameraState.STOPPED if camera is None else camera.state
        self.last_frame: np.ndarray | None = None
        self.down = False  # lost, and no picture since
        self._waiting_since: float | None = None  # running, and no picture since then

    @property
    def available(self) -> bool:
        return self.camera is not None and self.state == CameraState.RUNNING

    def set_processor(self, processor: Processor | None) -> None:
        with self._lock:
            self._processor = processor
            self.generation += 1

    def start(self) -> None:
        if self.camera is None or (self._thread is not None and self._thread.is_alive()):
            return
        self.camera.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-camera-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self.camera is not None:
            self.camera.stop()

    def _run(self) -> None:
        assert self.camera is not None
        while not self._stop.is_set():
            got = self.camera.next_frame(timeout=0.2)
            self._track(got is not None, time.monotonic())
            if got is None:
                continue
            self.last_frame = got.image
            self.frame.emit(to_qimage(got.image))
            with self._lock:
                processor, generation = self._processor, self.generation
            if processor is None:
                continue
            try:
                result = processor(got.image, time.monotonic())
            except Exception:  # a bad frame must not stop the preview
                log.exception("frame processing failed")
                continue
            if result is not None:
                self.processed.emit(generation, result)

    def _track(self, pictured: bool, now: float) -> None:
        """The state the screens see (the camera's, with a stall as lost) and the losses and returns."""
        assert self.camera is not None
        raw = self.camera.state
        if pictured:
            self._waiting_since = None
            if self.down:
                self.down = False
                log.info("camera %s is back", getattr(self.camera, "source", ""))
                self.availability_changed.emit(True)
        elif raw != CameraState.RUNNING:
            self._waiting_since = None
        elif self._waiting_since is None:
            self._waiting_since = now
        state = raw
        if raw == CameraState.RUNNING and not pictured:
            if self._waiting_since is not None and now - self._waiting_since > STALL_S:
                state = CameraState.LOST  # open, but no picture comes
            elif self.down:
                state = CameraState.CONNECTING  # opened again: back once a picture comes
        if state != self.state:
            self.state = state
            self.state_changed.emit(state.value)
        if state in (CameraState.LOST, CameraState.ENDED) and not self.down:
            self.down = True
            log.warning("camera %s unavailable (%s): face check-in and QR codes paused until it returns",
                        getattr(self.camera, "source", ""), "no picture" if raw == CameraState.RUNNING else raw.value)
            self.availability_changed.emit(False)
