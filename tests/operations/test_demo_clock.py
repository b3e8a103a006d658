"""`anchang demo` never stamps the journal after the moment it is made: a check-in right after it lands,
whatever the hour (a week written up to 17:55 refused every write before 18:00 for the clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.database import make_engine
from db.keys import Keyring
from db.models import JournalEntry
from judge.rules import RuleSet
from operations.demo import run_demo
from service.store import ManualClock, Store

ZONE = RuleSet().timezone  # Asia/Shanghai
DAY = date(2025, 3, 12)


@pytest.mark.parametrize("local", ["00:05", "10:00", "23:55"])
def test_a_check_in_right_after_the_demo_lands(data_dir: Path, local: str) -> None:
    made = datetime.combine(DAY, time.fromisoformat(local), ZONE)
    assert run_demo(quiet=True, now=made) == 0

    engine = make_engine(f"sqlite:///{data_dir / 'demo.sqlite3'}")
    try:
        with engine.connect() as conn:
            stamps = [at.astimezone(ZONE) for at in conn.execute(sa.select(JournalEntry.at)).scalars()]
        assert max(stamps) <= made  # nothing ahead of the moment it was made
        yesterday = [at for at in stamps if at.date() == DAY - timedelta(days=1)]
        assert max(yesterday).time() >= time(17, 0)  # earlier days are full
        today = [at.time() for at in stamps if at.date() == DAY]
        if local == "00:05":
            assert today == []  # the office has not opened yet
        elif local == "10:00":
            assert len(today) >= 5  # the morning so far
        else:
            assert len(today) > 100 and max(today) >= time(17, 0)  # the whole day

        # the kiosk's clock, checked against the journal as every station's is, half a minute later
        clock = ManualClock((made + timedelta(seconds=30)).astimezone(UTC), checked=True)
        store = Store(engine, Keyring.load(data_dir), clock=clock, station="kiosk-前台")
        result = store.register_visit("13912345678", name="周女士", actor="kiosk", source="自然来访")
        assert result.seq == len(stamps) + 1
    finally:
        engine.dispose()
