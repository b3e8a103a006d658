"""Engine behaviour beyond the scenarios: explanations, refusals, determinism."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from judge import facts as f
from judge.engine import Site, replay
from judge.reasons import EngineError

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def site_with_duty() -> Site:
    site = Site()
    site.apply(f.Duty(seq=1, at=at(0), consultants=("A", "B")))
    return site


def test_every_decision_names_its_rule_and_evidence() -> None:
    site = site_with_duty()
    first = site.apply(f.Visit(seq=2, at=at(1), customer=1, consultant="A"))
    assert first.assigned_to == "A"
    assert [(r.code, r.rule, r.evidence) for r in first.reasons] == [
        ("first_visit", "protection.consultant_days", (2,))]
    second = site.apply(f.Visit(seq=3, at=at(5), customer=1, consultant="B"))
    assert second.assigned_to == "A"
    case = second.new_cases[0]
    assert (case.kind, case.recommended, case.claimant, case.evidence) == ("ownership_conflict", "A", "B", [3, 2])
    assert any(r.code == "ownership_conflict" and r.rule == "protection.consultant_days" for r in second.reasons)


def test_refused_facts_change_nothing() -> None:
    site = Site()
    before = repr(vars(site))
    with pytest.raises(EngineError, match="no consultant on duty"):
        site.apply(f.Visit(seq=1, at=at(1), customer=1))
    assert repr(vars(site)) == before
    site.apply(f.Duty(seq=2, at=at(1), consultants=("A",)))
    site.apply(f.Visit(seq=3, at=at(2), customer=1, consultant="A"))
    snapshot = repr(vars(site))
    for refused in (
        f.Release(seq=4, at=at(3), customer=1, consultant="B"),
        f.StageChange(seq=4, at=at(3), customer=1, consultant="A", stage="cancel"),
        f.StageChange(seq=4, at=at(3), customer=1, consultant="A", stage="refund"),
        f.Visit(seq=4, at=at(1), customer=1, consultant="A"),  # earlier than the last fact
        f.Report(seq=4, at=at(3), channel="X", agent="x", customer=None, mask="m", masked=True),
        f.CaseDecision(seq=4, at=at(3), case_id=99, verdict="A", reason="", decided_by="boss"),
        f.RulesChange(seq=4, at=at(3), overrides={"pool.nope": 1}),
        f.Duty(seq=4, at=at(3), consultants=("A", "A")),
    ):
        with pytest.raises(EngineError):
            site.apply(refused)
        assert repr(vars(site)) == snapshot, refused


def test_overriding_a_recommendation_needs_a_reason_and_moves_the_customer() -> None:
    site = site_with_duty()
    site.apply(f.Visit(seq=2, at=at(1), customer=1, consultant="A"))
    site.apply(f.Visit(seq=3, at=at(2), customer=1, consultant="B"))
    case_id = next(iter(site.cases))
    with pytest.raises(EngineError, match="written reason"):
        site.apply(f.CaseDecision(seq=4, at=at(3), case_id=case_id, verdict="B", reason=" ", decided_by="mgr"))
    out = site.apply(f.CaseDecision(seq=4, at=at(3), case_id=case_id, verdict="B",
                                    reason="B 首次接待有录像为证", decided_by="mgr"))
    assert site.customer_view(1, at(3)).owner == "B"
    assert site.cases[case_id].status == "decided" and out.touched_cases == {case_id}
    with pytest.raises(EngineError, match="already decided"):
        site.apply(f.CaseDecision(seq=5, at=at(4), case_id=case_id, verdict="A", reason="x", decided_by="mgr"))


def test_replay_is_deterministic() -> None:
    facts: list[f.Fact] = [f.Duty(seq=1, at=at(0), consultants=("A", "B", "C"))]
    for i in range(2, 60):
        facts.append(f.Visit(seq=i, at=at(i * 7), customer=i % 9, face=f"F{i % 5}" if i % 4 == 0 else None))
    one, two = replay(facts), replay(facts)
    assert repr(vars(one)) == repr(vars(two))


def test_payload_round_trip() -> None:
    fact = f.Duty(seq=7, at=at(1), consultants=("A", "B"))
    assert f.from_payload("duty", 7, at(1), f.to_payload(fact)) == fact
    visit = f.Visit(seq=8, at=at(2), customer=3, consultant=None, face="F1", mask="abc")
    assert f.from_payload("visit", 8, at(2), f.to_payload(visit)) == visit
    assert f.from_payload("erasure", 9, at(3), {"customer": 3}) is None
