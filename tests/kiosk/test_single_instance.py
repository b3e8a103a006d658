"""One kiosk per user and site: a second `anchang-kiosk` says the first is running (its pid) and exits 3,
the code anchang-kiosk.service does not restart on; a kiosk killed with SIGKILL leaves the lock free."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk import app as kiosk_app
from kiosk.single_instance import ALREADY_RUNNING_EXIT, AlreadyRunning, InstanceLock, lock_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


def test_a_second_kiosk_of_the_same_site_exits_3_and_names_the_first(
        data_dir: Path, runtime: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = InstanceLock(lock_path(data_dir)).acquire()
    try:
        assert kiosk_app.main(["--camera", "none"]) == ALREADY_RUNNING_EXIT
    finally:
        first.release()
    said = capsys.readouterr().err
    assert f"来访登记已在运行 (pid {os.getpid()})" in said and "the kiosk is already running" in said
    assert str(runtime) in said


def test_the_lock_is_per_site_and_free_again_once_released(tmp_path: Path, runtime: Path) -> None:
    one, other = tmp_path / "one", tmp_path / "other"
    held = InstanceLock(lock_path(one)).acquire()
    InstanceLock(lock_path(other)).acquire().release()  # another site's kiosk is not held back
    with pytest.raises(AlreadyRunning):
        InstanceLock(lock_path(one)).acquire()
    held.release()
    InstanceLock(lock_path(one)).acquire().release()
    assert lock_path(one).parent == runtime


def test_a_killed_kiosk_leaves_the_lock_free(tmp_path: Path, runtime: Path) -> None:
    """What the service's restart relies on: the OS drops the lock with the dead process."""
    site = tmp_path / "site"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from kiosk.single_instance import InstanceLock, lock_path; "
         "InstanceLock(lock_path(Path(sys.argv[1]))).acquire(); print('held', flush=True); time.sleep(60)",
         str(site)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning) as running:
            InstanceLock(lock_path(site)).acquire()
        assert running.value.pid == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    deadline = time.monotonic() + 5
    while True:
        try:
            InstanceLock(lock_path(site)).acquire().release()
            break
        except AlreadyRunning:
            assert time.monotonic() < deadline, "the lock outlived the killed process"
            time.sleep(0.05)


def test_the_fallback_runtime_folder_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    folder = lock_path(tmp_path / "site").parent
    assert folder.parent == tmp_path and folder.stat().st_mode & 0o777 == 0o700
