"""Chinese labels for the codes in the figures, as printed on paper and in workbooks."""

from __future__ import annotations

from judge.facts import NATURAL
from judge.reasons import LABELS_ZH

STAGES = {"pledge": "认筹", "subscribe": "认购", "contract": "签约", "cancel": "取消认筹"}
FUNNEL = {"report": "报备", "visit": "来访", "pledge": "认筹", "subscribe": "认购", "contract": "签约"}
WARNING_STATUS = {"open": "待处理", "following": "顾问跟进中", "intervened": "经理介入", "resolved": "已解决",
                  "dismissed": "已排除", "blacklisted": "已拉黑"}
JOURNAL_KINDS = {"visit": "到访登记", "confirm": "前台确认", "dismiss": "误登记作废", "report": "报备",
                 "follow_up": "跟进", "stage": "阶段变更", "claim": "公海认领", "release": "释放", "assign": "经理分配",
                 "sighting": "人脸识别", "appeal": "申诉", "case_decision": "裁决", "blacklist": "黑名单"}
CHANNEL_MODES = {"report_protect": "报备保护（先报先得）", "competitive": "竞争带看（先带先得）"}
NO_SOURCE = "未记录（前台登记）"
NOT_JUDGED = "待核验"


def label(code: str | None) -> str:
    """A reason, report status, case or warning kind in Chinese (the code itself when unknown)."""
    return "" if code is None else LABELS_ZH.get(code, code)


def channel(name: str | None) -> str:
    if name is None:
        return NOT_JUDGED
    return "自然来访" if name == NATURAL else name


def source(name: str | None) -> str:
    return name or NO_SOURCE


def stage(code: str | None) -> str:
    return "" if code is None else STAGES.get(code, code)


def warning_status(code: str) -> str:
    return WARNING_STATUS.get(code, code)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
