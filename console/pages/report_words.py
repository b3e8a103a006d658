"""The words of the 报备 and 预警 pages for the judge's codes (report statuses and reasons, warning kinds
and statuses), through the translator: judge.reasons.LABELS_ZH is for the CLI and the Excel export."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def report_statuses() -> dict[str, str]:
    return {"pending": QCoreApplication.translate("ReportWords", "待到访"), "used": QCoreApplication.translate("ReportWords", "已带访"), "expired": QCoreApplication.translate("ReportWords", "已过期"), "invalid": QCoreApplication.translate("ReportWords", "无效")}


def report_reasons() -> dict[str, str]:
    return {"already_visited": QCoreApplication.translate("ReportWords", "客户已到访过"), "duplicate_report": QCoreApplication.translate("ReportWords", "重复报备"),
            "pre_intercept": QCoreApplication.translate("ReportWords", "截客（报备过晚）"), "face_seen_before_report": QCoreApplication.translate("ReportWords", "报备前已识别到人脸"),
            "blacklisted": QCoreApplication.translate("ReportWords", "黑名单")}


def warning_kinds() -> dict[str, str]:
    return {"repeat_visits_no_pledge": QCoreApplication.translate("ReportWords", "多次到访未认筹"), "face_seen_before_report": QCoreApplication.translate("ReportWords", "报备前已识别到人脸"),
            "pre_intercept": QCoreApplication.translate("ReportWords", "截客（报备过晚）"), "identity_split": QCoreApplication.translate("ReportWords", "一人多号"),
            "unregistered_sighting": QCoreApplication.translate("ReportWords", "到场未登记"), "fast_deal": QCoreApplication.translate("ReportWords", "渠道客户快速成交"),
            "deal_by_non_owner": QCoreApplication.translate("ReportWords", "非归属顾问成交"),
            "unconfirmed_checkin": QCoreApplication.translate("ReportWords", "待确认登记未处理")}


def warning_statuses() -> dict[str, str]:
    return {"open": QCoreApplication.translate("ReportWords", "待处理"), "following": QCoreApplication.translate("ReportWords", "顾问跟进中"), "intervened": QCoreApplication.translate("ReportWords", "经理介入"),
            "resolved": QCoreApplication.translate("ReportWords", "已解决"), "dismissed": QCoreApplication.translate("ReportWords", "已排除"), "blacklisted": QCoreApplication.translate("ReportWords", "已拉黑")}


def report_outcome(status: str, reason: str | None) -> str:
    """待到访, or 无效（重复报备）."""
    text = report_statuses().get(status, status)
    return text + (QCoreApplication.translate("ReportWords", "（%1）").replace("%1", report_reasons().get(reason, reason)) if reason else "")
