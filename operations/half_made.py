"""Nothing half-made: a setup that fails (init, the wizard's new site, a join) takes back what it made.

Keys and settings left behind by a failed setup made the computer look set up: the console no longer
offered its first-run wizard and refused to start. `NothingHalfMade` notes what the data folder and the
settings' folder hold before the setup; when the setup raises, what appeared since is removed (only
that), a settings file that was there gets its old content back, and folders it made are removed again.
Once the database holds the new keys' check values the keys are the site's: `keep()` then (never
remove keys a database relies on). A half-made state an older version left is moved aside (never
deleted) by `move_aside`, which the console offers when it cannot start (console/start_problem.py).
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from types import TracebackType


class NothingHalfMade:
    def __init__(self, directory: Path, settings_file: Path) -> None:
        self.folders = list(dict.fromkeys([directory, settings_file.parent]))
        self.settings_file = settings_file
        self.kept = False
        self.before: dict[Path, set[str]] = {}
        self.made: list[Path] = []  # folders that did not exist, outermost first
        self.settings_before: bytes | None = None

    def __enter__(self) -> NothingHalfMade:
        for folder in self.folders:
            self.before[folder] = set(_entries(folder))
            missing = [folder, *folder.parents]
            self.made += reversed([path for path in missing if not path.exists()])
        if self.settings_file.is_file():
            self.settings_before = self.settings_file.read_bytes()
        return self

    def keep(self) -> None:
        """From here on a failure leaves what was made: the database relies on it."""
        self.kept = True

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None or self.kept:
            return
        for folder, names in self.before.items():
            for name in sorted(set(_entries(folder)) - names):
                _remove(folder / name)
        if self.settings_before is not None and self.settings_file.is_file() \
                and self.settings_file.read_bytes() != self.settings_before:
            self.settings_file.write_bytes(self.settings_before)
        for folder in reversed(self.made):  # innermost first, each only when empty
            with contextlib.suppress(OSError):  # not empty (something else lives there) or already gone
                folder.rmdir()


def _entries(folder: Path) -> list[str]:
    try:
        return [path.name for path in folder.iterdir()]
    except OSError:
        return []


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def move_aside(directory: Path, settings_file: Path, stamp: str) -> list[Path]:
    """Renames the data folder, and the settings file where it lives elsewhere, to NAME.moved-STAMP:
    a computer left half-made (by an older version) starts afresh, and nothing is deleted — the
    files stay for an administrator to look at. Returns the new paths."""
    moved = []
    for path in (directory, settings_file):
        if path.exists() and (path == directory or directory not in path.parents):
            target = path.with_name(f"{path.name}.moved-{stamp}")
            suffix = 1
            while target.exists():
                target, suffix = path.with_name(f"{path.name}.moved-{stamp}-{suffix}"), suffix + 1
            moved.append(path.rename(target))
    return moved
