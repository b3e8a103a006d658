"""The words of the 客户 page and the customer's page for the engine's codes (stages, owners, rules,
journal kinds, case kinds) and how a timeline entry reads, through the translator."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication

from console.pages.report_words import report_outcome, warning_statuses
from db.queries.customer_page import TimelineEntry

NATURAL = "natural"


def _t(text: str) -> str:
    return QCoreApplication.translate("CustomerWords", text)


def stages() -> dict[str, str]:
    return {"pledge": _t("认筹"), "subscribe": _t("认购"), "contract": _t("签约"), "cancel": _t("已取消认筹")}


def stage_actions() -> dict[str, str]:
    """The stage changes a user can record, as they are said."""
    return {"pledge": _t("认筹"), "subscribe": _t("认购"), "contract": _t("签约"), "cancel": _t("取消认筹")}


def owner_text(owner: str) -> str:
    return {"pool": _t("公海"), "none": _t("未分配")}.get(owner, owner)


def channel_text(channel: str | None, agent: str | None = None) -> str:
    if channel is None:
        return "—"
    if channel == NATURAL:
        return _t("自然来访")
    return f"{channel} · {agent}" if agent else channel


def rule_text(rule: str, days: int | None) -> str:
    shown = {"protection.consultant_days": _t("归属保护期 %1 天"), "protection.follow_up_days": _t("跟进期 %1 天"),
             "pool.claim_protection_days": _t("认领保护期 %1 天"), "protection.pledge_freezes": _t("认筹冻结保护"),
             "deal": _t("已成交，归属锁定")}.get(rule, rule)
    return shown.replace("%1", str(days)) if days is not None else shown


def countdown(until: datetime, now: datetime) -> str:
    left = until - now
    if left <= timedelta(0):
        return _t("已到期")
    days, rest = divmod(int(left.total_seconds()), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return _t("剩 %1 天 %2 小时").replace("%1", str(days)).replace("%2", str(hours))
    return _t("剩 %1 小时 %2 分").replace("%1", str(hours)).replace("%2", str(minutes))


def claim_refusals() -> dict[str, str]:
    return {"not_in_pool": _t("不在公海池"), "daily_limit": _t("已达今日认领上限"),
            "reclaim_cooldown": _t("冷静期内不能认领自己释放或失去的客户"), "blacklisted": _t("黑名单客户不能认领")}


def case_kinds() -> dict[str, str]:
    return {"ownership_conflict": _t("归属争议"), "channel_conflict": _t("渠道争议"),
            "identity_conflict": _t("身份冲突（一脸多号）"), "deal_by_non_owner": _t("非归属顾问成交"),
            "appeal": _t("顾问申诉")}


def case_statuses() -> dict[str, str]:
    return {"open": _t("待裁决"), "decided": _t("已裁决")}


def kinds() -> dict[str, str]:
    return {"visit": _t("到访"), "confirm": _t("前台确认"), "dismiss": _t("登记作废"), "report": _t("报备"),
            "follow_up": _t("跟进"), "stage": _t("阶段变更"), "claim": _t("认领"), "release": _t("释放到公海"),
            "assign": _t("指派"), "blacklist": _t("黑名单"), "case_decision": _t("判客裁决"),
            "warning_update": _t("预警处理"), "reveal_phone": _t("查看完整号码"), "erasure": _t("删除个人信息"),
            "consent": _t("人脸授权"), "face_enrolled": _t("人脸录入"), "consent_withdrawn": _t("撤回人脸授权"),
            "reception_stay": _t("接待"), "appeal": _t("申诉"), "report_stated_time": _t("渠道声明的报备时间"),
            "sighting": _t("摄像头识别")}


def event_text(entry: TimelineEntry) -> str:
    """事件 column: the kind, made precise where the payload says more (首次到访, 接待开始)."""
    d = entry.detail
    if entry.kind == "visit" and d.get("first_visit"):
        return _t("首次到访")
    if entry.kind == "reception_stay":
        return _t("接待开始") if d.get("action") == "start" else _t("接待结束")
    if entry.kind == "blacklist":
        return _t("列入黑名单") if d.get("listed", True) else _t("移出黑名单")
    return kinds().get(entry.kind, entry.kind)


def detail_text(entry: TimelineEntry) -> str:
    """详情 column: who and what, in a line."""
    d: dict[str, Any] = entry.detail
    parts: list[str] = []
    if entry.kind == "visit":
        parts.append(channel_text(d.get("channel"), d.get("agent")))
        if d.get("assigned_to"):
            parts.append(_t("接待：%1").replace("%1", str(d["assigned_to"])))
        if d.get("verified") is False:
            parts.append(_t("未核验"))
    elif entry.kind == "report":
        parts.append(channel_text(d.get("channel"), d.get("agent")))
        if d.get("report_status"):
            parts.append(report_outcome(d["report_status"], d.get("report_reason")))
    elif entry.kind == "stage":
        parts.append(f"→ {stages().get(d.get('stage', ''), d.get('stage', ''))}")
    elif entry.kind == "case_decision":
        parts.append(_t("裁决：%1").replace("%1", owner_text(str(d.get("verdict", "")))))
    elif entry.kind == "warning_update":
        parts.append(warning_statuses().get(d.get("status", ""), str(d.get("status", ""))))
    if d.get("consultant") and entry.kind != "visit":
        parts.insert(0, str(d["consultant"]))
    if d.get("note"):
        parts.append(str(d["note"]))
    return " · ".join(part for part in parts if part)
