"""What each role may do. The console hides what a role may not do, and `service.desk.Desk` refuses it too:
the check lives beside the store, so a screen that forgets to hide a button still cannot write.

Permissions are plain strings `area.action`. A consultant's permissions on customers apply to their
own customers only (and to the pool for `pool.claim`); `Desk` enforces that scope.
"""

from __future__ import annotations

from judge.reasons import EngineError

ALL_STAFF = ("admin", "manager", "channel_manager", "receptionist", "consultant")

_GRANTS: dict[str, tuple[str, ...]] = {
    # 今日
    "today.view": ALL_STAFF,
    "reception.confirm": ("admin", "manager", "receptionist"),  # confirm / correct / dismiss a check-in
    "reception.serve": ("manager", "receptionist", "consultant"),  # 接待开始 / 接待结束
    "duty.busy": ("manager", "receptionist"),
    # 客户
    "customers.view": ALL_STAFF,  # a consultant: their own customers and the pool
    "customers.view_all": ("admin", "manager", "channel_manager", "receptionist"),
    "customers.reveal": ("manager",),  # one full number, with a reason, journalled
    "customers.follow_up": ("manager", "consultant"),
    "customers.stage": ("manager", "consultant"),
    "customers.release": ("manager", "consultant"),
    "customers.assign": ("manager",),
    # 判客
    "cases.view": ("admin", "manager", "consultant"),
    "cases.decide": ("manager",),
    "cases.appeal": ("consultant",),
    # 公海
    "pool.view": ("admin", "manager", "consultant"),
    "pool.claim": ("consultant",),
    # 报备
    "reports.view": ("admin", "manager", "channel_manager"),
    "reports.enter": ("manager", "channel_manager"),
    # 预警
    "warnings.view": ("admin", "manager", "consultant"),
    "warnings.follow_up": ("manager", "consultant"),
    "warnings.decide": ("manager",),  # resolve, dismiss, blacklist
    # 预约
    "appointments.view": ("admin", "manager", "receptionist", "consultant"),
    "appointments.create": ("manager", "receptionist", "consultant"),
    # 黑名单, 渠道, 人员, 值班
    "blacklist.view": ("admin", "manager", "channel_manager", "receptionist"),
    "blacklist.edit": ("manager",),
    "channels.view": ("admin", "manager", "channel_manager"),
    "channels.edit": ("manager", "channel_manager"),
    "people.view": ("admin", "manager"),
    "consultants.edit": ("admin", "manager"),
    "users.edit": ("admin",),
    "duty.view": ("admin", "manager", "receptionist", "consultant"),
    "duty.edit": ("manager",),
    "sources.edit": ("admin", "manager", "receptionist"),  # the kiosk's 登记来源 (staff mode's settings)
    # 规则
    "rules.view": ("admin", "manager", "channel_manager"),
    "rules.edit": ("manager",),
    # 审计
    "audit.view": ("admin", "manager"),
    "audit.verify": ("admin", "manager"),
    "audit.checkpoint": ("admin",),
    "audit.backup": ("admin",),
    # 数据看板 and the printed reports (a consultant: their own figures only)
    "dashboard.view": ("admin", "manager", "channel_manager", "consultant"),
    "dashboard.target": ("manager",),  # 本月来访目标
    "dashboard.print": ("admin", "manager", "channel_manager", "consultant"),  # 日报, 周报, 月报: PDF, Excel, paper
    "dashboard.commission": ("admin", "manager", "channel_manager"),  # 渠道佣金凭证
    "cases.print": ("admin", "manager"),  # 判客裁决书
    # 站点
    "stations.view": ("admin", "manager"),
    "stations.retire": ("admin", "manager"),  # journalled with a reason; the station's writes are refused
    "keys.export": ("admin", "manager"),  # the site's key bundle for a joining station, journalled
    "clock.accept": ("admin",),  # `anchang clock accept` from the console: this station's clock, journalled
}

PERMISSIONS: dict[str, frozenset[str]] = {perm: frozenset(roles) for perm, roles in _GRANTS.items()}


class PermissionDenied(EngineError):
    """A role asked for something it may not do. An EngineError: refused before anything changed."""


class SessionEnded(PermissionDenied):
    """The signed-in user was disabled since signing in: refused, and the station ends the session."""


def can(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return role in PERMISSIONS[permission]


def permissions_of(role: str) -> frozenset[str]:
    return frozenset(perm for perm, roles in PERMISSIONS.items() if role in roles)
