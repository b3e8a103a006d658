"""What the 规则 page calls each rule: a name with its unit, a one-line meaning (DESIGN.md "Rules"),
and the words for the values of the rules that take a choice. Translated in context "RuleTexts"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from judge.rules import DEFAULT_VALUES

CONTEXT = "RuleTexts"

_LABELS: dict[str, Any] = {
    "site.timezone": QT_TRANSLATE_NOOP("RuleTexts", "时区"),
    "site.max_clock_jump_days": QT_TRANSLATE_NOOP("RuleTexts", "时钟跳变上限（天）"),
    "protection.consultant_days": QT_TRANSLATE_NOOP("RuleTexts", "顾问保护期（天）"),
    "protection.follow_up_days": QT_TRANSLATE_NOOP("RuleTexts", "跟进间隔上限（天）"),
    "protection.pledge_freezes": QT_TRANSLATE_NOOP("RuleTexts", "认筹后冻结保护期"),
    "channel.mode": QT_TRANSLATE_NOOP("RuleTexts", "渠道判客模式"),
    "channel.number_mode": QT_TRANSLATE_NOOP("RuleTexts", "报备号码方式"),
    "channel.visit_deadline_hours": QT_TRANSLATE_NOOP("RuleTexts", "报备后到访时限（小时）"),
    "channel.pre_intercept_minutes": QT_TRANSLATE_NOOP("RuleTexts", "防截客时长（分钟）"),
    "channel.protection_days": QT_TRANSLATE_NOOP("RuleTexts", "渠道保护期（天）"),
    "pool.daily_claim_limit": QT_TRANSLATE_NOOP("RuleTexts", "每日认领上限（个）"),
    "pool.reclaim_cooldown_days": QT_TRANSLATE_NOOP("RuleTexts", "重新认领冷却期（天）"),
    "pool.claim_protection_days": QT_TRANSLATE_NOOP("RuleTexts", "认领后保护期（天）"),
    "rotation.returning_keeps_turn": QT_TRANSLATE_NOOP("RuleTexts", "老客户回访不占轮次"),
    "warnings.repeat_visits": QT_TRANSLATE_NOOP("RuleTexts", "多次到访预警（次）"),
    "warnings.repeat_window_days": QT_TRANSLATE_NOOP("RuleTexts", "多次到访统计期（天）"),
    "warnings.fast_deal_hours": QT_TRANSLATE_NOOP("RuleTexts", "快速成交预警（小时）"),
    "warnings.unregistered_minutes": QT_TRANSLATE_NOOP("RuleTexts", "人脸未登记预警（分钟）"),
}

_MEANINGS: dict[str, Any] = {
    "site.timezone": QT_TRANSLATE_NOOP("RuleTexts", "项目所在地时区：自然日与每日限额按此计算"),
    "site.max_clock_jump_days": QT_TRANSLATE_NOOP("RuleTexts", "站点时钟超出日志最后一条超过此天数时拒绝写入，待管理员确认"),
    "protection.consultant_days": QT_TRANSLATE_NOOP("RuleTexts", "首次有效到访后归属顾问的保护期，回访续期"),
    "protection.follow_up_days": QT_TRANSLATE_NOOP("RuleTexts", "超过此天数无跟进也无到访，客户提前进入公海"),
    "protection.pledge_freezes": QT_TRANSLATE_NOOP("RuleTexts", "认筹后保护期不再到期，直至成交或退筹"),
    "channel.mode": QT_TRANSLATE_NOOP("RuleTexts", "报备保护：首个有效报备得客；带看优先：首个带客到访的渠道得客"),
    "channel.number_mode": QT_TRANSLATE_NOOP("RuleTexts", "渠道报备须给全号，或可用前三后四隐号"),
    "channel.visit_deadline_hours": QT_TRANSLATE_NOOP("RuleTexts", "报备后须在此时限内到访，否则报备过期"),
    "channel.pre_intercept_minutes": QT_TRANSLATE_NOOP("RuleTexts", "到访前不足此时长的报备无效（防截客）"),
    "channel.protection_days": QT_TRANSLATE_NOOP("RuleTexts", "渠道带访后此天数内成交，佣金归该渠道"),
    "pool.daily_claim_limit": QT_TRANSLATE_NOOP("RuleTexts", "每位顾问每个自然日可从公海认领的客户数"),
    "pool.reclaim_cooldown_days": QT_TRANSLATE_NOOP("RuleTexts", "顾问失去或释放的客户，此天数内不得再认领"),
    "pool.claim_protection_days": QT_TRANSLATE_NOOP("RuleTexts", "从公海认领后的保护期"),
    "rotation.returning_keeps_turn": QT_TRANSLATE_NOOP("RuleTexts", "受保护客户回访归原顾问，不占用其轮次"),
    "warnings.repeat_visits": QT_TRANSLATE_NOOP("RuleTexts", "统计期内到访达此次数仍未认筹时预警"),
    "warnings.repeat_window_days": QT_TRANSLATE_NOOP("RuleTexts", "多次到访预警的统计天数"),
    "warnings.fast_deal_hours": QT_TRANSLATE_NOOP("RuleTexts", "渠道客户首访后此时长内成交时预警"),
    "warnings.unregistered_minutes": QT_TRANSLATE_NOOP("RuleTexts", "识别到人脸后此时长内仍未登记时预警"),
}

CHOICES: dict[str, dict[Any, Any]] = {
    "channel.mode": {"report_protect": QT_TRANSLATE_NOOP("RuleTexts", "报备保护"),
                     "competitive": QT_TRANSLATE_NOOP("RuleTexts", "带看优先")},
    "channel.number_mode": {"full": QT_TRANSLATE_NOOP("RuleTexts", "全号"),
                            "masked_3_4": QT_TRANSLATE_NOOP("RuleTexts", "前三后四")},
}
_YES, _NO = QT_TRANSLATE_NOOP("RuleTexts", "是"), QT_TRANSLATE_NOOP("RuleTexts", "否")


def _tr(text: Any) -> str:
    """QT_TRANSLATE_NOOP marks a text for the catalogue; this translates it where it is shown."""
    return QCoreApplication.translate(CONTEXT, str(text))


def label(key: str) -> str:
    return _tr(_LABELS[key]) if key in _LABELS else key


def meaning(key: str) -> str:
    return _tr(_MEANINGS[key]) if key in _MEANINGS else ""


def choices(key: str) -> list[tuple[str, Any]]:
    """(shown, value) for a rule edited by choosing: the modes and the yes/no rules."""
    if key in CHOICES:
        return [(_tr(text), value) for value, text in CHOICES[key].items()]
    if isinstance(DEFAULT_VALUES.get(key), bool):
        return [(_tr(_YES), True), (_tr(_NO), False)]
    return []


def shown(key: str, value: Any) -> str:
    """A rule's value as the page shows it: 是/否, the mode's name, or the number or text."""
    if isinstance(value, bool):
        return _tr(_YES) if value else _tr(_NO)
    if key in CHOICES and value in CHOICES[key]:
        return _tr(CHOICES[key][value])
    return "" if value is None else str(value)
