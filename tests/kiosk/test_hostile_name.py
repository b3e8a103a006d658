"""The kiosk's way in (kiosk/checkin.py): a name read from an ID card or a source holding a control,
bidi-override or zero-width character is refused by the store's shared check, naming it, and nothing
is written (issue 16, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from db.models import JournalEntry
from kiosk.checkin import Checkin, submit
from tests.db.stores import new_store


@pytest.mark.parametrize("char", ["\x1b", "\u202e", "\u2066", "\u200b", "\ufeff"])
def test_a_hostile_name_from_the_kiosk_is_refused_naming_it(sqlite_url: str, tmp_path: Path, char: str) -> None:
    store = new_store(sqlite_url, tmp_path / "keys", ("李强",))
    with store.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one()
    for checkin in (Checkin(phone="13812345678", name=f"艾{char}力"),
                    Checkin(phone="13812345678", name="艾力", source=f"抖音{char}")):
        with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
            submit(store, None, checkin)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one() == before
    store.dispose()
