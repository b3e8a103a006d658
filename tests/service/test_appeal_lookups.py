"""申诉 by typed number is no oracle (service/appeal_guard.py): an unknown number, the consultant's own customer
and a customer never at the site get the same words; each such miss is journalled (no number in it), and
after MAX_MISSES in WINDOW the consultant's lookups pause for PAUSE, journalled for the 审计 page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.database import read_session
from db.models import JournalEntry
from judge.reasons import EngineError
from service import appeal_guard, appeals, users
from service.desk import Desk
from service.store import Store
from tests.db.stores import new_store
from tests.service.test_store import advance

OWNED = "13812345678"  # 李强's customer
WAITING = "13700001111"  # checked in, never confirmed: not yet visited
PASSWORD = "pw-123456"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Store:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"))
    for name, consultant in (("李强", "李强"), ("王丽", "王丽")):
        users.add_user(s, name, "consultant", PASSWORD, consultant=consultant)
    s.register_visit(OWNED, consultant="李强", name="张先生")
    s.register_visit(WAITING, consultant="王丽", verified=False)
    return s


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, PASSWORD))


def refusal(store: Store, name: str, phone: str) -> str:
    with pytest.raises(EngineError) as caught:
        appeals.file_appeal_by_phone(desk(store, name), phone, "客户是我先接待的")
    return str(caught.value)


def entries(store: Store, kind: str) -> list[tuple[str, dict[str, object]]]:
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(JournalEntry.actor, JournalEntry.payload)
                               .where(JournalEntry.kind == kind).order_by(JournalEntry.seq)).all()
    return [(actor, json.loads(payload)) for actor, payload in rows]


def test_unknown_own_and_never_visited_numbers_get_the_same_words(store: Store) -> None:
    unknown = refusal(store, "李强", "13900009999")
    own = refusal(store, "李强", OWNED)
    never_visited = refusal(store, "李强", WAITING)
    assert unknown == own == never_visited == appeal_guard.NOT_APPEALABLE
    assert entries(store, appeal_guard.MISS) == [("李强", {"consultant": "李强"})] * 3  # no number journalled


def test_a_short_reason_is_refused_before_any_lookup_and_counts_nothing(store: Store) -> None:
    with pytest.raises(EngineError, match="至少"):
        appeals.file_appeal_by_phone(desk(store, "王丽"), "13900009999", " 是 ")
    assert entries(store, appeal_guard.MISS) == []


def test_an_appeal_still_open_is_said_and_not_counted(store: Store) -> None:
    appeals.file_appeal_by_phone(desk(store, "王丽"), OWNED, "客户是我带看的")
    assert "still open" in refusal(store, "王丽", OWNED)
    assert entries(store, appeal_guard.MISS) == []


def test_misses_pause_the_lookups_and_the_pause_is_journalled(store: Store) -> None:
    for i in range(appeal_guard.MAX_MISSES):
        refusal(store, "王丽", f"139000000{i:02d}")
        advance(store, minutes=1)
    paused = entries(store, appeal_guard.PAUSED)
    assert [(actor, p["consultant"], p["misses"]) for actor, p in paused] == [("王丽", "王丽", appeal_guard.MAX_MISSES)]
    until = paused[0][1]["until"]
    # paused: even a number that could be appealed is not looked up, and nothing more is journalled
    message = refusal(store, "王丽", OWNED)
    assert "暂停" in message and "paused" in message
    assert len(entries(store, appeal_guard.MISS)) == appeal_guard.MAX_MISSES
    assert refusal(store, "李强", "13900009999") == appeal_guard.NOT_APPEALABLE  # others are not paused
    advance(store, seconds=appeal_guard.PAUSE.total_seconds())
    assert store.now().isoformat(timespec="microseconds") > str(until)
    result = appeals.file_appeal_by_phone(desk(store, "王丽"), OWNED, "客户是我带看的")  # the pause is over
    assert result.outcome.new_cases[0].claimant == "王丽"


def test_misses_outside_the_window_do_not_add_up(store: Store) -> None:
    for _ in range(appeal_guard.MAX_MISSES - 1):
        refusal(store, "王丽", "13900009999")
    advance(store, seconds=appeal_guard.WINDOW.total_seconds() + 1)
    refusal(store, "王丽", "13900009999")
    assert entries(store, appeal_guard.PAUSED) == []
    assert refusal(store, "王丽", "13900009999") == appeal_guard.NOT_APPEALABLE


def test_the_pause_ends_when_its_time_comes(store: Store) -> None:
    for _ in range(appeal_guard.MAX_MISSES):
        refusal(store, "王丽", "13900009999")
    assert appeal_guard.paused_until(store, "王丽") == store.now() + appeal_guard.PAUSE
    advance(store, seconds=appeal_guard.PAUSE.total_seconds() - 1)
    assert appeal_guard.paused_until(store, "王丽") is not None
    advance(store, seconds=1)
    assert appeal_guard.paused_until(store, "王丽") is None
