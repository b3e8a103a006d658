"""The funnel's conversions are shares of one set of people (reports/funnel_figures.py), counted by hand
on a busy walk-in day, on SQLite and PostgreSQL: many natural visits and few reports no longer make a
报备 → 来访 conversion of several hundred percent.

Asia/Shanghai, channel number mode 前三后四 (masked reports allowed):
  D9  (2026-03-09) 10:00 R visits; 11:00 X visits, 11:30 X pledges.
  D10 09:00 贝壳 reports P (full number); 09:05 链家 reports Q (Q never comes); 09:10 贝壳 reports
      139****0000 (M, masked); 10:00 P comes with 贝壳 (the report used); 11:00 M comes with 贝壳 (used);
      10:00-16:00 twelve walk-ins W1..W12 (W3 twice: one group); 13:00 R returns;
      15:00 W1 and P pledge; 16:00 W1 subscribes; 17:00 X subscribes (pledged on D9).
  D11 09:00 one more walk-in, so D10 is a closed day kept in the daily rollup.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from reports import behind as b
from reports.behind import Behind
from reports.data import FunnelStep
from reports.desk_reports import behind_page
from reports.document import Percent
from reports.figures import figures
from reports.period import between, day_of
from reports.sections import funnel_table
from service.desk import Desk
from service.store import Store
from service.users import User
from tests.db.stores import new_store
from tests.reports.seed import ZONE

P, Q, M_PHONE, R, X = "13700000001", "13700000002", "13900000000", "13700000003", "13700000004"
WALK_INS = [f"136000000{i:02d}" for i in range(1, 13)]
D9, D10 = day_of(date(2026, 3, 9), ZONE), day_of(date(2026, 3, 10), ZONE)


def busy_day(url: str, keys: Path) -> Store:
    store = new_store(url, keys, ("李强", "王丽"), {"贝壳": ["周杰"], "链家": ["郑伟"]}, station="funnel-test")

    def at(day: int, hour: int, minute: int = 0) -> None:
        store.clock.at = datetime(2026, 3, day, hour, minute, tzinfo=ZONE)  # type: ignore[attr-defined]

    at(9, 9)
    store.change_rules({"channel.number_mode": "masked_3_4"}, actor="经理")
    at(9, 10)
    store.register_visit(R, name="任先生")
    at(9, 11)
    store.register_visit(X, name="谢女士")
    at(9, 11, 30)
    store.change_stage(X, "李强", "pledge")
    at(10, 9)
    store.record_report("贝壳", "周杰", P, name="潘女士")
    at(10, 9, 5)
    store.record_report("链家", "郑伟", Q, name="秦先生")
    at(10, 9, 10)
    store.record_report("贝壳", "周杰", "139****0000", name="马先生")
    at(10, 10)
    store.register_visit(P, name="潘女士", channel="贝壳", agent="周杰")
    at(10, 11)
    store.register_visit(M_PHONE, name="马先生", channel="贝壳", agent="周杰")
    for i, phone in enumerate(WALK_INS):
        at(10, 11, 10 + 4 * i)
        store.register_visit(phone, name=f"{'赵钱孙李周吴郑冯陈褚卫蒋'[i]}先生")
    at(10, 12, 30)
    store.register_visit(WALK_INS[2])  # W3 again: the same visit group
    at(10, 13)
    store.register_visit(R)
    at(10, 15)
    store.change_stage(WALK_INS[0], "李强", "pledge")
    store.change_stage(P, "王丽", "pledge")
    at(10, 16)
    store.change_stage(WALK_INS[0], "李强", "subscribe")
    at(10, 17)
    store.change_stage(X, "李强", "subscribe")
    at(11, 9)
    store.register_visit("13500000001", name="孔先生")
    return store


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = busy_day(db_url, tmp_path / "keys")
    yield s
    s.dispose()


DAY_FUNNEL = (
    FunnelStep("report", 3, None),  # P, Q, M
    FunnelStep("visit", 15, 2 / 3, 2, 3),  # 15 groups (P, M, W1..W12, R); P and M of the 3 reported came
    FunnelStep("pledge", 2, 2 / 15, 2, 15),  # W1 and P, of the 15 who visited
    FunnelStep("subscribe", 2, 1 / 2, 1, 2),  # W1 and X; of W1 and P who pledged, W1
    FunnelStep("contract", 0, 0.0, 0, 2))


def test_a_day_of_many_walk_ins_and_few_reports_converts_at_most_everyone(store: Store) -> None:
    day = figures(store, D10)
    assert day.funnel == DAY_FUNNEL  # D10 kept in the rollup (D11 has begun)
    assert figures(store, D10, use_kept=False).funnel == DAY_FUNNEL  # counted from the projections
    assert all(s.rate is None or 0 <= s.rate <= 1 for s in day.funnel)
    assert all(s.converted is None or s.converted <= s.count for s in day.funnel)


def test_paper_prints_whom_each_conversion_is_a_share_of(store: Store) -> None:
    table = funnel_table(figures(store, D10))
    assert table.headers == ("环节", "数量", "上一环节客户", "其中转化", "转化率")
    assert table.rows == (("报备", 3, None, None, None), ("来访", 15, 3, 2, Percent(2 / 3)),
                          ("认筹", 2, 15, 2, Percent(2 / 15)), ("认购", 2, 2, 1, Percent(0.5)),
                          ("签约", 0, 2, 0, Percent(0.0)))
    assert "报备到访率" in table.note and "不超过100%" in table.note


def test_the_people_who_visited_are_counted_once_over_several_days(store: Store) -> None:
    """R visits on D9 and D10: two groups, one customer; a period from D10 counts R, whose visit
    before lies before it."""
    two = between(date(2026, 3, 9), date(2026, 3, 11), ZONE)
    for use_kept in (True, False):
        f = figures(store, two, use_kept=use_kept)
        assert f.visits.groups == 18  # R, X; the 15 of D10; 孔 on D11
        pledge = next(s for s in f.funnel if s.key == "pledge")
        assert (pledge.count, pledge.converted, pledge.base) == (3, 3, 17)  # X, W1, P of the 17 people
        subscribe = next(s for s in f.funnel if s.key == "subscribe")
        assert (subscribe.converted, subscribe.base) == (2, 3)  # W1 and X of X, W1, P
    d9 = figures(store, D9).funnel
    assert [(s.converted, s.base) for s in d9[1:]] == [(0, 0), (1, 2), (0, 1), (0, 0)]  # X pledged of R and X


def test_a_consultants_own_funnel(store: Store) -> None:
    f = figures(store, D10, consultant="李强")
    received = f.visits.groups
    pledge = next(s for s in f.funnel if s.key == "pledge")
    assert (pledge.count, pledge.converted, pledge.base) == (1, 1, received)  # W1, recorded by 李强
    subscribe = next(s for s in f.funnel if s.key == "subscribe")
    assert (subscribe.count, subscribe.converted, subscribe.base) == (2, 1, 1)  # W1 and X; W1 pledged with him


def test_the_customers_behind_each_conversion(store: Store) -> None:
    manager = Desk(store, User("经理", "manager", None, True))

    def listed(step: str) -> list[str]:
        return sorted(row.phone_masked for row in behind_page(manager, D10, Behind(b.CONVERTED, step), 0, 100))

    assert listed("visit") == ["137****0001"]  # P; the masked report names nobody
    assert listed("pledge") == ["136****0001", "137****0001"]  # W1, P
    assert listed("subscribe") == ["136****0001"]
    assert listed("contract") == []


def test_a_check_in_dismissed_days_later_recounts_the_visit_after_it(db_url: str, tmp_path: Path) -> None:
    """K visits on D1, checks in unconfirmed on D2 and visits again on D3; on D4 reception dismisses the
    D2 check-in. D2..D3 then holds one customer who visited (K on D3, whose visit before was on D1): the
    kept D3 is counted again, not left saying K's visit before was on D2."""
    store = new_store(db_url, tmp_path / "keys", ("李强",), station="funnel-test")
    k = "13700000009"

    def at(day: int, hour: int) -> None:
        store.clock.at = datetime(2026, 3, day, hour, tzinfo=ZONE)  # type: ignore[attr-defined]

    at(1, 10)
    store.register_visit(k, name="孔先生")
    at(2, 10)
    mistaken = store.register_visit(k, verified=False).seq
    at(3, 10)
    store.register_visit(k)
    at(4, 10)
    store.register_visit("13700000010", name="林女士")  # D3 closed
    two_days = between(date(2026, 3, 2), date(2026, 3, 3), ZONE)

    def visited() -> int | None:
        return next(s.base for s in figures(store, two_days).funnel if s.key == "pledge")

    assert visited() == 1  # K, on D2 and D3; D2 and D3 kept
    store.dismiss_checkin(mistaken, by="前台")
    assert visited() == 1 == next(s.base for s in figures(store, two_days, use_kept=False).funnel if s.key == "pledge")
    store.dispose()
