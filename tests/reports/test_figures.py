"""The dashboard figures against counts made by hand on the seeded site (tests/reports/seed.py), on
SQLite and PostgreSQL.

The site, local time (Asia/Shanghai), March 2026:
  D1 10:00 贝壳 reports C (valid); 10:05 链家 reports D; 10:10 A arrives (first, 路过, 李强);
  10:12 D arrives with 链家 7 minutes after the report: 截客, the report invalid, D natural (王丽);
  10:20 链家 reports F; 11:00 C arrives with 贝壳 (channel-led, 李强); 11:10 F with 链家 (王丽);
  11:30 A again (the same visit group); 12:00 贝壳 reports A, who was here: invalid (already visited);
  23:50 B arrives (first, 李强) ... D2 00:10 B again: a second visit group, on D2;
  D2 09:00 A again (return; a third visit in 30 days without a pledge raises a warning), received
  by 李强 from 09:01 to 09:41;
  10:00 C pledges, 10:30 C subscribes: 贝壳's deal within its protection (1 day, a rule set at D1 10:00),
  23.5 h after the first visit (fast_deal warning); 11:00 A pledges; 14:00 E checks in unverified;
  15:00 王丽 releases D, 15:10 李强 claims D; 16:00 王丽 follows A and C up: two ownership cases,
  17:00 A's decided for 王丽 (overridden), C's for 李强 (kept);
  D3 00:00 E's check-in, still waiting for reception, raises unconfirmed_checkin;
  12:00 F subscribes, 13:00 signs: 链家's customer, its protection over since D2 11:10, so no
  commission; 14:00 the manager assigns B to 王丽, the pre_intercept warning is resolved and the
  fast_deal warning dismissed. Read at D3 18:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from db import migrate
from db.database import make_engine
from db.models import JournalEntry, VisitRecord
from judge.reasons import EngineError
from reports.data import ChannelFigures, ConsultantFigures, Count, DayVisits, FunnelStep, WarningKindFigures
from reports.figures import figures
from reports.period import LocalTime, between, day_of, month_of, week_of
from reports.target import set_visit_target, visit_target
from tests.reports.seed import ZONE, Seeded

MARCH = month_of(date(2026, 3, 1), ZONE)



def test_a_month_of_the_seeded_site(seeded: Seeded) -> None:
    f = figures(seeded.store, MARCH)
    v = f.visits
    assert (v.registrations, v.unverified) == (9, 1)  # A×3, B×2, C, D, F, E (waiting)
    assert (v.groups, v.first, v.returning) == (8, 6, 2)  # D1: A C D F B; D2: B A E (E its first)
    assert v.by_day[:3] == (DayVisits(date(2026, 3, 1), 5, 5), DayVisits(date(2026, 3, 2), 3, 1),
                            DayVisits(date(2026, 3, 3), 0, 0))
    assert len(v.by_day) == 31 and sum(d.groups for d in v.by_day) == 8
    hours = {hour: n for hour, n in enumerate(v.by_hour) if n}
    assert hours == {0: 1, 9: 1, 10: 2, 11: 2, 14: 1, 23: 1}  # each group at its first arrival
    assert v.by_source == (Count("路过", 3), Count("渠道带看", 2), Count("网络广告", 2), Count("朋友介绍", 1))
    assert v.by_channel == (Count("natural", 6), Count("贝壳", 1), Count("链家", 1))
    assert f.channels == (
        ChannelFigures("natural", reports=0, valid_reports=0, visits=3, pledges=1, deals=0, commissioned=0),
        ChannelFigures("贝壳", reports=2, valid_reports=1, visits=1, pledges=1, deals=1, commissioned=1, brought=1),
        # F's deal came after 链家's protection ended: its deal, but no commission
        ChannelFigures("链家", reports=2, valid_reports=1, visits=1, pledges=0, deals=1, commissioned=0, brought=1))
    assert f.channels[1].valid_rate == 0.5 and f.channels[1].deal_rate == 1.0
    assert f.invalid_reasons == (Count("already_visited", 1), Count("pre_intercept", 1))
    assert f.consultants == (
        ConsultantFigures("李强", visits=5, first_visits=3, pledges=2, deals=1, protected=2, claims=1,
                          claimed=1),  # C, D; D claimed from the pool
        ConsultantFigures("王丽", visits=3, first_visits=3, pledges=0, deals=1, protected=3, claims=0))  # A, B, F
    assert f.funnel == (  # conversions as shares of one set of people (tests/reports/test_funnel.py)
        FunnelStep("report", 4, None), FunnelStep("visit", 8, 1.0, 2, 2),  # C and F, the valid reports, came
        FunnelStep("pledge", 2, 2 / 6, 2, 6),  # A and C of the 6 who visited
        FunnelStep("subscribe", 2, 0.5, 1, 2),  # C of A and C; F subscribed without a pledge
        FunnelStep("contract", 1, 0.5, 1, 2))  # F of C and F
    c = f.cases
    assert (c.opened, c.decided, c.kept, c.overridden) == (2, 2, 1, 1)
    assert c.opened_by_kind == (Count("ownership_conflict", 2),)
    w = f.warnings
    assert w.by_kind == (WarningKindFigures("fast_deal", 1, 0, 0, 1, 0), WarningKindFigures("pre_intercept", 1, 0, 1, 0, 0),
                         WarningKindFigures("repeat_visits_no_pledge", 1, 1, 0, 0, 0),
                         WarningKindFigures("unconfirmed_checkin", 1, 1, 0, 0, 0))  # E, left waiting on D2
    assert (w.raised, w.confirmed, w.handled, w.precision) == (4, 1, 2, 0.5)
    assert (f.month.visits, f.month.target, f.month.share) == (8, None, None)


def test_the_visit_rate_is_a_share_of_the_periods_own_reports(seeded: Seeded) -> None:
    """带访率 ÷ the period's valid reports: of those, the ones that brought their customer, even later;
    a day whose channel visits came from the day before's reports is not 200%."""
    store = seeded.store
    h, i, j = "13900000008", "13900000009", "13900000010"

    def at(day: int, hour: int) -> datetime:
        moment = datetime(2026, 3, day, hour, tzinfo=ZONE)
        store.clock.at = moment  # type: ignore[attr-defined]
        return moment

    def comes(phone: str, day: int, hour: int, agent: str) -> None:
        store.register_visit(phone, ref=f"ref-{phone}", arrived_at=at(day, hour), source="渠道带看", channel="贝壳",
                             agent=agent)

    at(10, 10)
    store.record_report("贝壳", "周杰", h, name="黄先生")
    store.record_report("贝壳", "周杰", i, name="蒋女士")
    at(11, 9)
    store.record_report("贝壳", "吴芳", j, name="金女士")  # the 11th's own report: J comes the next day
    comes(h, 11, 10, "周杰")
    comes(i, 11, 11, "周杰")
    beike = figures(store, day_of(date(2026, 3, 11), ZONE)).channels[1]
    assert (beike.channel, beike.valid_reports, beike.visits, beike.brought) == ("贝壳", 1, 2, 0)
    assert beike.visit_rate == 0.0  # 带访 ÷ 有效报备 said 200%
    comes(j, 12, 15, "吴芳")
    beike = figures(store, day_of(date(2026, 3, 11), ZONE)).channels[1]
    assert (beike.valid_reports, beike.visits, beike.brought, beike.visit_rate) == (1, 2, 1, 1.0)  # J came on the 12th
    both = figures(store, between(date(2026, 3, 10), date(2026, 3, 12), ZONE)).channels[1]
    assert (both.valid_reports, both.visits, both.brought, both.visit_rate) == (3, 3, 3, 1.0)


