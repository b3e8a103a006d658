"""The face worker process (and multiprocessing's resource tracker beside it) ends with the program that
started it, even when that program is killed (SIGKILL leaves no time to shut anything down): they lived
on under PID 1 with ~130 MB after the kiosk was gone. Real processes, found through /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")

PROGRAM = textwrap.dedent("""
    import sys, time
    from vision.embedder import EmbeddingWorker

    worker = EmbeddingWorker()
    worker.warm_up()  # the worker process is up and has its models
    print("ready", flush=True)
    time.sleep(600)
""")


def stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := stat(int(entry.name))) is not None and info[1] == parent:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    info = stat(pid)
    return info is not None and info[0] != "Z"  # a zombie has ended; only its parent has not reaped it


def wait_until(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return bool(condition())  # type: ignore[operator]


def test_the_worker_and_the_tracker_end_when_their_program_is_killed() -> None:
    program = subprocess.Popen([sys.executable, "-c", PROGRAM], stdout=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    try:
        assert program.stdout is not None and program.stdout.readline().strip() == "ready"
        started = children(program.pid)
        assert len(started) == 2  # the embedding worker and multiprocessing's resource tracker
        os.kill(program.pid, signal.SIGKILL)
        program.wait(10)
        assert wait_until(lambda: not any(alive(pid) for pid in started), 5), \
            [(pid, stat(pid)) for pid in started if alive(pid)]
    finally:
        program.kill()
        program.wait(10)
