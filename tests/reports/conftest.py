"""The seeded site of tests/reports/seed.py, counted by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reports.seed import Seeded, seed_site


@pytest.fixture
def seeded(db_url: str, tmp_path: Path) -> Iterator[Seeded]:
    s = seed_site(db_url, tmp_path / "keys")
    yield s
    s.store.dispose()
