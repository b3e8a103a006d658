"""Camera worker: bounded buffer, demo video, loss and reconnection (with fake captures)."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from vision.camera import Camera, CameraState, demo_video_path, read_frames
from vision.faces import FacePipeline


class FakeCapture:
    """Delivers `frames` frames, then fails like an unplugged USB camera."""

    def __init__(self, frames: int, opened: bool = True):
        self.remaining = frames
        self.opened = opened
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802
        return self.opened

    def read(self):
        time.sleep(0.002)
        if self.remaining <= 0:
            return False, None
        self.remaining -= 1
        return True, np.zeros((48, 64, 3), np.uint8)

    def release(self) -> None:
        self.released = True

    def get(self, prop: int) -> float:
        return 0.0

    def set(self, prop: int, value: float) -> bool:
        return False


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_demo_video_is_shipped_and_small():
    path = demo_video_path()
    assert path.is_file()
    assert path.stat().st_size < 500_000


def test_demo_video_plays_and_shows_faces():
    with Camera(str(demo_video_path()), realtime_file=False, loop_file=True) as camera:
        frame = camera.next_frame(timeout=5)
        assert frame is not None and frame.image.shape == (480, 640, 3)
        assert len(FacePipeline().detect(frame.image)) == 1  # the first photo: one face


def test_read_frames_reads_a_file_from_the_start_up_to_a_limit(tmp_path):
    assert [f.shape for f in read_frames(demo_video_path(), 3)] == [(480, 640, 3)] * 3
    every = read_frames(demo_video_path())
    assert len(every) > 3 and np.array_equal(every[0], read_frames(demo_video_path(), 1)[0])
    assert read_frames(tmp_path / "missing.mp4") == []


def test_buffer_is_bounded_and_keeps_the_newest_frames():
    with Camera(str(demo_video_path()), realtime_file=False, loop_file=True, buffer_size=2) as camera:
        wait_until(lambda: camera.frames_read > 50)  # a consumer that is far too slow
        assert camera.buffered <= 2
        frame = camera.next_frame(timeout=1)
        assert frame is not None and frame.index >= camera.frames_read - 3
        assert camera.frames_dropped > 40


def test_file_without_loop_ends():
    states = []
    camera = Camera(str(demo_video_path()), realtime_file=False, on_state=lambda s, _: states.append(s))
    camera.start()
    wait_until(lambda: camera.state is CameraState.ENDED)
    camera.stop()
    assert camera.frames_read == 60 and CameraState.ENDED in states


def test_camera_loss_and_reconnection_with_backoff():
    # open fails, 5 frames, unplugged, open fails twice, then it comes back for good
    script = [FakeCapture(0, opened=False), FakeCapture(5), None, FakeCapture(0, opened=False), FakeCapture(10**6)]
    opened_at: list[float] = []
    lock = threading.Lock()

    def opener(source):
        with lock:
            opened_at.append(time.monotonic())
            return script.pop(0) if script else FakeCapture(10**6)

    states: list[CameraState] = []
    camera = Camera(0, opener=opener, backoff_initial=0.02, backoff_max=0.05, on_state=lambda s, _: states.append(s))
    with camera:
        wait_until(lambda: camera.frames_read > 20)
        frame = camera.next_frame(timeout=1)
    assert frame is not None
    assert camera.reconnects == 1
    assert states[:4] == [CameraState.CONNECTING, CameraState.LOST, CameraState.CONNECTING, CameraState.RUNNING]
    assert states.count(CameraState.LOST) == 4 and states[-1] is CameraState.STOPPED
    assert CameraState.RUNNING in states[4:]
    gaps = np.diff(opened_at[:5])
    assert gaps[0] >= 0.015  # waited before retrying


def test_opener_exceptions_do_not_kill_the_worker():
    calls = []

    def opener(source):
        calls.append(source)
        if len(calls) < 3:
            raise cv2.error("driver exploded")
        return FakeCapture(10**6)

    with Camera("rtsp://127.0.0.1:1/none", opener=opener, backoff_initial=0.01) as camera:
        assert camera.next_frame(timeout=5) is not None
    assert len(calls) >= 3


def test_stop_interrupts_a_long_backoff():
    camera = Camera(0, opener=lambda s: FakeCapture(0, opened=False), backoff_initial=30)
    camera.start()
    wait_until(lambda: camera.state is CameraState.LOST)
    started = time.monotonic()
    camera.stop()
    assert time.monotonic() - started < 1 and camera.state is CameraState.STOPPED
    assert camera.next_frame(timeout=0.01) is None


@pytest.mark.parametrize("source", [99, "/nonexistent/video.mp4"])
def test_missing_real_sources_report_lost(source):
    with Camera(source, backoff_initial=5) as camera:
        wait_until(lambda: camera.state is CameraState.LOST)
