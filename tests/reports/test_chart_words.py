"""The charts' words (reports/charts.py ChartWords): Chinese by default, for paper; any other words the
console passes (its translated ones) reach every text a chart draws, while names stay as they are."""

from __future__ import annotations

import re
from datetime import date

from matplotlib.figure import Figure
from matplotlib.text import Text

from reports import charts
from reports.data import ConsultantFigures, Count, DayVisits, VisitFigures, WarningFigures, WarningKindFigures
from tests.reports.test_chart_style import SHARE, STEPS

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
NAMES = ("贝壳", "李强", "王丽", "路过")  # a channel, consultants, a source: drawn as they are
ENGLISH = charts.ChartWords(
    no_data="No data", days="Groups by day", first="First", returning="Return", hours="By hour", hour="%1h",
    channels="By channel", sources="By source", share="%1 (%2)", funnel="Funnel", conversion="conv. %1",
    report_visits="report-to-visit %1",
    leaderboard="Consultants", received="Received", deals="Deals", warnings="Warnings (precision %1)",
    active="Open", resolved="Resolved", blacklisted="Blacklisted", dismissed="Dismissed", natural="Walk-in",
    not_judged="Not judged", no_source="Not recorded",
    steps={"report": "Reported", "visit": "Visited", "pledge": "Pledged", "subscribe": "Subscribed",
           "contract": "Signed"},
    kinds={"fast_deal": "Fast deal", "pre_intercept": "Reported too late"})
VISITS = VisitFigures(registrations=5, unverified=0, groups=4, first=3,
                      by_day=(DayVisits(date(2026, 3, 1), 3, 2), DayVisits(date(2026, 3, 2), 1, 1)),
                      by_hour=(0,) * 10 + (3, 1) + (0,) * 12, by_source=(Count("路过", 3), Count(None, 1)),
                      by_channel=tuple(SHARE))
PEOPLE = [ConsultantFigures("李强", 5, 3, 1, 1, 4, 0), ConsultantFigures("王丽", 3, 2, 0, 0, 2, 0)]
WARNINGS = WarningFigures(by_kind=(WarningKindFigures("fast_deal", 1, 0, 1, 0, 0),
                                   WarningKindFigures("pre_intercept", 1, 1, 0, 0, 0)))


def texts(figure: Figure) -> list[str]:
    charts.png(figure)  # drawn: tick labels exist from now on
    return [t.get_text() for t in figure.findobj(Text) if t.get_text() and t.get_visible()]


def every_chart(words: charts.ChartWords = charts.ZH) -> dict[str, list[str]]:
    return {"days": texts(charts.visits_by_day(VISITS, words)), "hours": texts(charts.visits_by_hour(VISITS, words)),
            "channels": texts(charts.channel_share(SHARE, words)),
            "sources": texts(charts.source_share(VISITS.by_source, words)),
            "funnel": texts(charts.funnel(STEPS, words)), "people": texts(charts.leaderboard(PEOPLE, words)),
            "warnings": texts(charts.warning_outcomes(WARNINGS, words)), "empty": texts(charts.funnel([], words))}


def test_paper_charts_speak_chinese() -> None:
    shown = every_chart()
    assert {"每日来访组数（首访 / 复访）", "首访", "复访", "3/1"} <= set(shown["days"])
    assert {"来访时段（按每组首次到达的整点）", "10时"} <= set(shown["hours"])
    assert {"来访渠道构成（组）", "自然来访", "待核验", "贝壳", "6（60.0%）"} <= set(shown["channels"])
    assert {"来访来源（组）", "路过", "未记录（前台登记）", "3（75.0%）"} <= set(shown["sources"])
    assert {"转化漏斗：报备 → 来访 → 认筹 → 认购 → 签约", "报备 4", "来访 6  报备到访 75.0%", "认筹 2  转化 33.3%"} <= set(shown["funnel"])
    assert {"顾问排行：接待组数、首访、成交", "接待组数", "首访", "成交", "李强", "王丽"} <= set(shown["people"])
    assert {"预警处理结果（准确率 100.0%）", "渠道客户快速成交", "截客(报备过晚)", "处理中", "已解决", "已拉黑",
            "已排除"} <= set(shown["warnings"])
    assert "本期无数据" in shown["empty"]


def test_other_words_reach_every_text_and_names_stay() -> None:
    shown = every_chart(ENGLISH)
    for chart, drawn in shown.items():
        for text in drawn:
            assert not CJK.search(re.sub("|".join(NAMES), "", text)), (chart, text)
    assert {"Groups by day", "First", "Return"} <= set(shown["days"])
    assert {"By hour", "10h"} <= set(shown["hours"])
    assert {"By channel", "Walk-in", "Not judged", "贝壳", "6 (60.0%)"} <= set(shown["channels"])
    assert {"By source", "路过", "Not recorded", "3 (75.0%)"} <= set(shown["sources"])
    assert {"Funnel", "Reported 4", "Visited 6  report-to-visit 75.0%", "Signed 0  conv. 0.0%"} <= set(shown["funnel"])
    assert {"Consultants", "Received", "First", "Deals", "李强", "王丽"} <= set(shown["people"])
    assert {"Warnings (precision 100.0%)", "Fast deal", "Reported too late", "Open", "Resolved", "Blacklisted",
            "Dismissed"} <= set(shown["warnings"])
    assert "No data" in shown["empty"]
