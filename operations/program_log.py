"""Where the three programs log, set up in one place: `<data dir>/logs/<program>.log`, rotated by size,
as private as the site's other files, every line with its time, level, station and logger; and standard
error, which under systemd (JOURNAL_STREAM set) is the journal already, so its lines carry the journal's
priority instead of a time. Every line, file or stderr, passes the journal's personal-data guard first:
a phone or ID-card number in a message or a traceback is masked (db.personal.mask_personal_numbers), so a
log file can go into a support bundle (operations/diagnose.py).
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from db.personal import mask_personal_numbers

LOG_FOLDER = "logs"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5  # program.log.1 … .5: 30 MB at most per program
PRIVATE, SHARED = 0o600, 0o660  # a per-user site's files; a site folder its group shares (its files 0660)
QUIET_LOGGERS = ("alembic",)  # every migration step at INFO says nothing a support call needs
# journald reads a "<priority>" prefix on each line of a service's stderr (sd-daemon(3))
JOURNAL_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def log_folder(directory: Path) -> Path:
    return directory / LOG_FOLDER


def log_file(directory: Path, program: str) -> Path:
    return log_folder(directory) / f"{program}.log"


def configured_station(section: str, default: str) -> str:
    """This computer's station name in anchang.toml's [section] ("kiosk-front"), else `default`; a
    configuration that cannot be read is the program's own error to report, not the log's."""
    from db.config import ConfigError, settings

    try:
        table = settings().get(section, {})
    except ConfigError:
        return default
    name = table.get("station") if isinstance(table, dict) else None
    return str(name) if name else default


def under_journald() -> bool:
    return bool(os.environ.get("JOURNAL_STREAM"))


class MaskedFormatter(logging.Formatter):
    """Formats a record (message, arguments and traceback), then masks the personal numbers in it."""

    def __init__(self, layout: str, journal: bool = False) -> None:
        super().__init__(layout)
        self.journal = journal

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        # local time with its offset, to the millisecond: comparable with the journal's UTC times
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        text, _count = mask_personal_numbers(super().format(record))
        if self.journal:  # each line of a traceback is an entry of its own in the journal
            priority = JOURNAL_PRIORITY.get(record.levelno, 6)
            text = "\n".join(f"<{priority}>{line}" for line in text.splitlines())
        return text


class PrivateRotatingFile(RotatingFileHandler):
    """A rotating log file made with `mode` from the start (the first one and each after a rotation),
    whatever the umask."""

    def __init__(self, path: Path, mode: int, max_bytes: int, backups: int) -> None:
        self.file_mode = mode
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, self.file_mode)
        if os.name == "posix" and os.fstat(fd).st_uid == os.getuid():  # another member's file: theirs to set
            os.fchmod(fd, self.file_mode)  # exactly, whatever the umask took away at its creation
        return open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115 - the handler closes it


@dataclass
class ProgramLog:
    """The handlers `start_logging` added to the root logger; `stop()` takes them away again."""

    handlers: list[logging.Handler] = field(default_factory=list)
    file: Path | None = None  # None: standard error only (no site folder yet, or it cannot be written)
    previous_level: int = logging.WARNING

    def stop(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        self.handlers.clear()
        root.setLevel(self.previous_level)


_current: ProgramLog | None = None  # the one set up last: a second start (tests, a re-run main) replaces it


def start_logging(program: str, station: str, *, level: int = logging.INFO, to_file: bool = True,
                  terminal: bool = False, doing: str = "", directory: Path | None = None,
                  max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> ProgramLog:
    """Logs to `<data dir>/logs/<program>.log` (only once the data folder exists: a program started
    before `anchang init` makes no site folder) and to standard error, beginning with a line saying which
    version started (and `doing`: the command). `terminal` (the `anchang` command, whose output is for a
    person at a prompt): standard error shows warnings only, as bare messages, as before files were kept."""
    global _current
    if _current is not None:
        _current.stop()
    root = logging.getLogger()
    done = ProgramLog(previous_level=root.level)
    tag = station.replace("%", "%%")
    journal = under_journald()
    if terminal and not journal:
        err_layout, err_level = "%(message)s", logging.WARNING
    else:
        err_layout, err_level = f"%(levelname)s [{tag}] %(name)s: %(message)s", logging.WARNING if terminal else level
        if not journal:  # journald stamps its own time
            err_layout = "%(asctime)s " + err_layout
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(MaskedFormatter(err_layout, journal=journal))
    stderr.setLevel(err_level)
    done.handlers.append(stderr)
    problem = None
    if to_file:
        try:
            done.file = _open_file(done, program, tag, directory, max_bytes, backups)
        except OSError as error:
            problem = error
    root.setLevel(level)
    for handler in done.handlers:
        root.addHandler(handler)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if problem is not None:
        logging.getLogger(__name__).warning("日志文件无法写入 / cannot write the log file: %s", problem)
    from operations.version import program_version

    logging.getLogger(program).info("%s %s 启动 / started%s (pid %d)", program, program_version(),
                                    f": {doing}" if doing else "", os.getpid())
    _current = done
    return done


def _open_file(done: ProgramLog, program: str, tag: str, directory: Path | None, max_bytes: int,
               backups: int) -> Path | None:
    from db.config import data_dir

    site = directory if directory is not None else data_dir()
    if not site.is_dir():
        return None
    shared = bool(site.stat().st_mode & 0o020)  # a group's site folder (2770): its files are 0660
    folder = log_folder(site)
    if not folder.is_dir():
        folder.mkdir()
        folder.chmod(0o2770 if shared else 0o700)  # as its site folder, whatever the umask
    path = log_file(site, program)
    handler = PrivateRotatingFile(path, SHARED if shared else PRIVATE, max_bytes, backups)
    handler.setFormatter(MaskedFormatter(f"%(asctime)s %(levelname)s [{tag}] %(name)s: %(message)s"))
    done.handlers.append(handler)
    return path


def run_station(program: str, kind: str, *, tour: bool, work: Callable[[], int]) -> int:
    """A station program's main (anchang-kiosk, anchang-console): the site's umask (0600 files, or 0660 for
    the system site's group) before anything is made, its log with the station named in [kind] (a tour
    renders demo data, not this site's: warnings on stderr, nothing in the site's log), then `work()`."""
    from db.site_dirs import use_site_umask

    previous = use_site_umask()
    logs = start_logging(program, configured_station(kind, kind), level=logging.WARNING if tour else logging.INFO,
                         to_file=not tour)
    try:
        return work()
    finally:
        logs.stop()
        os.umask(previous)  # a caller in the same process (a test) gets its own umask back
