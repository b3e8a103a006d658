"""service.rules_admin.change_rules: a new rule version with a written reason, now or scheduled; the
history the 规则 page shows (service.queries.rules); refusals by field and by role (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.database import read_session
from db.models import JournalEntry
from service import users
from service.desk import Desk
from service.queries.rules import rules_overview, version_diff
from service.roles import PermissionDenied
from service.rules_admin import RulesRefused, change_rules
from service.store import ManualClock, Store
from tests.db.stores import T0, new_store

PASSWORD = "pw-123456"
ROLES = {"经理": ("manager", None), "管理员": ("admin", None), "渠道经理": ("channel_manager", None),
         "前台": ("receptionist", None), "李强": ("consultant", "李强")}


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"))
    for name, (role, consultant) in ROLES.items():
        users.add_user(s, name, role, PASSWORD, consultant=consultant)
    yield s
    s.dispose()


def desk(store: Store, name: str = "经理") -> Desk:
    return Desk(store, users.authenticate(store, name, PASSWORD))


def clock(store: Store) -> ManualClock:
    assert isinstance(store.clock, ManualClock)
    return store.clock


def rules_entries(store: Store) -> list[tuple[str, dict[str, object]]]:
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(JournalEntry.actor, JournalEntry.payload)
                               .where(JournalEntry.kind == "rules").order_by(JournalEntry.seq)).all()
    return [(actor, json.loads(payload)) for actor, payload in rows]


def test_a_change_names_its_actor_and_keeps_its_reason_as_a_note(store: Store) -> None:
    manager = desk(store)
    clock(store).at = T0 + timedelta(hours=1)
    result = change_rules(manager, {"protection.consultant_days": 45, "pool.daily_claim_limit": 3},
                          "  集团统一调整保护期  ")
    (actor, payload), = rules_entries(store)
    assert actor == "经理"
    assert payload["overrides"] == {"protection.consultant_days": 45}  # 3 is already the value: left out
    assert "effective_at" not in payload and len(str(payload["reason"])) == 64  # the note's ref, not its text
    assert store.rules_at().consultant_days == 45
    overview = rules_overview(store)
    current = overview.in_force
    assert (current.number, current.seq, current.actor, current.reason) == (1, result.seq, "经理", "集团统一调整保护期")
    assert current.effective_at == result.at and overview.versions[0].status == "past"
    assert [(d.key, d.old, d.new) for d in overview.changes(current)] == [("protection.consultant_days", 30, 45)]


@pytest.mark.parametrize(("overrides", "reason", "field"), [
    ({"protection.consultant_days": 45}, "", "reason"),
    ({"protection.consultant_days": 45}, "调整", "reason"),  # too short to say why
    ({"protection.consultant_days": 5000}, "集团统一调整", "protection.consultant_days"),
    ({"channel.mode": "auction"}, "集团统一调整", "channel.mode"),
    ({"no.such_rule": 1}, "集团统一调整", "no.such_rule"),
    ({"protection.consultant_days": 30}, "集团统一调整", ""),  # nothing changes
])
def test_bad_input_is_refused_by_field_and_nothing_is_journalled(
        store: Store, overrides: dict[str, object], reason: str, field: str) -> None:
    manager = desk(store)
    with pytest.raises(RulesRefused) as refused:
        change_rules(manager, overrides, reason)
    assert refused.value.field == field and "/" in str(refused.value)  # 中文 / English
    assert rules_entries(store) == []


def test_a_scheduled_version_is_judged_with_from_its_time_with_no_write_then(store: Store) -> None:
    manager = desk(store)
    start = T0 + timedelta(hours=1)
    clock(store).at = start
    effective = start + timedelta(days=3, microseconds=700)
    change_rules(manager, {"protection.consultant_days": 10}, "下月起缩短保护期", effective_at=effective)
    (_actor, payload), = rules_entries(store)
    assert payload["effective_at"] == "2026-03-04T03:00:00.000000+00:00"  # whole seconds, UTC
    overview = rules_overview(store)
    assert [v.status for v in overview.versions] == ["in_force", "scheduled"]
    assert overview.scheduled[0].effective_at == effective.replace(microsecond=0)

    clock(store).at = start + timedelta(days=1)
    before = store.register_visit("13800000001", consultant="李强")
    clock(store).at = start + timedelta(days=4)  # past the effective time: nothing was written at it
    after = store.register_visit("13800000002", consultant="王丽")
    customers = store.site().customers
    assert before.customer_id is not None and after.customer_id is not None
    # the anchor: 30 days (the defaults) before the effective time, 10 after it
    assert customers[before.customer_id].anchor_end == before.at + timedelta(days=30)
    assert customers[after.customer_id].anchor_end == after.at + timedelta(days=10)
    assert [v.status for v in rules_overview(store).versions] == ["past", "in_force"]


def test_a_time_already_past_is_refused_not_moved_to_now(store: Store) -> None:
    manager = desk(store)
    clock(store).at = T0 + timedelta(hours=1)
    with pytest.raises(RulesRefused) as refused:
        change_rules(manager, {"pool.daily_claim_limit": 5}, "节假日放宽认领", effective_at=T0)
    assert refused.value.field == "effective_at" and "past" in str(refused.value)
    with pytest.raises(RulesRefused, match="365|366"):
        change_rules(manager, {"pool.daily_claim_limit": 5}, "节假日放宽认领", effective_at=T0 + timedelta(days=800))
    assert rules_entries(store) == []


def test_an_urgent_change_before_a_scheduled_one_and_the_history_in_effective_order(store: Store) -> None:
    manager = desk(store)
    clock(store).at = T0 + timedelta(hours=1)
    change_rules(manager, {"protection.consultant_days": 10}, "下月起缩短保护期", effective_at=T0 + timedelta(days=30))
    clock(store).at = T0 + timedelta(days=1)
    change_rules(manager, {"protection.consultant_days": 20, "pool.daily_claim_limit": 5}, "本周活动临时调整")
    overview = rules_overview(store)
    assert [(v.number, v.reason, v.status) for v in overview.versions] == [
        (0, "", "past"), (1, "本周活动临时调整", "in_force"), (2, "下月起缩短保护期", "scheduled")]
    last = overview.versions[2]
    assert (last.values["protection.consultant_days"], last.values["pool.daily_claim_limit"]) == (10, 5)
    assert [(d.key, d.old, d.new) for d in version_diff(overview.versions[0], last)] == [
        ("protection.consultant_days", 30, 10), ("pool.daily_claim_limit", 3, 5)]
    # what the page shows is what the engine judges with, also on a station that replays the journal
    fresh = Store(store.engine, store.keyring, clock=ManualClock(clock(store).at), station="another")
    later = T0 + timedelta(days=31)
    assert fresh.rules_at(later) == store.rules_at(later) and dict(store.rules_at(later).values) == last.values


@pytest.mark.parametrize("name", ["管理员", "渠道经理", "前台", "李强"])
def test_only_a_manager_may_change_the_rules(store: Store, name: str) -> None:
    other = desk(store, name)
    with pytest.raises(PermissionDenied):
        change_rules(other, {"pool.daily_claim_limit": 5}, "节假日放宽认领")
    assert rules_entries(store) == []
    assert change_rules(desk(store), {"pool.daily_claim_limit": 5}, "节假日放宽认领").seq > 0
