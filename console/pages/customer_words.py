"""The words of the 客户 page and the customer's page for the engine's codes (stages, owners, rules,
journal kinds, case kinds) and how a timeline entry reads, through the translator."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication

from console.pages.report_words import report_outcome, warning_statuses
from service.queries.customer_page import TimelineEntry

NATURAL = "natural"



def stages() -> dict[str, str]:
    return {"pledge": QCoreApplication.translate("CustomerWords", "认筹"), "subscribe": QCoreApplication.translate("CustomerWords", "认购"), "contract": QCoreApplication.translate("CustomerWords", "签约"), "cancel": QCoreApplication.translate("CustomerWords", "已取消认筹")}


def stage_actions() -> dict[str, str]:
    """The stage changes a user can record, as they are said."""
    return {"pledge": QCoreApplication.translate("CustomerWords", "认筹"), "subscribe": QCoreApplication.translate("CustomerWords", "认购"), "contract": QCoreApplication.translate("CustomerWords", "签约"), "cancel": QCoreApplication.translate("CustomerWords", "取消认筹")}


def owner_text(owner: str) -> str:
    return {"pool": QCoreApplication.translate("CustomerWords", "公海"), "none": QCoreApplication.translate("CustomerWords", "未分配")}.get(owner, owner)


def channel_text(channel: str | None, agent: str | None = None) -> str:
    if channel is None:
        return "—"
    if channel == NATURAL:
        return QCoreApplication.translate("CustomerWords", "自然来访")
    return f"{channel} · {agent}" if agent else channel


def rule_text(rule: str, days: int | None) -> str:
    shown = {"protection.consultant_days": QCoreApplication.translate("CustomerWords", "归属保护期 %1 天"), "protection.follow_up_days": QCoreApplication.translate("CustomerWords", "跟进期 %1 天"),
             "pool.claim_protection_days": QCoreApplication.translate("CustomerWords", "认领保护期 %1 天"), "protection.pledge_freezes": QCoreApplication.translate("CustomerWords", "认筹冻结保护"),
             "deal": QCoreApplication.translate("CustomerWords", "已成交，归属锁定")}.get(rule, rule)
    return shown.replace("%1", str(days)) if days is not None else shown


def countdown(until: datetime, now: datetime) -> str:
    left = until - now
    if left <= timedelta(0):
        return QCoreApplication.translate("CustomerWords", "已到期")
    days, rest = divmod(int(left.total_seconds()), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return QCoreApplication.translate("CustomerWords", "剩 %1 天 %2 小时").replace("%1", str(days)).replace("%2", str(hours))
    return QCoreApplication.translate("CustomerWords", "剩 %1 小时 %2 分").replace("%1", str(hours)).replace("%2", str(minutes))


def claim_refusals() -> dict[str, str]:
    return {"not_in_pool": QCoreApplication.translate("CustomerWords", "不在公海池"), "daily_limit": QCoreApplication.translate("CustomerWords", "已达今日认领上限"),
            "reclaim_cooldown": QCoreApplication.translate("CustomerWords", "冷静期内不能认领自己释放或失去的客户"), "blacklisted": QCoreApplication.translate("CustomerWords", "黑名单客户不能认领")}


def case_kinds() -> dict[str, str]:
    return {"ownership_conflict": QCoreApplication.translate("CustomerWords", "归属争议"), "channel_conflict": QCoreApplication.translate("CustomerWords", "渠道争议"),
            "identity_conflict": QCoreApplication.translate("CustomerWords", "身份冲突（一脸多号）"), "deal_by_non_owner": QCoreApplication.translate("CustomerWords", "非归属顾问成交"),
            "appeal": QCoreApplication.translate("CustomerWords", "顾问申诉")}


def case_statuses() -> dict[str, str]:
    return {"open": QCoreApplication.translate("CustomerWords", "待裁决"), "decided": QCoreApplication.translate("CustomerWords", "已裁决")}


def kinds() -> dict[str, str]:
    return {"visit": QCoreApplication.translate("CustomerWords", "到访"), "confirm": QCoreApplication.translate("CustomerWords", "前台确认"), "dismiss": QCoreApplication.translate("CustomerWords", "登记作废"), "report": QCoreApplication.translate("CustomerWords", "报备"),
            "follow_up": QCoreApplication.translate("CustomerWords", "跟进"), "stage": QCoreApplication.translate("CustomerWords", "阶段变更"), "claim": QCoreApplication.translate("CustomerWords", "认领"), "release": QCoreApplication.translate("CustomerWords", "释放到公海"),
            "assign": QCoreApplication.translate("CustomerWords", "指派"), "blacklist": QCoreApplication.translate("CustomerWords", "黑名单"), "case_decision": QCoreApplication.translate("CustomerWords", "判客裁决"),
            "warning_update": QCoreApplication.translate("CustomerWords", "预警处理"), "reveal_phone": QCoreApplication.translate("CustomerWords", "查看完整号码"), "erasure": QCoreApplication.translate("CustomerWords", "删除个人信息"),
            "consent": QCoreApplication.translate("CustomerWords", "人脸授权"), "face_enrolled": QCoreApplication.translate("CustomerWords", "人脸录入"), "consent_withdrawn": QCoreApplication.translate("CustomerWords", "撤回人脸授权"),
            "reception_stay": QCoreApplication.translate("CustomerWords", "接待"), "appeal": QCoreApplication.translate("CustomerWords", "申诉"), "report_stated_time": QCoreApplication.translate("CustomerWords", "渠道声明的报备时间"),
            "sighting": QCoreApplication.translate("CustomerWords", "摄像头识别")}


def event_text(entry: TimelineEntry) -> str:
    """事件 column: the kind, made precise where the payload says more (首次到访, 接待开始)."""
    d = entry.detail
    if entry.kind == "visit" and d.get("first_visit"):
        return QCoreApplication.translate("CustomerWords", "首次到访")
    if entry.kind == "reception_stay":
        return QCoreApplication.translate("CustomerWords", "接待开始") if d.get("action") == "start" else QCoreApplication.translate("CustomerWords", "接待结束")
    if entry.kind == "blacklist":
        return QCoreApplication.translate("CustomerWords", "列入黑名单") if d.get("listed", True) else QCoreApplication.translate("CustomerWords", "移出黑名单")
    return kinds().get(entry.kind, entry.kind)


def detail_text(entry: TimelineEntry) -> str:
    """详情 column: who and what, in a line."""
    d: dict[str, Any] = entry.detail
    parts: list[str] = []
    if entry.kind == "visit":
        parts.append(channel_text(d.get("channel"), d.get("agent")))
        if d.get("assigned_to"):
            parts.append(QCoreApplication.translate("CustomerWords", "接待：%1").replace("%1", str(d["assigned_to"])))
        if d.get("verified") is False:
            parts.append(QCoreApplication.translate("CustomerWords", "未核验"))
    elif entry.kind == "report":
        parts.append(channel_text(d.get("channel"), d.get("agent")))
        if d.get("report_status"):
            parts.append(report_outcome(d["report_status"], d.get("report_reason")))
    elif entry.kind == "stage":
        parts.append(f"→ {stages().get(d.get('stage', ''), d.get('stage', ''))}")
    elif entry.kind == "case_decision":
        parts.append(QCoreApplication.translate("CustomerWords", "裁决：%1").replace("%1", owner_text(str(d.get("verdict", "")))))
    elif entry.kind == "warning_update":
        parts.append(warning_statuses().get(d.get("status", ""), str(d.get("status", ""))))
    if d.get("consultant") and entry.kind != "visit":
        parts.insert(0, str(d["consultant"]))
    if d.get("note"):
        parts.append(str(d["note"]))
    return " · ".join(part for part in parts if part)
