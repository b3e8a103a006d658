"""The customers behind each clickable number (reports/behind.py through service/queries/figure_customers.py) on
the hand-counted site of tests/reports/seed.py, March 2026, SQLite and PostgreSQL: every measure lists the
customers its figure counts (tests/reports/test_figures.py), and a consultant's list keeps to their scope."""

from __future__ import annotations

from datetime import date

import pytest

from reports import behind as b
from reports.behind import Behind
from reports.desk_reports import behind_count, behind_page
from reports.period import Period, day_of, month_of
from service.desk import Desk
from service.roles import PermissionDenied
from service.users import User
from tests.reports.seed import ZONE, Seeded

MARCH = month_of(date(2026, 3, 1), ZONE)
NAMES = {f"138****000{i}": name for i, name in enumerate("ABCDEFG", start=1)}
# the figure (test_figures.py) -> the customers behind it
EXPECTED = [
    (Behind(b.VISITS), "ABCDEF"),  # 8 groups: B and A twice
    (Behind(b.FIRST), "ABCDEF"),
    (Behind(b.RETURNING), "AB"),  # A on D2, B after midnight
    (Behind(b.UNVERIFIED), "E"),
    (Behind(b.MONTH), "ABCDEF"),
    (Behind(b.SOURCE, "路过"), "AE"),  # 3 groups: A on D1 and D2, E
    (Behind(b.SOURCE, "朋友介绍"), "D"),
    (Behind(b.HOUR, "10"), "AD"),
    (Behind(b.HOUR, "23"), "B"),
    (Behind(b.VISIT_CHANNEL, "natural"), "ABDE"),
    (Behind(b.VISIT_CHANNEL, "链家"), "F"),
    (Behind(b.REPORTS), "ACDF"),
    (Behind(b.REPORTS, "贝壳"), "AC"),
    (Behind(b.VALID, "贝壳"), "C"),
    (Behind(b.INVALID, "already_visited"), "A"),
    (Behind(b.INVALID, "pre_intercept"), "D"),
    (Behind(b.LED, "natural"), "ABD"),
    (Behind(b.LED, "链家"), "F"),
    (Behind(b.PLEDGES, "natural"), "A"),
    (Behind(b.PLEDGES, "贝壳"), "C"),
    (Behind(b.DEALS, "链家"), "F"),
    (Behind(b.COMMISSIONED, "贝壳"), "C"),
    (Behind(b.COMMISSIONED, "链家"), ""),  # F closed after 链家's protection ended
    (Behind(b.RECEIVED, "李强"), "ABC"),  # 5 groups
    (Behind(b.RECEIVED_FIRST, "王丽"), "DEF"),
    (Behind(b.PLEDGED_BY, "李强"), "AC"),
    (Behind(b.DEALS_BY, "王丽"), "F"),
    (Behind(b.PROTECTED, "李强"), "CD"),
    (Behind(b.CLAIMS, "李强"), "D"),
    (Behind(b.STAGE, "pledge"), "AC"),
    (Behind(b.STAGE, "contract"), "F"),
    (Behind(b.CONVERTED, "visit"), "CF"),  # the valid reports' customers who came
    (Behind(b.CONVERTED, "pledge"), "AC"),  # of the 6 who visited
    (Behind(b.CONVERTED, "subscribe"), "C"),  # of A and C who pledged (F subscribed without a pledge)
    (Behind(b.CONVERTED, "contract"), "F"),
    (Behind(b.CASES_OPENED), "AC"),
    (Behind(b.CASES_OPENED, "ownership_conflict"), "AC"),
    (Behind(b.CASES_DECIDED), "AC"),
    (Behind(b.CASES_KEPT), "C"),
    (Behind(b.CASES_OVERRIDDEN), "A"),
    (Behind(b.WARNINGS), "ACDE"),  # E: its check-in left waiting for reception at D2's end
    (Behind(b.WARNINGS, None, "active"), "AE"),
    (Behind(b.WARNINGS, "pre_intercept", "resolved"), "D"),
    (Behind(b.WARNINGS, "fast_deal", "dismissed"), "C"),
    (Behind(b.WARNINGS, None, "blacklisted"), ""),
]



def listed(desk: Desk, behind: Behind, period: Period = MARCH) -> str:
    return "".join(sorted(NAMES[row.phone_masked] for row in behind_page(desk, period, behind, 0, 100)))


def test_each_number_lists_the_customers_it_counts(seeded: Seeded) -> None:
    manager = Desk(seeded.store, User("经理", "manager", None, True))
    for behind, customers in EXPECTED:
        assert listed(manager, behind) == customers, behind
        assert behind_count(manager, MARCH, behind).hidden == 0
    assert listed(manager, Behind(b.VISITS), day_of(date(2026, 3, 2), ZONE)) == "ABE"
    assert behind_page(manager, MARCH, Behind(b.FIRST), 2, 3)  # a page at a time, the latest visitor first
    assert [NAMES[r.phone_masked] for r in behind_page(manager, MARCH, Behind(b.FIRST), 0, 2)] == ["E", "A"]


def test_a_consultant_sees_their_own_customers_behind_their_own_figures(seeded: Seeded) -> None:
    wang = Desk(seeded.store, User("王丽", "consultant", "王丽", True))
    assert listed(wang, Behind(b.VISITS)) == "F"  # her figures: D (李强's now), F, E (nobody's yet)
    assert behind_count(wang, MARCH, Behind(b.VISITS)).hidden == 2
    assert listed(wang, Behind(b.PROTECTED, "王丽")) == "ABF"
    assert listed(wang, Behind(b.REPORTS, "贝壳")) == "A"  # the invalid report on A, hers since the verdict
    with pytest.raises(PermissionDenied):
        behind_page(wang, MARCH, Behind(b.DEALS_BY, "李强"), 0, 10)
    receptionist = Desk(seeded.store, User("前台", "receptionist", None, True))
    with pytest.raises(PermissionDenied):  # no dashboard for reception
        behind_count(receptionist, MARCH, Behind(b.VISITS))