def test_a_day_and_the_midnight_between_two_groups(seeded: Seeded) -> None:
    d1 = figures(seeded.store, day_of(date(2026, 3, 1), ZONE))
    assert (d1.visits.registrations, d1.visits.groups, d1.visits.first) == (6, 5, 5)
    assert d1.visits.by_hour[23] == 1 and d1.visits.by_hour[0] == 0  # B at 23:50 belongs to D1
    assert [(c.channel, c.reports, c.visits, c.deals) for c in d1.channels] == [
        ("natural", 0, 3, 0), ("贝壳", 2, 1, 0), ("链家", 2, 1, 0)]
    assert d1.cases.opened == 0 and d1.warnings.raised == 1  # the 截客 warning
    d2 = figures(seeded.store, day_of(date(2026, 3, 2), ZONE))
    assert (d2.visits.groups, d2.visits.first, d2.visits.by_hour[0]) == (3, 1, 1)  # B at 00:10 is D2's
    assert [(s.key, s.count) for s in d2.funnel] == [("report", 0), ("visit", 3), ("pledge", 2), ("subscribe", 1),
                                                     ("contract", 0)]
    assert d2.month.visits == 8  # March 1 and 2
    week = figures(seeded.store, week_of(date(2026, 3, 1), ZONE))  # Monday Feb 23 to Sunday March 1
    assert (week.period.first, week.visits.groups) == (date(2026, 2, 23), 5)
    two_days = figures(seeded.store, between(date(2026, 3, 1), date(2026, 3, 2), ZONE))
    assert two_days.visits.groups == 8  # B counts twice: once per day


