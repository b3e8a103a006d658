"""申诉 in the engine: the case an appeal opens, its recommendation by the rules, what deciding it does,
what is refused (and changes nothing), the journal payload, snapshots and scenario parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from judge import facts as f
from judge import snapshot
from judge.engine import Site, replay
from judge.reasons import EngineError
from judge.scenario import ScenarioError, parse_scenario

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def owned_by_a() -> Site:
    site = Site()
    site.apply(f.Duty(seq=1, at=at(0), consultants=("A", "B")))
    site.apply(f.Visit(seq=2, at=at(1), customer=1, consultant="A"))
    return site


def test_an_appeal_about_a_protected_customer_recommends_the_owner() -> None:
    site = owned_by_a()
    out = site.apply(f.Appeal(seq=3, at=at(2), customer=1, consultant="B", reason="ref-b"))
    case = out.new_cases[0]
    assert (case.kind, case.claimant, case.recommended, case.rule, case.evidence) == (
        "appeal", "B", "A", "protection.consultant_days", [3, 2])
    assert [(r.code, r.rule, r.evidence) for r in out.reasons] == [("appeal", "protection.consultant_days", (3, 2))]
    assert out.customer == 1 and out.touched_cases == {case.id}
    assert site.customer_view(1, at(2)).owner == "A"  # an appeal alone changes no ownership


def test_a_pledge_makes_the_freeze_the_rule() -> None:
    site = owned_by_a()
    site.apply(f.StageChange(seq=3, at=at(2), customer=1, consultant="A", stage="pledge"))
    case = site.apply(f.Appeal(seq=4, at=at(3), customer=1, consultant="B", reason="r")).new_cases[0]
    assert (case.recommended, case.rule) == ("A", "protection.pledge_freezes")


def test_an_appeal_about_a_lapsed_customer_recommends_the_pool() -> None:
    site = owned_by_a()
    lapse = 1 + 7 * 24  # no follow-up for protection.follow_up_days
    out = site.apply(f.Appeal(seq=3, at=at(lapse + 1), customer=1, consultant="A", reason="r"))
    case = out.new_cases[0]
    assert (case.claimant, case.recommended, case.rule, case.evidence) == ("A", "pool", "pool.lapse", [3, 2])
    assert site.customers[1].lost_at == {"A": at(lapse)}  # the lapse was settled first


def test_deciding_for_the_appellant_makes_them_owner_and_as_recommended_changes_nothing() -> None:
    site = owned_by_a()
    first = site.apply(f.Appeal(seq=3, at=at(2), customer=1, consultant="B", reason="r")).new_cases[0]
    site.apply(f.CaseDecision(seq=4, at=at(3), case_id=first.id, verdict="A", reason="", decided_by="mgr"))
    view = site.customer_view(1, at(3))
    assert view.owner == "A" and view.protected_until == at(1) + timedelta(days=7)
    second = site.apply(f.Appeal(seq=5, at=at(4), customer=1, consultant="B", reason="r")).new_cases[0]
    assert second.id != first.id  # the first was decided: a new appeal is a new case
    out = site.apply(f.CaseDecision(seq=6, at=at(5), case_id=second.id, verdict="B", reason="ref", decided_by="mgr"))
    view = site.customer_view(1, at(5))
    assert view.owner == "B" and view.protected_until == at(5) + timedelta(days=7)
    assert site.customers[1].lost_at["A"] == at(5) and site.customers[1].owner_since_seq == 6
    assert out.touched_customers == {1} and site.cases[second.id].verdict == "B"


def test_refused_appeals_and_decisions_change_nothing() -> None:
    site = owned_by_a()
    site.apply(f.Visit(seq=3, at=at(1), customer=2, consultant="B", verified=False))  # never a verified visit
    case = site.apply(f.Appeal(seq=4, at=at(2), customer=1, consultant="B", reason="r")).new_cases[0]
    before = repr(vars(site))
    for refused, message in (
        (f.Appeal(seq=5, at=at(3), customer=1, consultant="A", reason="r"), "already owns"),
        (f.Appeal(seq=5, at=at(3), customer=1, consultant="B", reason=""), "needs a written reason"),
        (f.Appeal(seq=5, at=at(3), customer=1, consultant="B", reason="r"), "still open"),
        (f.Appeal(seq=5, at=at(3), customer=2, consultant="A", reason="r"), "has not visited"),
        (f.Appeal(seq=5, at=at(3), customer=99, consultant="A", reason="r"), "has not visited"),
        (f.CaseDecision(seq=5, at=at(3), case_id=case.id, verdict="C", reason="r", decided_by="m"),
         "appellant"),
        (f.CaseDecision(seq=5, at=at(3), case_id=case.id, verdict="B", reason=" ", decided_by="m"),
         "written reason"),
    ):
        with pytest.raises(EngineError, match=message):
            site.apply(refused)
        assert repr(vars(site)) == before, refused


def test_a_second_decision_names_who_decided_first() -> None:
    site = owned_by_a()
    case = site.apply(f.Appeal(seq=3, at=at(2), customer=1, consultant="B", reason="r")).new_cases[0]
    site.apply(f.CaseDecision(seq=4, at=at(3), case_id=case.id, verdict="A", reason="", decided_by="王经理"))
    with pytest.raises(EngineError, match="已由 王经理 裁决为 A .* already decided by 王经理"):
        site.apply(f.CaseDecision(seq=5, at=at(3), case_id=case.id, verdict="B", reason="r", decided_by="李经理"))


def test_the_journal_payload_round_trips_and_a_snapshot_keeps_the_case() -> None:
    appeal = f.Appeal(seq=3, at=at(2), customer=1, consultant="B", reason="ref")
    payload = f.to_payload(appeal)
    assert payload == {"customer": 1, "consultant": "B", "reason": "ref"}
    assert f.from_payload("appeal", 3, at(2), payload) == appeal
    facts = [f.Duty(seq=1, at=at(0), consultants=("A", "B")), f.Visit(seq=2, at=at(1), customer=1, consultant="A"),
             appeal]
    site = replay(facts)
    restored = snapshot.load(snapshot.dump(site))
    assert restored.cases == site.cases
    case_id = next(iter(site.cases))
    decision = f.CaseDecision(seq=4, at=at(3), case_id=case_id, verdict="B", reason="ref", decided_by="m")
    site.apply(decision)
    restored.apply(decision)
    assert snapshot.dump(restored) == snapshot.dump(site)


SCENARIO = {
    "title": "t", "consultants": ["A", "B"],
    "events": [{"at": "2026-03-01 10:00", "visit": {"phone": "13800000001", "consultant": "A"}},
               {"at": "2026-03-02 10:00", "appeal": {"phone": "13800000001", "consultant": "B", "reason": "我先接待"}},
               {"at": "2026-03-02 11:00", "decide": {"phone": "13800000001", "kind": "appeal", "verdict": "pool"}}],
    "expect": [{"at": "2026-03-02 10:00", "phone": "13800000001", "cases": [{"kind": "appeal", "verdict": "A"}]}],
}


def test_scenarios_take_appeal_and_decide_events() -> None:
    scenario = parse_scenario(SCENARIO, "s.yaml")
    assert [(e.kind, e.fields) for e in scenario.events[1:]] == [
        ("appeal", {"phone": "13800000001", "consultant": "B", "reason": "我先接待"}),
        ("decide", {"phone": "13800000001", "kind": "appeal", "verdict": "pool", "reason": ""})]
    assert scenario.expectations[0].checks["cases"] == [("appeal", "A")]


@pytest.mark.parametrize(("event", "key"), [
    ({"appeal": {"phone": "13800000001", "consultant": "Z"}}, "events[1].appeal.consultant"),
    ({"appeal": {"phone": "13800000001"}}, "events[1].appeal.consultant"),
    ({"decide": {"phone": "13800000001", "kind": "quarrel", "verdict": "A"}}, "events[1].decide.kind"),
    ({"decide": {"phone": "13800000001", "kind": "appeal", "verdict": "Z"}}, "events[1].decide.verdict"),
])
def test_malformed_appeal_events_name_their_key(event: dict[str, object], key: str) -> None:
    data = dict(SCENARIO, events=[SCENARIO["events"][0], {"at": "2026-03-02 10:00", **event}])
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data, "s.yaml")
    assert error.value.key == key
