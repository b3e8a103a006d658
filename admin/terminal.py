"""What `anchang` prints reaches a terminal: no hidden character goes there raw.

Names and notes are checked at entry (db/text_rules.py), but an older version stored them unchecked, and
an ESC in a consultant's name printed by `anchang board` drove the terminal (colours, a cleared screen,
a changed window title). While a command runs, its standard output and error pass through
`EscapedStream`, which writes each control, bidi or zero-width character as <U+XXXX>; line breaks and
tabs stay (a carriage return does not: it would let a line overwrite what was printed before it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from db.text_rules import visible


class EscapedStream:
    """A text stream whose writes have hidden characters escaped; everything else is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text, multiline=True).replace("\r", "<U+000D>"))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def escaped_output() -> Iterator[None]:
    """sys.stdout and sys.stderr escaped for the duration (the command's own prints and its errors)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapedStream(out), EscapedStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
