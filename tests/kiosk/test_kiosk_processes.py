"""Nothing of the kiosk lives on after it: SIGTERM closes it cleanly (exit 0, its face worker ended), and
even after SIGKILL its face worker and multiprocessing's resource tracker end within seconds (they lived
on under PID 1 with ~130 MB). The real `anchang-kiosk`, offscreen, its children found through /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kiosk.shutdown import SignalWatch
from tests.vision.test_vision_lifeline import alive, children, stat, wait_until

BIN = Path(sys.executable).parent
on_linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def start_kiosk(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """`anchang-kiosk` on a new site, once its face worker (and the resource tracker) are up."""
    env = {**os.environ, "ANCHANG_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("ANCHANG_DATABASE_URL", None)
    subprocess.run([str(BIN / "anchang"), "init"], env=env, check=True, capture_output=True, timeout=120)
    log = (tmp_path / "kiosk.log").open("w")
    kiosk = subprocess.Popen([str(BIN / "anchang-kiosk"), "--windowed", "--camera", "none"], env=env,
                             stdout=log, stderr=subprocess.STDOUT, text=True)
    if not wait_until(lambda: len(children(kiosk.pid)) >= 2 or kiosk.poll() is not None, 90):
        kiosk.kill()
    assert kiosk.poll() is None, (tmp_path / "kiosk.log").read_text()
    time.sleep(1.0)  # the worker's models loaded: the kiosk is fully up
    found = children(kiosk.pid)
    assert len(found) == 2, found  # the embedding worker and the resource tracker
    return kiosk, found


@on_linux
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_the_kiosk_leaves_no_process_behind(tmp_path: Path, how: signal.Signals) -> None:
    kiosk, started = start_kiosk(tmp_path)
    try:
        kiosk.send_signal(how)
        code = kiosk.wait(20)
        if how == signal.SIGTERM:  # closed, not killed: the way staff mode closes it
            assert code == 0, (tmp_path / "kiosk.log").read_text()
            assert "SIGTERM: closing the kiosk" in (tmp_path / "kiosk.log").read_text()
        assert wait_until(lambda: not any(alive(pid) for pid in started), 5), \
            [(pid, stat(pid)) for pid in started if alive(pid)]
    finally:
        kiosk.kill()
        kiosk.wait(10)


def test_a_signal_is_noticed_while_qt_waits(qtbot: Any) -> None:
    """The handler runs while the event loop sits in C++ (no Python timer ticking meanwhile)."""
    closed: list[float] = []
    watch = SignalWatch(lambda: closed.append(time.monotonic()), signals=(signal.SIGUSR1,))
    try:
        sent = time.monotonic()
        os.kill(os.getpid(), signal.SIGUSR1)
        qtbot.waitUntil(lambda: bool(closed), timeout=5_000)
        assert closed[0] - sent < 1.0 and watch.received == [signal.SIGUSR1]
    finally:
        watch.restore()
