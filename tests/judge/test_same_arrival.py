"""A phone checked in again while its first check-in waits for reception is the same arrival (FORMAT.md):
what reception's confirmation and dismissal (误登记) then do to each check-in, a consultant named at the
later one, the warning when a check-in is still waiting at the end of its day, and the snapshot of an
arrival waiting with its later check-ins. The rules as stories are in tests/scenarios/16*.yaml."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from judge import facts as f
from judge import snapshot
from judge.engine import Site
from judge.reasons import EngineError

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def office(*facts: f.Fact, mode: str = "report_protect") -> Site:
    site = Site()
    site.apply(f.Duty(seq=1, at=at(-60), consultants=("A", "B", "C")))
    site.apply(f.RulesChange(seq=2, at=at(-60), overrides={"channel.mode": mode}))
    for fact in facts:
        site.apply(fact)
    return site


def checkin(seq: int, minutes: float, customer: int = 7, **fields: Any) -> f.Visit:
    return f.Visit(seq=seq, at=at(minutes), customer=customer, verified=False, mask=f"m{customer}", **fields)


def twice(mode: str = "report_protect", **later: Any) -> Site:
    """Customer 7 checks in (10:00, A by the rotation) and again four minutes later, both waiting."""
    return office(checkin(10, 0), checkin(11, 4, **later), mode=mode)


def test_the_second_check_in_joins_the_first_and_is_no_further_visit() -> None:
    site = office(checkin(10, 0))
    out = site.apply(checkin(11, 4))
    assert (out.assigned_to, out.joined, out.customer) == ("A", 10, 7)
    c = site.customers[7]
    assert c.awaiting() == [10, 11] and c.unconfirmed_by == "A" and c.unconfirmed_at == at(0)
    assert c.visits == [at(0)] and c.last_visit_seq == 10  # one arrival: no repeat visit counted
    assert site.rotation == ["B", "C", "A"]  # no turn used


@pytest.mark.parametrize("through", [10, 11])
def test_confirming_either_check_in_confirms_the_whole_arrival(through: int) -> None:
    site = twice()
    out = site.apply(f.Confirm(seq=12, at=at(9), customer=7, visit=through))
    assert out.checkins == [10, 11] and site.customers[7].awaiting() == []
    assert site.customer_view(7, at(9)).owner == "A"
    assert out.reasons[0].evidence == (10, 11, 12)
    with pytest.raises(EngineError, match="没有待确认的登记"):
        site.validate(f.Confirm(seq=13, at=at(10), customer=7, visit=10))  # nothing left to confirm


def test_a_check_in_of_another_arrival_is_refused_naming_those_waiting() -> None:
    site = twice()
    with pytest.raises(EngineError, match=r"#99 .*\(#10, #11\)"):
        site.validate(f.Confirm(seq=12, at=at(9), customer=7, visit=99))


def test_dismissing_the_later_check_in_leaves_the_first_waiting_and_forgets_its_channel() -> None:
    report = f.Report(seq=5, at=at(-50), channel="链家", agent="孙丽", customer=7, mask="m7")
    site = office(report, checkin(10, 0), checkin(11, 4, channel="链家", agent="孙丽"), mode="competitive")
    out = site.apply(f.Dismiss(seq=12, at=at(6), customer=7, visit=11))
    assert out.checkins == [11] and site.customers[7].awaiting() == [10]
    site.apply(f.Confirm(seq=13, at=at(8), customer=7, visit=10))
    view = site.customer_view(7, at(8))
    assert (view.owner, view.channel) == ("A", "natural")  # the dismissed check-in named 链家: not kept
    assert site.reports[5].status == "invalid"


def test_dismissing_the_first_check_in_drops_the_whole_arrival() -> None:
    site = twice()
    out = site.apply(f.Dismiss(seq=12, at=at(6), customer=7, visit=10))
    assert out.checkins == [10, 11] and site.customers[7].awaiting() == []
    assert site.customers[7].first_seen_at is None  # nothing was judged on it: never seen
    assert site.customer_view(7, at(6)).owner == "none"


def test_a_consultant_named_at_the_later_check_in_is_a_competing_registration_at_the_confirmation() -> None:
    site = twice(consultant="C")
    assert site.customers[7].unconfirmed_by == "A"
    site.apply(f.Confirm(seq=12, at=at(9), customer=7, visit=11))
    view = site.customer_view(7, at(9))
    assert view.owner == "A"  # time first: whoever received the first check-in
    assert [(c.kind, c.claimant, c.recommended) for c in view.cases] == [("ownership_conflict", "C", "A")]


def test_someone_owning_the_customer_meanwhile_receives_the_later_check_in() -> None:
    site = office(checkin(10, 0), f.Assign(seq=11, at=at(2), customer=7, consultant="B"))
    assert site.apply(checkin(12, 4)).assigned_to == "B"  # protection first, as for any registration
    site.apply(f.Confirm(seq=13, at=at(9), customer=7, visit=12))
    view = site.customer_view(7, at(9))
    assert view.owner == "B"
    assert [(c.kind, c.claimant, c.recommended) for c in view.cases] == [("ownership_conflict", "A", "B")]


def test_a_check_in_still_waiting_when_its_local_day_ends_raises_one_warning() -> None:
    site = twice()  # 10:00 and 10:04 on 2026-06-01, Asia/Shanghai
    midnight = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # 2026-06-02 00:00 local
    assert site.customer_view(7, midnight - timedelta(minutes=1)).warnings == ()
    assert [(w.kind, w.at, w.evidence) for w in site.customer_view(7, midnight).warnings] == [
        ("unconfirmed_checkin", midnight, [10, 11])]  # every check-in of the arrival waiting then
    out = site.apply(f.Confirm(seq=12, at=midnight + timedelta(hours=9), customer=7, visit=10))
    assert [(w.kind, w.customer, w.at, w.rule) for w in out.new_warnings] == [
        ("unconfirmed_checkin", 7, midnight, "reception.confirm")]  # the next fact settles it
    assert [w.kind for w in site.customer_view(7, midnight + timedelta(days=3)).warnings] == ["unconfirmed_checkin"]


def test_a_check_in_confirmed_within_its_day_raises_none() -> None:
    site = twice()
    site.apply(f.Confirm(seq=12, at=at(9), customer=7, visit=10))
    out = site.apply(f.Visit(seq=13, at=at(60 * 24), customer=8, consultant="B"))
    assert out.new_warnings == [] and site.warnings == {}


def test_a_snapshot_keeps_the_waiting_arrival_and_its_deadline() -> None:
    site = twice(channel="链家", agent="孙丽", consultant="C")
    data = json.loads(json.dumps(snapshot.dump(site)))
    restored = snapshot.load(data)
    assert repr(vars(restored)) == repr(vars(site))
    assert restored.customers[7].unconfirmed_later == [(11, "链家", "C")]
    assert [(d.kind, d.seq, d.customer) for d in restored.deadlines] == [("unconfirmed_checkin", 10, 7)]
    older = {**data, "format": "anchang-engine-snapshot/4"}  # judged before a later check-in joined the first
    with pytest.raises(snapshot.OutdatedSnapshot):
        snapshot.load(older)


def test_deadlines_are_kept_soonest_first_whatever_order_they_come_in() -> None:
    site = twice()  # the check-in's deadline: its day's end
    site.apply(f.Sighting(seq=12, at=at(60), face="F9"))  # 30 minutes: before the day's end
    site.apply(f.RulesChange(seq=13, at=at(61), overrides={"warnings.unregistered_minutes": 5}))
    site.apply(f.Sighting(seq=14, at=at(62), face="F8"))  # due before the first sighting now
    assert [d.seq for d in site.deadlines] == [14, 12, 10]
    out = site.apply(f.Visit(seq=15, at=at(120), customer=8, consultant="B"))
    assert [(w.kind, w.evidence) for w in out.new_warnings] == [
        ("unregistered_sighting", [14]), ("unregistered_sighting", [12])]
    assert [d.seq for d in site.deadlines] == [10]  # the check-in still waits for its day's end
