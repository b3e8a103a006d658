"""What every router's path and body fields share: ids within the databases' BIGINT, and one line of text
with no control character (PostgreSQL refuses NUL; the stations refuse the rest: db/text_rules.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]  # a customer, case, warning or journal seq
PLAIN = r"^[^\x00-\x1f\x7f]*$"
