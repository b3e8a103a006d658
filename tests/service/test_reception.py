"""Reception support: pending check-ins, blacklist checks, channels, the rotation board, check-in
sources, and kiosk check-in references (idempotency key, the kiosk's own time)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import checkin_refs
from db.models import CheckinRef, JournalEntry
from judge.reasons import EngineError
from service import reception
from service.reception import PendingCheckin, RotationSlot, Source
from service.store import Store, UnknownName
from tests.db.stores import new_store
from tests.service.test_store import T0, advance, journal_count


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("A", "B", "C"), {"贝壳": ["X", "X2"], "中原": ["Y"]})
    yield s
    s.dispose()


def refs(store: Store) -> list[tuple[str, int]]:
    with store.engine.connect() as conn:
        return [(r, s) for r, s in conn.execute(sa.select(CheckinRef.ref, CheckinRef.visit_seq)
                                                .order_by(CheckinRef.visit_seq))]


def test_pending_check_ins_oldest_first_masked_and_nothing_else(store: Store) -> None:
    store.register_visit("13900000001", name="王五")  # verified: not waiting
    advance(store, minutes=5)
    late = store.register_visit("13900000002", name="张女士", verified=False, ref="k1-0002",
                                arrived_at=T0 + timedelta(minutes=1))  # queued at a kiosk, sent late
    advance(store, minutes=1)
    first = store.register_visit("13900000003", name="李四", verified=False)
    advance(store, minutes=1)
    confirmed = store.register_visit("13900000004", verified=False)
    store.confirm_visit("13900000004")
    pending = reception.pending_checkins(store)
    assert pending == [
        PendingCheckin(visit_seq=late.seq, at=T0 + timedelta(minutes=1), phone_masked="139****0002",
                       surname="张女士", consultant=late.assigned_to),
        PendingCheckin(visit_seq=first.seq, at=first.at, phone_masked="139****0003", surname="李*",
                       consultant=first.assigned_to),
    ]
    assert confirmed.seq not in [p.visit_seq for p in pending]
    assert late.at == T0 + timedelta(minutes=5)  # judged when it reached the store


def test_a_protected_customers_check_in_waits_for_the_owner(store: Store) -> None:
    store.register_visit("13900000005", consultant="C")
    advance(store, days=1)
    store.register_visit("13900000005", verified=False)
    [waiting] = reception.pending_checkins(store)
    assert waiting.consultant == "C" and waiting.surname is None


@pytest.mark.parametrize(("name", "shown"), [("张女士", "张女士"), ("欧阳先生", "欧阳先生"), ("张三丰", "张**"),
                                             ("司马懿", "司马*"), ("张", "张"), ("Zhang Wei", "Zhang *")])
def test_surname_display(store: Store, name: str, shown: str) -> None:
    store.register_visit("13900000006", name=name, verified=False)
    assert reception.pending_checkins(store)[0].surname == shown


def test_same_ref_twice_returns_the_first_result_and_writes_nothing(store: Store) -> None:
    first = store.register_visit("13900000007", ref="kiosk1-abc", arrived_at=T0 - timedelta(minutes=3),
                                 source="线上平台")
    before = journal_count(store)
    advance(store, minutes=10)
    again = store.register_visit("13900000007", ref="kiosk1-abc")
    assert (again.seq, again.at, again.customer_id, again.assigned_to, again.phone_masked) == (
        first.seq, first.at, first.customer_id, first.assigned_to, "139****0007")
    assert journal_count(store) == before
    assert refs(store) == [("kiosk1-abc", first.seq)]
    with store.engine.connect() as conn:
        arrived, source = conn.execute(sa.select(CheckinRef.arrived_at, CheckinRef.source)).one()
    assert arrived.replace(tzinfo=T0.tzinfo) == T0 - timedelta(minutes=3) and source == "线上平台"


def test_a_ref_committed_meanwhile_is_not_written_twice(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = store.register_visit("13900000008", ref="race-1")
    before = journal_count(store)
    real = checkin_refs.earlier_result
    calls: list[str] = []

    def missed_once(engine: sa.Engine, ref: str):  # type: ignore[no-untyped-def]
        calls.append(ref)
        return None if len(calls) == 1 else real(engine, ref)  # the first look-up raced the commit

    monkeypatch.setattr(checkin_refs, "earlier_result", missed_once)
    again = store.register_visit("13900000008", ref="race-1")
    assert again.seq == first.seq and len(calls) == 2
    assert journal_count(store) == before
    store.register_visit("13900000009")  # the engine cache is still in step
    assert journal_count(store) == before + 1


def test_a_refused_check_in_keeps_no_ref(store: Store) -> None:
    with pytest.raises(UnknownName):
        store.register_visit("13900000010", consultant="nobody", ref="r-10")
    assert refs(store) == []
    result = store.register_visit("13900000010", consultant="A", ref="r-10")
    assert refs(store) == [("r-10", result.seq)]


def test_a_kiosk_clock_ahead_is_capped_and_bad_refs_refused(store: Store) -> None:
    result = store.register_visit("13900000011", ref="ahead", arrived_at=T0 + timedelta(hours=2))
    with store.engine.connect() as conn:
        arrived = conn.execute(sa.select(CheckinRef.arrived_at)).scalar_one()
    assert arrived.replace(tzinfo=T0.tzinfo) == result.at  # not two hours in the future
    with pytest.raises(ValueError, match="aware"):
        store.register_visit("13900000012", arrived_at=T0.replace(tzinfo=None))
    with pytest.raises(ValueError, match="1-64"):
        store.register_visit("13900000012", ref="x" * 65)


def test_is_blacklisted(store: Store) -> None:
    store.register_visit("13900000013")
    store.blacklist(phone="13900000013")
    store.blacklist(agent="X")
    store.blacklist(channel="中原")
    assert reception.is_blacklisted(store, phone="13900000013")
    assert reception.is_blacklisted(store, agent="X")
    assert reception.is_blacklisted(store, channel="中原")
    assert not reception.is_blacklisted(store, agent="X2")
    assert not reception.is_blacklisted(store, channel="贝壳")
    assert not reception.is_blacklisted(store, phone="13900000014")  # nobody yet
    store.blacklist(agent="X", listed=False)
    assert not reception.is_blacklisted(store, agent="X")


def test_channels_and_rotation_board(store: Store) -> None:
    assert reception.channels(store) == {"中原": ["Y"], "贝壳": ["X", "X2"]}
    assert reception.rotation_board(store) == [RotationSlot("A", False, True), RotationSlot("B", False, False),
                                               RotationSlot("C", False, False)]
    store.set_busy("A", True)
    store.register_visit("13900000015")  # B takes the walk-in and goes to the back
    assert reception.rotation_board(store) == [RotationSlot("A", True, False), RotationSlot("C", False, True),
                                               RotationSlot("B", False, False)]
    store.set_busy("C", True)
    store.set_busy("B", True)
    assert [s.name for s in reception.rotation_board(store) if s.is_next] == ["A"]  # all busy: the head


def test_sources_default_set_and_registered(store: Store) -> None:
    assert [s.name for s in reception.sources(store)] == ["自然来访", "渠道带访", "线上平台", "老业主推荐"]
    store.add_channel("全民经纪人", ["老刘"])
    defaults = reception.sources(store)
    assert [s.name for s in defaults] == ["自然来访", "渠道带访", "全民经纪人", "线上平台", "老业主推荐"]
    referral = defaults[2]
    fields = reception.visit_fields(referral, agent="老刘")
    assert fields == {"channel": "全民经纪人", "agent": "老刘", "source": "全民经纪人"}
    assert store.register_visit("13900000016", **fields).outcome.customer is not None
    assert reception.visit_fields(defaults[3]) == {"channel": "natural", "agent": None, "source": "线上平台"}
    with pytest.raises(EngineError, match="请选择渠道"):
        reception.visit_fields(defaults[1], agent="X")

    before = journal_count(store)
    mine = [Source("自然来访"), Source("贝壳专场", "channel", "贝壳")]
    reception.set_sources(store, mine, actor="经理")
    assert reception.sources(store) == mine
    with store.engine.connect() as conn:
        kind, actor = conn.execute(sa.select(JournalEntry.kind, JournalEntry.actor)
                                   .order_by(JournalEntry.seq.desc()).limit(1)).one()
    assert (kind, actor) == ("setting", "经理") and journal_count(store) == before + 1
    store.blacklist(channel="贝壳")
    assert reception.sources(store) == [Source("自然来访")]


@pytest.mark.parametrize("bad", [
    [Source("a"), Source("a")],
    [Source("")],
    [Source("x", "bus")],
    [Source("x", "natural", "贝壳")],
    [Source("x", "channel", "natural")],
    [Source("x", "channel", "没有这个渠道")],
    [],
])
def test_bad_sources_are_refused_and_change_nothing(store: Store, bad: list[Source]) -> None:
    before = journal_count(store)
    with pytest.raises(EngineError):
        reception.set_sources(store, bad)
    assert journal_count(store) == before
    assert [s.name for s in reception.sources(store)][0] == "自然来访"
