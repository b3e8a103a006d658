"""The words of the 报备 and 预警 pages for the judge's codes (report statuses and reasons, warning kinds
and statuses), through the translator: judge.reasons.LABELS_ZH is for the CLI and the Excel export."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _t(text: str) -> str:
    return QCoreApplication.translate("ReportWords", text)


def report_statuses() -> dict[str, str]:
    return {"pending": _t("待到访"), "used": _t("已带访"), "expired": _t("已过期"), "invalid": _t("无效")}


def report_reasons() -> dict[str, str]:
    return {"already_visited": _t("客户已到访过"), "duplicate_report": _t("重复报备"),
            "pre_intercept": _t("截客（报备过晚）"), "face_seen_before_report": _t("报备前已识别到人脸"),
            "blacklisted": _t("黑名单")}


def warning_kinds() -> dict[str, str]:
    return {"repeat_visits_no_pledge": _t("多次到访未认筹"), "face_seen_before_report": _t("报备前已识别到人脸"),
            "pre_intercept": _t("截客（报备过晚）"), "identity_split": _t("一人多号"),
            "unregistered_sighting": _t("到场未登记"), "fast_deal": _t("渠道客户快速成交"),
            "deal_by_non_owner": _t("非归属顾问成交")}


def warning_statuses() -> dict[str, str]:
    return {"open": _t("待处理"), "following": _t("顾问跟进中"), "intervened": _t("经理介入"),
            "resolved": _t("已解决"), "dismissed": _t("已排除"), "blacklisted": _t("已拉黑")}


def report_outcome(status: str, reason: str | None) -> str:
    """待到访, or 无效（重复报备）."""
    text = report_statuses().get(status, status)
    return text + (_t("（%1）").replace("%1", report_reasons().get(reason, reason)) if reason else "")
