"""The charts' words (reports.charts.ChartWords) in the station's language: reports/ is Qt-free and draws
Chinese for paper, so the console hands the 数据看板 and the big screen their words through the
translator. Built on the GUI thread and passed to the worker that builds the charts."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from console.pages import dashboard_words as words
from console.pages.report_words import warning_kinds
from judge.facts import NATURAL
from reports.charts import ChartWords


def chart_words() -> ChartWords:
    """The Chinese of reports.charts where the interface is Chinese, its English where it is English."""
    return ChartWords(
        no_data=QCoreApplication.translate("ChartWords", "本期无数据"),
        days=QCoreApplication.translate("ChartWords", "每日来访组数（首访 / 复访）"),
        first=QCoreApplication.translate("ChartWords", "首访"),
        returning=QCoreApplication.translate("ChartWords", "复访"),
        hours=QCoreApplication.translate("ChartWords", "来访时段（按每组首次到达的整点）"),
        hour=QCoreApplication.translate("ChartWords", "%1时"),
        channels=QCoreApplication.translate("ChartWords", "来访渠道构成（组）"),
        sources=QCoreApplication.translate("ChartWords", "来访来源（组）"),
        share=QCoreApplication.translate("ChartWords", "%1（%2）"),
        funnel=QCoreApplication.translate("ChartWords", "转化漏斗：报备 → 来访 → 认筹 → 认购 → 签约"),
        conversion=QCoreApplication.translate("ChartWords", "转化 %1"),
        report_visits=QCoreApplication.translate("ChartWords", "报备到访 %1"),
        leaderboard=QCoreApplication.translate("ChartWords", "顾问排行：接待组数、首访、成交"),
        received=QCoreApplication.translate("ChartWords", "接待组数"),
        deals=QCoreApplication.translate("ChartWords", "成交"),
        warnings=QCoreApplication.translate("ChartWords", "预警处理结果（准确率 %1）"),
        active=QCoreApplication.translate("ChartWords", "处理中"),
        resolved=QCoreApplication.translate("ChartWords", "已解决"),
        blacklisted=QCoreApplication.translate("ChartWords", "已拉黑"),
        dismissed=QCoreApplication.translate("ChartWords", "已排除"),
        natural=words.channel(NATURAL),
        not_judged=words.channel(None),
        no_source=words.source(None),
        steps=words.funnel_steps(),
        kinds=warning_kinds(),
    )
