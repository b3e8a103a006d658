"""The console's pages in navigation order: (key, module). Each module defines one `Page` subclass
whose `key` is the key here; the window imports them and shows those the user's role may see."""

from __future__ import annotations

import importlib

from console.pages.base import Page

PAGES: tuple[tuple[str, str], ...] = (
    ("today", "console.pages.today"),  # 今日
    ("dashboard", "console.pages.dashboard"),  # 数据看板
    ("customers", "console.pages.customers"),  # 客户 (and the customer's page)
    ("cases", "console.pages.cases"),  # 判客
    ("pool", "console.pages.pool"),  # 公海
    ("reports", "console.pages.reports"),  # 报备
    ("warnings", "console.pages.warnings"),  # 预警
    ("appointments", "console.pages.appointments"),  # 预约
    ("blacklist", "console.pages.blacklist"),  # 黑名单
    ("channels", "console.pages.channels"),  # 渠道
    ("people", "console.pages.people"),  # 人员
    ("duty", "console.pages.duty"),  # 值班
    ("rules", "console.pages.rules"),  # 规则
    ("audit", "console.pages.audit"),  # 审计
    ("stations", "console.pages.stations"),  # 站点
)


def page_class(key: str) -> type[Page] | None:
    """The Page subclass for `key`; None while its module is not written yet."""
    module_name = dict(PAGES)[key]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, Page) and value is not Page and value.key == key:
            return value
    raise LookupError(f"{module_name} defines no Page with key {key!r}")


def import_page_modules(keys: list[str]) -> None:
    """Imports the pages' modules (matplotlib, reportlab, the pinyin tables ...: ~1 s) on a worker thread, so
    that building the pages afterwards on the GUI thread only makes widgets. A module that fails here
    fails again in page_class, on the GUI thread, where the error is reported."""
    modules = dict(PAGES)
    for key in keys:
        try:
            importlib.import_module(modules[key])
        except Exception:  # noqa: BLE001, S112 - reported by page_class when the page is built
            continue

