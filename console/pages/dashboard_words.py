"""The words of the 数据看板 page for the figures' codes (funnel steps, sources, channels, reasons, kinds),
through the translator; reports/labels.py holds the same in Chinese for paper."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication

from console.pages.customer_words import case_kinds, channel_text
from console.pages.report_words import report_reasons, warning_kinds


def funnel_steps() -> dict[str, str]:
    return {"report": QCoreApplication.translate("DashboardWords", "报备"),
            "visit": QCoreApplication.translate("DashboardWords", "来访"),
            "pledge": QCoreApplication.translate("DashboardWords", "认筹"),
            "subscribe": QCoreApplication.translate("DashboardWords", "认购"),
            "contract": QCoreApplication.translate("DashboardWords", "签约")}


def visit_rate_rule() -> str:
    """What the channel table's 带访率 is (reports/data.py ChannelFigures.visit_rate), for its tooltip."""
    return QCoreApplication.translate(
        "DashboardWords", "带访率：本期有效报备中已凭报备带客到访的比例，不超过100%；带访一列为本期首次到访并判给该渠道的客户。")


def conversion_rule() -> str:
    """What the funnel's conversions are (reports/funnel_figures.py), for the column's tooltip."""
    return QCoreApplication.translate(
        "DashboardWords", "转化率是同一批客户中的比例，不超过100%：来访一行为报备到访率，即本期有效报备的客户中已凭报备到访"
        "（带访）的；其后各行为本期到达上一环节的客户中，本期又到达该环节的。")


def conversion(step: str, converted: int, base: int) -> str:
    """One step's conversion in words: who of whom."""
    texts = {"visit": QCoreApplication.translate("DashboardWords", "报备到访率：本期有效报备的 %2 位客户中，%1 位已凭报备到访"),
             "pledge": QCoreApplication.translate("DashboardWords", "本期到访的 %2 位客户中，%1 位本期认筹"),
             "subscribe": QCoreApplication.translate("DashboardWords", "本期认筹的 %2 位客户中，%1 位本期认购"),
             "contract": QCoreApplication.translate("DashboardWords", "本期认购的 %2 位客户中，%1 位本期签约")}
    return texts.get(step, "").replace("%1", str(converted)).replace("%2", str(base))


def channel(name: str | None) -> str:
    return QCoreApplication.translate("DashboardWords", "待核验") if name is None else channel_text(name)


def source(name: str | None) -> str:
    return name or QCoreApplication.translate("DashboardWords", "未记录（前台登记）")


def reason(code: str | None) -> str:
    return "" if code is None else report_reasons().get(code, code)


def case_kind(code: str | None) -> str:
    return "" if code is None else case_kinds().get(code, code)


def warning_kind(code: str) -> str:
    return warning_kinds().get(code, code)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def scope(consultant: str | None) -> str:
    if consultant is None:
        return QCoreApplication.translate("DashboardWords", "全站数据")
    return QCoreApplication.translate("DashboardWords", "%1 本人数据").replace("%1", consultant)


def period_text(kind: str, first: date, last: date) -> str:
    """2026-03-01, 2026-03-02 至 2026-03-08, 2026年3月 ... (reports.period.Period.label, translated)."""
    if kind == "day":
        return first.isoformat()
    if kind == "month":
        text = QCoreApplication.translate("DashboardWords", "%1年%2月")
        return text.replace("%1", str(first.year)).replace("%2", str(first.month))
    text = QCoreApplication.translate("DashboardWords", "%1 至 %2")
    return text.replace("%1", first.isoformat()).replace("%2", last.isoformat())
