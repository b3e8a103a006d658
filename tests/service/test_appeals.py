"""申诉 through the store (service/appeals.py), SQLite and PostgreSQL: the journal entry and its note, the case
it opens, refusals that write nothing, the decision, two managers on two stations deciding one case at
once, erasure of the reason, and a rebuild equal to the live projections."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import projection
from db.database import make_engine, read_session
from db.models import Case, JournalEntry, Note
from judge.reasons import EngineError
from service import appeals, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import ManualClock, Store
from tests.db.stores import T0, new_store

OWNED = "13812345678"  # 李强's customer
PASSWORD = "pw-123456"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Store:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"))
    for name, role, consultant in (("经理", "manager", None), ("经理二", "manager", None),
                                   ("前台", "receptionist", None), ("李强", "consultant", "李强"),
                                   ("王丽", "consultant", "王丽")):
        users.add_user(s, name, role, PASSWORD, consultant=consultant)
    s.register_visit(OWNED, consultant="李强", name="张先生")
    return s


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, PASSWORD))


def journal_size(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0)


def note_count(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Note)) or 0)


def test_an_appeal_is_journalled_with_its_reason_as_a_note_and_opens_a_case(store: Store) -> None:
    customer = store.customer_id(OWNED)
    assert customer is not None
    result = appeals.file_appeal(desk(store, "王丽"), customer, "  客户首访前由我电话邀约  ")
    case = result.outcome.new_cases[0]
    assert (case.kind, case.claimant, case.recommended, case.customer) == ("appeal", "王丽", "李强", customer)
    with read_session(store.engine) as session:
        entry = session.get(JournalEntry, result.seq)
        row = session.get(Case, case.id)
    assert entry is not None and row is not None
    payload = json.loads(entry.payload)
    assert (entry.kind, entry.actor) == ("appeal", "王丽")
    assert payload["customer"] == customer and payload["consultant"] == "王丽"
    assert "邀约" not in entry.payload  # the reason is a note; the journal holds its ref
    assert store.note_texts([payload["reason"]]) == {payload["reason"]: "客户首访前由我电话邀约"}
    assert (row.kind, row.claimant, row.recommended, row.status) == ("appeal", "王丽", "李强", "open")
    assert json.loads(row.evidence)[0] == result.seq


def test_refused_appeals_write_nothing(store: Store) -> None:
    customer = store.customer_id(OWNED)
    assert customer is not None
    before = (journal_size(store), note_count(store))
    with pytest.raises(EngineError, match="至少"):
        appeals.file_appeal(desk(store, "王丽"), customer, " 是 ")
    with pytest.raises(EngineError, match="already owns"):
        appeals.file_appeal(desk(store, "李强"), customer, "这是我的客户")
    with pytest.raises(EngineError, match="no customer you can appeal about has this number"):  # a miss, journalled
        appeals.file_appeal_by_phone(desk(store, "王丽"), "13900009999", "客户是我的")
    for name in ("经理", "前台"):
        with pytest.raises(PermissionDenied):
            appeals.file_appeal(desk(store, name), customer, "客户是我的")
    appeals.file_appeal_by_phone(desk(store, "王丽"), OWNED, "客户是我带看的")
    after_first = (journal_size(store), note_count(store))
    with pytest.raises(EngineError, match="still open"):
        appeals.file_appeal(desk(store, "王丽"), customer, "再申诉一次")
    assert (journal_size(store), note_count(store)) == after_first == (before[0] + 2, before[1] + 1)


def test_a_customer_never_at_the_site_cannot_be_appealed(store: Store) -> None:
    store.register_visit("13700001111", consultant="王丽", verified=False)  # waits for reception
    customer = store.customer_id("13700001111")
    assert customer is not None
    with pytest.raises(EngineError, match="has not visited"):
        appeals.file_appeal(desk(store, "李强"), customer, "客户是我的")


def test_deciding_an_appeal_for_the_appellant_needs_a_reason_and_moves_the_customer(store: Store) -> None:
    customer = store.customer_id(OWNED)
    assert customer is not None
    case = appeals.file_appeal(desk(store, "王丽"), customer, "客户是我带看的").outcome.new_cases[0]
    manager = desk(store, "经理")
    before = journal_size(store)
    for short in ("", "对"):
        with pytest.raises(EngineError, match="推翻建议裁决必须写明理由"):
            manager.decide_case(case.id, "王丽", short)
    with pytest.raises(PermissionDenied):
        desk(store, "王丽").decide_case(case.id, "王丽", "我的客户我做主")
    assert journal_size(store) == before
    manager.decide_case(case.id, "王丽", "核实通话记录，王丽先接待")
    assert manager.owner_of(customer) == "王丽"
    with read_session(store.engine) as session:
        row = session.get(Case, case.id)
    assert row is not None and (row.status, row.verdict, row.decided_by) == ("decided", "王丽", "经理")
    assert store.note_texts([str(row.decision_reason)])[str(row.decision_reason)] == "核实通话记录，王丽先接待"


def test_two_managers_on_two_stations_deciding_at_once_one_wins(store: Store, db_url: str) -> None:
    customer = store.customer_id(OWNED)
    assert customer is not None
    case = appeals.file_appeal(desk(store, "王丽"), customer, "客户是我带看的").outcome.new_cases[0]
    other = Store(make_engine(db_url), store.keyring, clock=ManualClock(T0 + timedelta(minutes=5)),
                  station="console-2")
    store.clock.at = T0 + timedelta(minutes=5)  # type: ignore[attr-defined]
    desks = [desk(store, "经理"), desk(other, "经理二")]
    for d in desks:
        assert d.store.site().cases[case.id].status == "open"  # both stations saw it open
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(d: Desk, verdict: str) -> None:
        start.wait()
        try:
            d.decide_case(case.id, verdict, "两位经理同时裁决的理由")
            outcomes.append(f"won:{d.actor}")
        except EngineError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=decide, args=(d, v)) for d, v in zip(desks, ("李强", "王丽"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(outcomes) == 2 and len(winners) == 1, outcomes
    winner = winners[0].removeprefix("won:")
    loser_message = next(o for o in outcomes if not o.startswith("won:"))
    assert f"已由 {winner} 裁决" in loser_message and "already decided" in loser_message
    with read_session(store.engine) as session:
        decisions = session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                                   .where(JournalEntry.kind == "case_decision"))
    assert decisions == 1
    other.dispose()


def test_erasing_the_customer_erases_the_reason_and_a_rebuild_equals_the_live_state(store: Store) -> None:
    customer = store.customer_id(OWNED)
    assert customer is not None
    result = appeals.file_appeal(desk(store, "王丽"), customer, "客户是我带看的")
    desk(store, "经理").decide_case(result.outcome.new_cases[0].id, "李强", "")
    with read_session(store.engine) as session:
        live = projection.snapshot_rows(session)
    store.rebuild()
    with read_session(store.engine) as session:
        assert projection.snapshot_rows(session) == live
    ref = json.loads(_payload(store, result.seq))["reason"]
    store.forget(OWNED)
    assert store.note_texts([ref])[ref].startswith("（已删除）")


def _payload(store: Store, seq: int) -> str:
    with read_session(store.engine) as session:
        return str(session.scalar(sa.select(JournalEntry.payload).where(JournalEntry.seq == seq)))
