"""One kiosk per user and site folder: a second `anchang-kiosk` (the autostart entry and the systemd user
service both enabled, a double click on the menu entry) would open a second camera and drain the same
outbox. The lock is an OS file lock in the user's runtime folder, so a kiosk that dies, however it dies,
leaves nothing to clean up and the restarted one (anchang-kiosk.service) takes it at once.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

# The exit code of a second instance: the systemd unit's RestartPreventExitStatus, not a failure to retry.
ALREADY_RUNNING_EXIT = 3


class AlreadyRunning(RuntimeError):
    """Another kiosk holds the lock; `pid` is the one it wrote (None where it cannot be read)."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = f" (pid {pid})" if pid else ""
        super().__init__(f"来访登记已在运行{who} / the kiosk is already running{who}; lock {path}")
        self.path, self.pid = path, pid


def runtime_dir() -> Path:
    """$XDG_RUNTIME_DIR (a tmpfs of this login, 0700), else a 0700 folder of this user's in the temp folder."""
    configured = os.environ.get("XDG_RUNTIME_DIR")
    if configured and Path(configured).is_dir():
        return Path(configured)
    if sys.platform == "win32":
        return Path(tempfile.gettempdir())  # per user on Windows
    folder = Path(tempfile.gettempdir()) / f"anchang-runtime-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.is_symlink() or folder.stat().st_uid != os.getuid():
        raise PermissionError(f"运行目录不属于本用户 / {folder} belongs to another user")
    return folder


def lock_path(data_dir: Path) -> Path:
    """The lock of the kiosk of the site in `data_dir` (two sites' kiosks, e.g. a test's, do not collide)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return runtime_dir() / f"anchang-kiosk-{digest}.lock"


class InstanceLock:
    """Held from `acquire` until `release` or the process's end (the OS drops it with the file descriptor)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            pid = _written_pid(fd)
            os.close(fd)
            raise AlreadyRunning(self.path, pid) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock; the file stays (deleting it would race a new holder)
            self._fd = None


def _lock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _written_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip() if hasattr(os, "pread") else ""
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
