"""A small site whose figures are counted by hand (tests/reports/test_figures.py says how).

Asia/Shanghai; 2026-03-01 is D1 (a Sunday), then D2 and D3. Consultants 李强 and 王丽 on duty, channels
贝壳 [周杰, 吴芳] and 链家 [郑伟]. Phones: A 13800000001 ... F 13800000006, G 13800000007.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from service.desk import Desk
from service.serving import end_reception, start_reception
from service.store import Store
from service.users import User
from tests.db.stores import new_store

ZONE = ZoneInfo("Asia/Shanghai")
CONSULTANTS = ("李强", "王丽")
CHANNELS = {"贝壳": ["周杰", "吴芳"], "链家": ["郑伟"]}
A, B, C, D, E, F, G = (f"138000000{i:02d}" for i in range(1, 8))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """Day `day` of March 2026, local time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE)


@dataclass
class Seeded:
    store: Store
    cases: dict[str, int] = field(default_factory=dict)  # "A", "C" -> case id
    visits: dict[str, int] = field(default_factory=dict)  # "A2" (A on D2) -> visit seq
    seqs: dict[str, int] = field(default_factory=dict)  # "report C", "deal C" ... -> journal seq
    warnings: dict[str, int] = field(default_factory=dict)  # kind -> warning id


def seed_site(url: str, keys: Path) -> Seeded:
    store = new_store(url, keys, CONSULTANTS, CHANNELS, station="reports-test")
    seeded = Seeded(store)

    def at(day: int, hour: int, minute: int = 0) -> None:
        store.clock.at = local(day, hour, minute)  # type: ignore[attr-defined]

    def kiosk(phone: str, source: str, name: str | None = None, **kwargs: object) -> str | None:
        ref = f"ref-{store.clock.at.isoformat()}-{phone}"  # type: ignore[attr-defined]
        result = store.register_visit(phone, name=name, ref=ref, arrived_at=store.clock.at,  # type: ignore[attr-defined]
                                      source=source, **kwargs)  # type: ignore[arg-type]
        key = 'ABCDEFG'[int(phone[-1]) - 1] + str(store.clock.at.day)  # type: ignore[attr-defined]
        seeded.visits.setdefault(key, result.seq)  # a customer's first visit of the day
        return result.assigned_to

    at(1, 10, 0)
    store.change_rules({"channel.protection_days": 1}, actor="经理")
    seeded.seqs["report C"] = store.record_report("贝壳", "周杰", C, name="陈女士").seq  # valid: C comes an hour later
    at(1, 10, 5)
    store.record_report("链家", "郑伟", D, name="丁先生")  # D comes 7 minutes later: 截客, invalid
    at(1, 10, 10)
    assert kiosk(A, "路过", name="王小明") == "李强"  # A: first visit
    at(1, 10, 12)
    assert kiosk(D, "朋友介绍", name="丁先生", channel="链家", agent="郑伟") == "王丽"  # natural: report invalid
    at(1, 10, 20)
    seeded.seqs["report F"] = store.record_report("链家", "郑伟", F, name="冯女士").seq  # valid: F comes 50 min later
    at(1, 11, 0)
    assert kiosk(C, "渠道带看", name="陈女士", channel="贝壳", agent="周杰") == "李强"  # channel-led: 贝壳
    at(1, 11, 10)
    assert kiosk(F, "渠道带看", name="冯女士", channel="链家", agent="郑伟") == "王丽"  # channel-led: 链家
    at(1, 11, 30)
    assert kiosk(A, "路过") == "李强"  # A again the same day: the same visit group
    at(1, 12, 0)
    store.record_report("贝壳", "吴芳", A)  # A was here already: invalid when judged (already_visited)
    at(1, 23, 50)
    assert kiosk(B, "网络广告", name="白先生") == "李强"  # B just before midnight ...
    at(2, 0, 10)
    assert kiosk(B, "网络广告") == "李强"  # ... and after it: two visit groups, D1 and D2
    at(2, 9, 0)
    assert kiosk(A, "路过", channel="贝壳", agent="吴芳") == "李强"  # A on D2: the report on A is already_visited
    at(2, 9, 1)
    reception = Desk(store, User("前台", "receptionist", None, True))
    start_reception(reception, seeded.visits["A2"])
    at(2, 9, 41)
    end_reception(reception, seeded.visits["A2"])  # 40 minutes with 李强
    at(2, 10, 0)
    store.change_stage(C, "李强", "pledge")
    at(2, 10, 30)
    seeded.seqs["deal C"] = store.change_stage(C, "李强", "subscribe").seq  # 贝壳's deal, 23.5 h after the first
    # visit: a fast_deal warning
    at(2, 11, 0)
    store.change_stage(A, "李强", "pledge")
    at(2, 14, 0)
    seeded.visits["E2"] = store.register_visit(E, verified=False, ref="ref-E", source="路过",
                                               arrived_at=store.clock.at).seq  # type: ignore[attr-defined]
    # E waits for reception
    at(2, 15, 0)
    store.release(D, "王丽")
    at(2, 15, 10)
    store.claim(D, "李强")  # D from the pool
    at(2, 16, 0)
    seeded.cases["A"] = store.follow_up(A, "王丽", "客户说认识王丽").outcome.new_cases[0].id
    seeded.cases["C"] = store.follow_up(C, "王丽", "").outcome.new_cases[0].id
    at(2, 17, 0)
    store.decide_case(seeded.cases["A"], "王丽", "经理核实：王丽先接触", by="经理")  # overridden
    store.decide_case(seeded.cases["C"], "李强", "", by="经理")  # kept
    at(3, 12, 0)
    seeded.seqs["deal F"] = store.change_stage(F, "王丽", "subscribe").seq  # 链家's, its protection over: no commission
    at(3, 13, 0)
    store.change_stage(F, "王丽", "contract")
    site = store.site()
    for warning in site.warnings.values():
        seeded.warnings[warning.kind] = warning.id
    at(3, 14, 0)
    seeded.seqs["assign B"] = store.assign(B, "王丽", actor="经理").seq  # the manager gives B to 王丽
    store.update_warning(seeded.warnings["pre_intercept"], "resolved", "确认截客", by="经理")
    store.update_warning(seeded.warnings["fast_deal"], "dismissed", "正常成交", by="经理")
    at(3, 18, 0)
    return seeded