def test_a_consultants_own_figures(seeded: Seeded) -> None:
    f = figures(seeded.store, MARCH, consultant="王丽")
    assert (f.visits.registrations, f.visits.groups, f.visits.first) == (3, 3, 3)  # D, F, E
    assert [(c.channel, c.reports, c.valid_reports, c.visits, c.pledges, c.deals) for c in f.channels] == [
        ("natural", 0, 0, 2, 1, 0),  # A (hers since the verdict, pledged with 李强 before it) and B
        ("贝壳", 1, 0, 0, 0, 0),  # the invalid report on A
        ("链家", 1, 1, 1, 0, 1)]  # F
    assert f.consultants == (ConsultantFigures("王丽", 3, 3, 0, 1, 3, 0),)
    assert [s.count for s in f.funnel] == [2, 3, 0, 1, 1]
    assert (f.cases.opened, f.cases.kept, f.cases.overridden) == (2, 1, 1)  # she claimed both
    assert [(k.kind, k.raised) for k in f.warnings.by_kind] == [("repeat_visits_no_pledge", 1)]  # about A
    assert f.month.target is None


def test_the_monthly_target_is_a_journalled_setting(seeded: Seeded) -> None:
    store = seeded.store
    assert visit_target(store) is None
    seq = set_visit_target(store, 300, actor="经理")
    assert visit_target(store) == 300
    f = figures(store, day_of(date(2026, 3, 2), ZONE))
    assert (f.month.visits, f.month.target, f.month.share) == (8, 300, 8 / 300)
    set_visit_target(store, 320, actor="经理")
    assert visit_target(store) == 320
    for bad in (0, -5, 2.5, True, "300"):
        with pytest.raises(EngineError):
            set_visit_target(store, bad)  # type: ignore[arg-type]
    set_visit_target(store, None, actor="经理")
    assert visit_target(store) is None
    with store.engine.connect() as conn:
        entry = conn.execute(sa.select(JournalEntry.kind, JournalEntry.actor, JournalEntry.payload)
                             .where(JournalEntry.seq == seq)).one()
    assert entry == ("setting", "经理", '{"setting":"monthly_visit_target","value":300}')


@pytest.mark.parametrize("zone_name", ["Europe/Berlin", "America/New_York"])
def test_local_day_and_hour_in_sql_follow_daylight_saving(db_url: str, zone_name: str) -> None:
    """Across a daylight-saving change the database puts each time in the same local day and hour as
    Python does (SQLite by offsets per stretch of the period, PostgreSQL with the zone)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    period = between(date(2026, 3, 7), date(2026, 4, 2), zone)  # both zones change in March
    moments = [datetime(2026, 3, d, h, m, tzinfo=UTC) for d in range(7, 31) for h in (0, 1, 2, 5, 6, 7, 22, 23)
               for m in (0, 59)]
    with engine.begin() as conn:
        conn.execute(sa.insert(VisitRecord), [
            {"id": i, "at": at, "customer_id": 1, "registered_as": 1, "consultant": None, "channel": "natural",
             "first_visit": False, "verified": True} for i, at in enumerate(moments, start=1)])
        local = LocalTime(conn.dialect.name, period)
        rows = conn.execute(sa.select(VisitRecord.id, local.day(VisitRecord.at), local.hour(VisitRecord.at))
                            .order_by(VisitRecord.id)).all()
    expected = [(i, at.astimezone(zone).date().isoformat(), at.astimezone(zone).hour)
                for i, at in enumerate(moments, start=1)]
    assert [tuple(r) for r in rows] == expected
    assert len(local.stretches) in (0, 2)  # PostgreSQL needs none; SQLite: before and after the change
    engine.dispose()


def test_the_months_earlier_days_are_recounted_when_a_check_in_is_dismissed(seeded: Seeded) -> None:
    """本月来访 on D3 adds D3's groups to those of D1 and D2, which are remembered between refreshes
    until a visit of theirs changes: reception dismissing E's check-in of D2 takes its group away."""
    store = seeded.store
    d3 = day_of(date(2026, 3, 3), ZONE)
    assert figures(store, d3).month.visits == 8
    assert figures(store, d3).month.visits == 8  # remembered
    store.dismiss_checkin(seeded.visits["E2"], by="前台")
    assert figures(store, d3).month.visits == 7
    assert figures(store, MARCH).visits.groups == 7
