"""Camera capture in a worker thread: a USB camera by index, a video file or an RTSP URL (OpenCV).

Frames go into a small bounded buffer: when the consumer (face pipeline) is slower than the camera,
the oldest frames are dropped, so the kiosk always works on the newest picture and memory never
grows. When the camera disappears the worker reconnects with exponential back-off and reports each
state change through `on_state`. Frames stay in memory only: nothing is written anywhere. A camera
that is not there is reported lost and looked for again, never replaced: the demo video plays only when
it is the source asked for (a kiosk that "recognised" the demo video's faces when no camera answered
would check in people who are not there).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

log = logging.getLogger(__name__)

Source = int | str


class Capture(Protocol):
    """The part of cv2.VideoCapture the worker uses (tests pass fakes)."""

    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's name
    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def release(self) -> None: ...
    def get(self, prop: int) -> float: ...
    def set(self, prop: int, value: float) -> bool: ...


class CameraState(Enum):
    CONNECTING = "connecting"
    RUNNING = "running"
    LOST = "lost"  # waiting to reconnect
    ENDED = "ended"  # a video file reached its end and does not loop
    STOPPED = "stopped"


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR uint8
    index: int  # counts frames read since start, dropped ones included
    captured_at: float  # time.monotonic()


def is_stream_url(source: Source) -> bool:
    return isinstance(source, str) and "://" in source


def open_capture(source: Source, timeout_ms: int = 5000) -> Capture:
    """cv2.VideoCapture with time-outs, so a dead RTSP camera cannot hang the worker forever."""
    if isinstance(source, int):
        return cv2.VideoCapture(source)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
    return cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)


def demo_video_path() -> Path:
    """The demo video shipped in resources/demo (built by `python -m vision.demo_video`)."""
    return Path(str(resources.files("resources") / "demo" / "faces_demo.mp4"))


def read_frames(path: Path, limit: int | None = None) -> list[np.ndarray]:
    """The frames of a video file, from the start (at most `limit`): benchmarks and recorded clips."""
    capture = cv2.VideoCapture(str(path))
    frames: list[np.ndarray] = []
    try:
        while limit is None or len(frames) < limit:
            ok, frame = capture.read()
            if not ok or frame is None:
                break
            frames.append(frame)
    finally:
        capture.release()
    return frames


class Camera:
    def __init__(
        self,
        source: Source,
        *,
        buffer_size: int = 2,
        loop_file: bool = False,
        realtime_file: bool = True,
        backoff_initial: float = 0.5,
        backoff_max: float = 10.0,
        opener: Callable[[Source], Capture] = open_capture,
        on_state: Callable[[CameraState, str], None] | None = None,
    ):
        self.source = source
        self.loop_file = loop_file
        self.realtime_file = realtime_file  # pace files at their own fps, like a live camera
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._opener = opener
        self._on_state = on_state
        self._buffer: collections.deque[Frame] = collections.deque(maxlen=buffer_size)
        self._condition = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = CameraState.STOPPED
        self.frames_read = 0
        self.frames_dropped = 0
        self.reconnects = 0

    @property
    def is_file(self) -> bool:
        return isinstance(self.source, str) and not is_stream_url(self.source)

    # -- consumer side -------------------------------------------------------------------------
    def start(self) -> Camera:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"camera-{self.source}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._condition:
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        self._buffer.clear()

    def __enter__(self) -> Camera:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_frame(self, timeout: float | None = None) -> Frame | None:
        """The newest frame not yet taken, waiting up to `timeout`; None on time-out or stop."""
        with self._condition:
            ready = self._condition.wait_for(lambda: self._buffer or self._stop.is_set(), timeout)
            if not ready or not self._buffer:
                return None
            frame = self._buffer.pop()
            self.frames_dropped += len(self._buffer)  # older than the one handed out: stale
            self._buffer.clear()
            return frame

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    # -- worker --------------------------------------------------------------------------------
    def _set_state(self, state: CameraState, detail: str = "") -> None:
        if state != self.state:
            self.state = state
            log.info("camera %s: %s %s", self.source, state.value, detail)
            if self._on_state:
                self._on_state(state, detail)

    def _run(self) -> None:
        backoff = self.backoff_initial
        while not self._stop.is_set():
            self._set_state(CameraState.CONNECTING)
            try:
                capture = self._opener(self.source)
            except Exception as error:  # a driver error must not kill the worker
                log.warning("camera %s failed to open: %s", self.source, error)
                capture = None
            if capture is None or not capture.isOpened():
                if capture is not None:
                    capture.release()
                self._set_state(CameraState.LOST, f"not available; retrying in {backoff:.1f}s")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max)
                continue
            backoff = self.backoff_initial
            self._set_state(CameraState.RUNNING)
            ended = self._read_until_failure(capture)
            capture.release()
            if ended:
                self._set_state(CameraState.ENDED)
                return
            if not self._stop.is_set():
                self.reconnects += 1
                self._set_state(CameraState.LOST, "stopped delivering frames; reconnecting")
                self._stop.wait(backoff)
        self._set_state(CameraState.STOPPED)

    def _read_until_failure(self, capture: Capture) -> bool:
        """Read until the camera fails (returns False) or a non-looping file ends (returns True)."""
        fps = capture.get(cv2.CAP_PROP_FPS) if self.is_file else 0.0
        interval = 1.0 / fps if self.realtime_file and fps and fps > 0 else 0.0
        next_due = time.monotonic()
        while not self._stop.is_set():
            try:
                ok, image = capture.read()
            except cv2.error as error:
                log.warning("camera %s read failed: %s", self.source, error)
                return False
            if not ok or image is None:
                if not self.is_file:
                    return False
                if not self.loop_file:
                    return True
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                continue
            self._push(image)
            if interval:
                next_due += interval
                self._stop.wait(max(0.0, next_due - time.monotonic()))
        return False

    def _push(self, image: np.ndarray) -> None:
        with self._condition:
            if len(self._buffer) == self._buffer.maxlen:
                self.frames_dropped += 1  # deque drops the oldest on append
            self._buffer.append(Frame(image, self.frames_read, time.monotonic()))
            self.frames_read += 1
            self._condition.notify_all()
