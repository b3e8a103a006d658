"""No camera is a clear state, never the demo video: face check-in and QR codes unavailable, the other
paths offered, reception told once (staff mode's 提醒 and the log); a camera that stops giving pictures
is lost the same way, and comes back when its pictures do."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pytest

from kiosk import camera_feed
from kiosk.app import open_camera
from kiosk.faces import GUIDE, FaceStep
from kiosk.fakes import FakeCamera, ScriptedFaceEngine
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, tap, text, until, wait_screen
from vision.camera import CameraState, Frame, demo_video_path

LOST_NOTE = "摄像头暂不可用，正在重新连接；请用身份证或手机号登记"
GONE = "摄像头不可用：刷脸和扫码登记已暂停（访客可用手机号或身份证登记），请检查摄像头连接"
BACK = "摄像头已恢复：刷脸和扫码登记可用"


class StallingCamera(FakeCamera):
    """Says it runs, but hands out no picture while `stalled` (a USB camera whose reads hang)."""

    stalled = False

    def next_frame(self, timeout: float | None = None) -> Frame | None:
        if self.stalled:
            self._stop.wait(min(timeout or 0.05, 0.05))
            return None
        return super().next_frame(timeout)


def camera_alerts(alerts: list[str]) -> list[str]:
    return [alert.split(" ", 1)[1] for alert in alerts if "摄像头" in alert]


def test_no_camera_at_the_index_is_unavailable_never_the_demo_video(
        qtbot: Any, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.camera_feed")
    camera = open_camera("99")  # the real camera code, on an index with no device behind it
    assert camera.source == 99 and not camera.loop_file
    services = services_for(store, camera=camera, faces=ScriptedFaceEngine(), reader_port="/dev/null")
    window = open_window(qtbot, services)
    start = window.screen("start")
    until(qtbot, lambda: text(window, "camera_status") == LOST_NOTE)
    assert not start.face.isEnabled() and not start.qr_button.isEnabled()
    assert start.face.text() == "刷脸登记\n（摄像头暂不可用）"
    assert start.phone.isEnabled() and start.idcard.isEnabled()
    assert window.feed.last_frame is None  # nothing was ever shown or recognised
    until(qtbot, lambda: camera_alerts(services.alerts) == [GONE])
    assert any(r.levelno == logging.WARNING and "camera 99 unavailable" in r.getMessage() for r in caplog.records)
    time.sleep(2.0)  # the camera's worker retries meanwhile (0.5 s, 1 s, ...): reception is told once
    qtbot.wait(50)
    assert camera_alerts(services.alerts) == [GONE]
    tap(qtbot, window, "choice_phone")  # the phone path is there
    wait_screen(qtbot, window, "phone")
    window.close()


def test_the_demo_video_only_when_asked_for() -> None:
    camera = open_camera("demo")
    assert camera.source == str(demo_video_path()) and camera.loop_file
    assert open_camera("none") is None


def stalling_kiosk(qtbot: Any, store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, Any, Any]:
    """A kiosk on a camera the test stalls, lost after 0.3 s without a picture; up with face check-in."""
    monkeypatch.setattr(camera_feed, "STALL_S", 0.3)
    camera = StallingCamera()
    services = services_for(store, camera=camera, faces=ScriptedFaceEngine())
    window = open_window(qtbot, services)
    start = window.screen("start")
    until(qtbot, lambda: start.face.isEnabled())
    return camera, services, window, start


def test_a_camera_without_pictures_is_lost_and_comes_back(qtbot: Any, store: Store,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    camera, services, window, start = stalling_kiosk(qtbot, store, monkeypatch)
    camera.stalled = True  # the camera still says it runs
    until(qtbot, lambda: not start.face.isEnabled())
    assert text(window, "camera_status").startswith("摄像头暂不可用") and start.phone.isEnabled()
    until(qtbot, lambda: camera_alerts(services.alerts) == [GONE])
    camera.stalled = False
    until(qtbot, lambda: start.face.isEnabled() and start.qr_button.isEnabled())
    until(qtbot, lambda: camera_alerts(services.alerts) == [GONE, BACK])
    window.close()


def test_a_reconnecting_camera_is_back_only_with_a_picture(qtbot: Any, store: Store,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Lost, then the device opens again but gives nothing: still unavailable, nobody told twice."""
    camera, services, window, start = stalling_kiosk(qtbot, store, monkeypatch)
    camera.state = CameraState.LOST
    until(qtbot, lambda: camera_alerts(services.alerts) == [GONE])
    for _ in range(3):  # the worker's retries: opens, no picture, lost again
        camera.stalled, camera.state = True, CameraState.RUNNING
        qtbot.wait(150)
        assert not start.face.isEnabled()
        camera.state = CameraState.LOST
        qtbot.wait(100)
    assert camera_alerts(services.alerts) == [GONE] and not start.face.isEnabled()
    camera.stalled, camera.state = False, CameraState.RUNNING
    until(qtbot, lambda: start.face.isEnabled())
    assert camera_alerts(services.alerts) == [GONE, BACK]
    window.close()


def test_the_face_screen_starts_again_when_the_camera_returns(qtbot: Any, store: Store) -> None:
    camera = FakeCamera(np.full((480, 640, 3), 90, np.uint8))
    faces = ScriptedFaceEngine(steps=[FaceStep(GUIDE, "请保持不动")])  # the visitor never gets further
    window = open_window(qtbot, services_for(store, camera=camera, faces=faces))
    face = window.screen("face")
    until(qtbot, lambda: window.screen("start").face.isEnabled())
    tap(qtbot, window, "choice_face")
    tap(qtbot, window, "consent_yes")
    wait_screen(qtbot, window, "face")
    until(qtbot, lambda: text(window, "face_guidance") == "请保持不动")
    first = face.attempts
    camera.state = CameraState.LOST
    until(qtbot, lambda: text(window, "face_guidance") == "摄像头暂不可用，请用手机号登记")
    assert face.attempts == first
    camera.state = CameraState.RUNNING
    until(qtbot, lambda: face.attempts == first + 1)  # a new attempt, on the same visitor's flow
    until(qtbot, lambda: text(window, "face_guidance") == "请保持不动")
    assert window.current == "face" and window.flow is not None and window.flow.consent_id is not None
    window.close()


def test_the_demo_opens_its_kiosk_on_the_demo_video(monkeypatch: pytest.MonkeyPatch) -> None:
    """scripts/run.sh opens `anchang-console --demo`, which opens the kiosk beside it: on the demo video."""
    from console import app as console_app

    started: list[list[str]] = []
    monkeypatch.setattr(console_app.subprocess, "Popen", lambda args, env: started.append(args))
    console_app.launch_kiosk("sqlite:///demo.sqlite3")
    assert started[0][-2:] == ["--camera", "demo"]


def test_face_recognition_that_cannot_start_is_said_not_prepared_for_ever(qtbot: Any, store: Any) -> None:
    """The camera works but the face engine failed to build (models, its worker): the start screen says
    face check-in is unavailable and names the other ways in; reception is told."""
    def broken() -> Any:
        raise RuntimeError("face models missing")

    window = open_window(qtbot, services_for(store, camera=FakeCamera(), faces_factory=broken))
    start = window.screen("start")
    until(qtbot, lambda: window.faces_failed)
    until(qtbot, lambda: start.camera_status.text() == "人脸识别暂不可用，请用手机号、二维码或身份证登记")
    assert not start.face.isEnabled() and "暂不可用" in start.face.text()
    assert start.qr_button.isEnabled()
    assert any("人脸识别无法启动" in alert for alert in window.services.alerts)
