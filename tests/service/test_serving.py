"""接待开始 / 接待结束 (service/serving.py) and the 今日 page's reads (service/queries/today.py): the stay row and its
journal entry, busy and free, who may serve which visit, the feed, the queue and stays per consultant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.models import JournalEntry, VisitStay
from service import reception
from service.desk import Desk
from service.queries import today as q
from service.roles import PermissionDenied
from service.serving import ReceptionError, end_reception, start_reception
from service.store import Store
from service.users import User
from tests.db.stores import T0, new_store
from tests.service.test_store import advance


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"), {"贝壳": ["周杰"]})
    yield s
    s.dispose()


def desk(store: Store, role: str, consultant: str | None = None) -> Desk:
    return Desk(store, User(name=consultant or role, role=role, consultant=consultant, active=True))


def busy(store: Store) -> set[str]:
    with store._lock:
        return set(store.site().busy)


def stay_entries(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(JournalEntry.payload).where(JournalEntry.kind == "reception_stay")
                            .order_by(JournalEntry.seq)).scalars().all()
    return [json.loads(p) for p in rows]


def test_a_reception_marks_busy_records_the_stay_and_frees_again(store: Store) -> None:
    visit = store.register_visit("13812345678", name="张伟", consultant="李强")
    reception_desk = desk(store, "receptionist")
    advance(store, minutes=2)
    started = start_reception(reception_desk, visit.seq)
    assert started.consultant == "李强" and started.started_at == T0 + timedelta(minutes=2)
    assert busy(store) == {"李强"}
    advance(store, minutes=45)
    ended = end_reception(reception_desk, visit.seq)
    assert ended.seconds == 45 * 60
    assert busy(store) == set()
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(VisitStay)).one()
    assert (row.consultant, row.started_by, row.ended_by) == ("李强", "receptionist", "receptionist")
    start, end = stay_entries(store)
    assert start == {"visit": visit.seq, "action": "start", "consultant": "李强",
                     "started_at": started.started_at.isoformat()}
    assert end["action"] == "end" and end["seconds"] == 45 * 60
    assert "138" not in json.dumps(stay_entries(store)) and "张" not in json.dumps(stay_entries(store))
    [shown] = q.today_visits(store, q.today(store), 0, 50)
    assert shown.stay_seconds == 45 * 60 and not shown.receiving


def test_starting_twice_or_ending_twice_is_refused_in_both_languages(store: Store) -> None:
    visit = store.register_visit("13812345678", consultant="李强")
    manager = desk(store, "manager")
    with pytest.raises(ReceptionError, match="尚未开始接待 / .*has not started"):
        end_reception(manager, visit.seq)
    start_reception(manager, visit.seq)
    with pytest.raises(ReceptionError, match="已由 李强 开始接待 / .*already started"):
        start_reception(manager, visit.seq, consultant="王丽")
    end_reception(manager, visit.seq)
    with pytest.raises(ReceptionError, match="接待已结束 / .*already ended"):
        end_reception(manager, visit.seq)
    assert len(stay_entries(store)) == 2  # the refusals wrote nothing


def test_a_consultant_serves_only_their_own_visits_as_themself(store: Store) -> None:
    mine = store.register_visit("13812345678", consultant="李强")
    theirs = store.register_visit("13912345678", consultant="王丽")
    li = desk(store, "consultant", "李强")
    with pytest.raises(PermissionDenied, match="不是您的来访"):
        start_reception(li, theirs.seq)
    with pytest.raises(PermissionDenied, match="本人名义"):
        start_reception(li, mine.seq, consultant="王丽")
    start_reception(li, mine.seq)
    start_reception(desk(store, "receptionist"), theirs.seq)
    with pytest.raises(PermissionDenied, match="不是您的接待"):
        end_reception(li, theirs.seq)
    end_reception(li, mine.seq)
    assert busy(store) == {"王丽"}
    for role in ("admin", "channel_manager"):
        with pytest.raises(PermissionDenied):
            start_reception(desk(store, role), mine.seq)
        with pytest.raises(PermissionDenied):
            end_reception(desk(store, role), theirs.seq)


def test_a_consultant_receiving_two_visitors_stays_busy_until_both_leave(store: Store) -> None:
    first = store.register_visit("13812345678", consultant="李强")
    second = store.register_visit("13912345678", consultant="王丽")
    manager = desk(store, "manager")
    start_reception(manager, first.seq)
    start_reception(manager, second.seq, consultant="李强")  # 王丽 is away: 李强 takes them too
    end_reception(manager, first.seq)
    assert busy(store) == {"李强"}
    end_reception(manager, second.seq)
    assert busy(store) == set()


def test_only_todays_existing_visits_can_be_received(store: Store) -> None:
    old = store.register_visit("13812345678", consultant="李强")
    advance(store, days=1)
    manager = desk(store, "manager")
    with pytest.raises(ReceptionError, match="只能接待今日的来访"):
        start_reception(manager, old.seq)
    with pytest.raises(ReceptionError, match="没有此来访"):
        start_reception(manager, 99_999)
    mistake = store.register_visit("13912345678", verified=False)
    store.dismiss_checkin(mistake.seq)
    with pytest.raises(ReceptionError, match="误登记"):
        start_reception(manager, mistake.seq)


def test_the_feed_shows_todays_visits_masked_newest_first(store: Store) -> None:
    store.register_visit("13800000001", name="赵六", consultant="李强")
    advance(store, days=1)
    first = store.register_visit("13812345678", name="张女士", consultant="李强", channel="贝壳", agent="周杰")
    advance(store, minutes=5)
    kiosk = store.register_visit("13912345678", name="王小明", verified=False, ref="kiosk-1-0001",
                                 arrived_at=T0 + timedelta(days=1, minutes=3), source="线上平台", actor="kiosk")
    advance(store, minutes=5)
    returning = store.register_visit("13800000001", name="赵六")
    day = q.today(store)
    rows = q.today_visits(store, day, 0, 50)
    assert [r.visit_seq for r in rows] == [returning.seq, kiosk.seq, first.seq]
    back, waiting, new = rows
    assert (new.phone_masked, new.surname, new.channel, new.agent, new.consultant) == (
        "138****5678", "张女士", "贝壳", "周杰", "李强")
    assert new.first_visit and new.verified
    assert (waiting.surname, waiting.verified, waiting.source, waiting.channel) == ("王**", False, "线上平台", None)
    assert waiting.arrived_at == T0 + timedelta(days=1, minutes=3)  # the kiosk's time
    assert not back.first_visit and back.consultant == "李强"  # returning: to the owner
    assert q.today_visits(store, day, 1, 1) == [waiting]  # paged
    assert [r.visit_seq for r in q.today_visits(store, day, 0, 50, consultant="李强")] == [returning.seq, first.seq]
    counts = q.summary(store)
    assert (counts.visits, counts.first_visits, counts.waiting, counts.receiving) == (3, 2, 1, 0)
    assert q.summary(store, consultant="李强").visits == 2


def test_an_erased_customer_shows_as_deleted(store: Store) -> None:
    store.register_visit("13812345678", name="张伟")
    store.forget("13812345678")
    [row] = q.today_visits(store, q.today(store), 0, 50)
    assert (row.phone_masked, row.surname) == ("（已删除）", None)


def test_the_queue_carries_the_customer_the_desk_confirms(store: Store) -> None:
    waiting = store.register_visit("13812345678", name="张女士", verified=False)
    [row] = q.queue(store)
    assert (row.visit_seq, row.phone_masked, row.surname) == (waiting.seq, "138****5678", "张女士")
    with pytest.raises(PermissionDenied):
        desk(store, "consultant", "李强").confirm_checkin(row.customer_id)
    desk(store, "receptionist").confirm_checkin(row.customer_id)
    assert q.queue(store) == [] and reception.pending_checkins(store) == []


def test_stays_per_consultant_for_the_daily_report(store: Store) -> None:
    manager = desk(store, "manager")
    visits = [store.register_visit(f"1381234567{i}", consultant=c) for i, c in enumerate(("李强", "李强", "王丽"))]
    for visit in visits:
        start_reception(manager, visit.seq)
    advance(store, minutes=30)
    end_reception(manager, visits[0].seq)
    advance(store, minutes=30)
    end_reception(manager, visits[1].seq)  # 60 minutes
    day = q.today(store)
    li, wang = q.stays_by_consultant(store, day.start, day.end)
    assert (li.consultant, li.stays, li.total_seconds, li.average_seconds, li.open) == ("李强", 2, 5400, 2700, 0)
    assert (wang.consultant, wang.stays, wang.average_seconds, wang.open) == ("王丽", 0, None, 1)
    assert q.stays_by_consultant(store, day.end, day.end + timedelta(days=1)) == []
