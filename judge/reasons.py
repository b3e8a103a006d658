"""Reason codes, case kinds and warning kinds: the closed vocabularies of DESIGN.md."""

from __future__ import annotations

REPORT_STATUSES = ("pending", "used", "expired", "invalid")
REPORT_INVALID_REASONS = (
    "already_visited",
    "duplicate_report",
    "pre_intercept",
    "face_seen_before_report",
    "blacklisted",
)
CLAIM_REFUSALS = ("not_in_pool", "daily_limit", "reclaim_cooldown", "blacklisted")
CASE_KINDS = ("ownership_conflict", "channel_conflict", "identity_conflict", "deal_by_non_owner", "appeal")
WARNING_KINDS = (
    "repeat_visits_no_pledge",
    "face_seen_before_report",
    "pre_intercept",
    "identity_split",
    "unregistered_sighting",
    "fast_deal",
    "deal_by_non_owner",
    "unconfirmed_checkin",  # a check-in still waiting for 前台确认 when its local day ended
)
WARNING_STATUSES = ("open", "following", "intervened", "resolved", "dismissed", "blacklisted")
WARNING_CLOSED = {"resolved": "已解决", "dismissed": "已排除", "blacklisted": "已拉黑"}  # take no further step

# Labels for screens and reports (Chinese first).
LABELS_ZH = {
    "pending": "待到访",
    "used": "已带访",
    "expired": "已过期",
    "invalid": "无效",
    "already_visited": "客户已到访过",
    "duplicate_report": "重复报备",
    "pre_intercept": "截客(报备过晚)",
    "face_seen_before_report": "报备前已识别到人脸",
    "blacklisted": "黑名单",
    "not_in_pool": "不在公海池",
    "daily_limit": "超过每日认领上限",
    "reclaim_cooldown": "冷静期内不可重新认领",
    "ownership_conflict": "归属争议",
    "channel_conflict": "渠道争议",
    "identity_conflict": "身份冲突(一脸多号)",
    "deal_by_non_owner": "非归属顾问成交",
    "appeal": "顾问申诉",
    "repeat_visits_no_pledge": "多次到访未认筹",
    "identity_split": "一人多号",
    "unregistered_sighting": "到场未登记",
    "fast_deal": "渠道客户快速成交",
    "unconfirmed_checkin": "待确认登记未处理",
}


class EngineError(ValueError):
    """An event the engine refuses outright (nothing is changed): e.g. no consultant on duty."""


class WarningClosed(EngineError):
    """A step on a warning that is closed already (another manager closed it meanwhile)."""
