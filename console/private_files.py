"""Every file the console writes for its user (reports as PDF and Excel, a case's ruling, the report
template, an appointment's QR code and slip, the site's key bundle) is readable by its owner only (0600),
as the CLI's are (admin/cli.py's umask): they hold customers' names and numbers, or the site's keys, and
the office PC is shared. One helper, so that a new export cannot forget it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

PRIVATE = 0o600
T = TypeVar("T")


def write_private(path: str | Path, write: Callable[[Path], T]) -> T:
    """`write(path)` into a file made 0600 before anything is in it (an existing one too), and set 0600
    again after (a writer that replaces the file). A failed write leaves no new file behind."""
    target = Path(path)
    existed = target.exists()
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT, PRIVATE))
    os.chmod(target, PRIVATE)
    try:
        result = write(target)
    except BaseException:
        if not existed:
            target.unlink(missing_ok=True)
        raise
    os.chmod(target, PRIVATE)
    return result


def print_private(printer: Any, paint: Callable[[], T]) -> T:
    """`paint()` onto a QPrinter; one printing to a file (the print dialog's "print to file", a PDF) writes
    it private."""
    output = printer.outputFileName()
    return write_private(output, lambda _target: paint()) if output else paint()


def write_private_bytes(path: str | Path, data: bytes) -> Path:
    return write_private(path, lambda target: (target.write_bytes(data), target)[1])


def write_private_text(path: str | Path, text: str) -> Path:
    return write_private(path, lambda target: (target.write_text(text, encoding="utf-8"), target)[1])
