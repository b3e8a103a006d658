"""A check-in delayed on its way to the store (a kiosk offline, its outbox drained later) is judged when it
arrives, by the store's time; the kiosk's time of the check-in (`Visit.arrived_at`) raises `pre_intercept`
for a person to decide when a report the check-in validates was, measured at that time, 防截客."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from judge import facts as f
from judge.engine import Site
from judge.reasons import EngineError

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def site_with_report(report_at: float) -> Site:
    site = Site()
    site.apply(f.Duty(seq=1, at=at(0), consultants=("A", "B")))
    site.apply(f.Report(seq=2, at=at(report_at), channel="贝壳", agent="X", customer=1, mask="m1"))
    return site


def test_a_report_filed_after_the_kiosk_arrival_is_credited_and_warned() -> None:
    site = site_with_report(report_at=11)  # the visitor stood at the kiosk at 10; the kiosk was offline
    out = site.apply(f.Visit(seq=3, at=at(45), customer=1, channel="贝壳", agent="X", arrived_at=at(10)))
    report = site.reports[2]
    assert (report.status, report.decided_seq) == ("used", 3)  # judged on arrival at the store: credited
    assert site.customer_view(1, at(45)).channel == "贝壳"
    [warning] = out.new_warnings
    assert (warning.kind, warning.customer, warning.evidence, warning.rule, warning.at) == (
        "pre_intercept", 1, [2, 3], "channel.pre_intercept_minutes", at(45))


def test_a_report_within_the_window_before_the_kiosk_arrival_is_warned_too() -> None:
    site = site_with_report(report_at=0)  # 20 minutes before the visitor stood there: 防截客 at that time
    out = site.apply(f.Visit(seq=3, at=at(40), customer=1, channel="贝壳", agent="X", arrived_at=at(20)))
    assert site.reports[2].status == "used"
    assert [w.kind for w in out.new_warnings] == ["pre_intercept"]


@pytest.mark.parametrize("arrived", [30.0, None])
def test_no_warning_when_the_report_was_in_time_or_the_arrival_unknown(arrived: float | None) -> None:
    site = site_with_report(report_at=0)
    out = site.apply(f.Visit(seq=3, at=at(45), customer=1, channel="贝壳", agent="X",
                             arrived_at=None if arrived is None else at(arrived)))
    assert site.reports[2].status == "used"
    assert out.new_warnings == []


def test_a_report_too_late_for_the_store_time_is_invalid_once_and_warned_once() -> None:
    site = site_with_report(report_at=11)
    out = site.apply(f.Visit(seq=3, at=at(20), customer=1, channel="贝壳", agent="X", arrived_at=at(10)))
    assert (site.reports[2].status, site.reports[2].reason) == ("invalid", "pre_intercept")
    assert [w.kind for w in out.new_warnings] == ["pre_intercept"]


def test_an_unverified_first_check_in_warns_at_the_check_in() -> None:
    site = site_with_report(report_at=11)
    out = site.apply(f.Visit(seq=3, at=at(45), customer=1, verified=False, arrived_at=at(10)))
    assert site.reports[2].status == "used"
    assert [w.kind for w in out.new_warnings] == ["pre_intercept"]
    site.apply(f.Confirm(seq=4, at=at(50), customer=1, visit=3))
    view = site.customer_view(1, at(50))
    assert (view.channel, [w.kind for w in view.warnings]) == ("贝壳", ["pre_intercept"])


@pytest.mark.parametrize(("arrived", "message"), [
    (at(46), "after it reached"),
    (datetime(2026, 3, 1, 2, 10), "aware"),
])
def test_an_arrival_after_the_judging_time_or_without_a_zone_is_refused(arrived: datetime, message: str) -> None:
    site = site_with_report(report_at=0)
    before = repr(vars(site))
    with pytest.raises(EngineError, match=message):
        site.apply(f.Visit(seq=3, at=at(45), customer=1, arrived_at=arrived))
    assert repr(vars(site)) == before


def test_old_visits_without_the_field_read_back_and_write_as_before() -> None:
    old = {"customer": 1, "consultant": None, "channel": "natural", "agent": None, "face": None,
           "id_card_holder": None, "verified": True, "mask": "m1", "surname": None}
    visit = f.from_payload("visit", 3, at(45), old)
    assert isinstance(visit, f.Visit) and visit.arrived_at is None
    assert f.to_payload(visit) == old  # the journal's existing entries hash and replay the same
    delayed = f.Visit(seq=4, at=at(45), customer=1, arrived_at=datetime(2026, 3, 1, 10, 10, tzinfo=UTC))
    payload = f.to_payload(delayed)
    assert payload["arrived_at"] == "2026-03-01T10:10:00.000000+00:00"
    assert f.from_payload("visit", 4, at(45), payload) == delayed
