"""`anchang export`: customers, reports, judgment cases and warnings as an Excel workbook.

Phones are masked; ownership and report statuses are the engine's view at the moment of the export
(a protection lapses with time, so the stored projection alone could be stale). Every text is written as
inert text (reports/sheet_text.py): a warning note `=HYPERLINK(…)` is shown, never run.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from db.config import data_dir
from db.database import read_session
from db.models import Customer, Report
from db.personal import mask_phone
from judge.engine import Site
from judge.facts import NATURAL
from judge.reasons import LABELS_ZH
from operations.common import EXIT_OK, open_store
from reports.sheet_text import append
from service.queries.customers import ERASED

STAGES_ZH = {"pledge": "认筹", "subscribe": "认购", "contract": "签约", "cancel": "取消认筹"}
WARNING_STATUS_ZH = {"open": "待处理", "following": "顾问跟进中", "intervened": "经理介入", "resolved": "已解决",
                     "dismissed": "已排除", "blacklisted": "已拉黑"}
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Excel has no time zones: the site's local time, without tzinfo."""
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def _label(code: str | None) -> str:
    return "" if code is None else LABELS_ZH.get(code, code)


def _sheet(workbook: Workbook, title: str, headers: list[str], rows: list[list[Any]]) -> Worksheet:
    sheet = workbook.create_sheet(title)
    for cell in append(sheet, headers):
        cell.font = Font(bold=True)
    for row in rows:
        for cell in append(sheet, row):
            if isinstance(cell.value, datetime):
                cell.number_format = TIME_FORMAT
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sample = [header, *(row[index - 1] for row in rows[:200])]
        width = max(_display_width(v) for v in sample)
        sheet.column_dimensions[get_column_letter(index)].width = min(40, max(10, width + 2))
    return sheet


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(TIME_FORMAT)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))


def _customer_rows(site: Site, customers: list[Any], at: datetime, zone: ZoneInfo) -> list[list[Any]]:
    rows = []
    for c in customers:
        phone = ERASED if c.forgotten or not c.phone_masked else mask_phone(c.phone_masked)
        state = site.customers.get(c.id)
        if state is not None and state.merged_into is not None:
            owner, until, status = "", None, f"已合并至 #{state.merged_into}"
        elif state is not None:
            view = site.customer_view(c.id, at)
            owner = {"pool": "公海池", "none": ""}.get(view.owner, view.owner)
            until = view.protected_until
            status = "冻结(认筹/成交)" if view.frozen else ("公海" if view.owner == "pool" else
                                                            "保护中" if until else "未到访")
        else:
            owner, until, status = "", None, "未到访"
        channel = "自然来访" if c.channel == NATURAL else (c.channel or "")
        commission = "" if c.commission is None else ("无渠道佣金(自然成交)" if c.commission == NATURAL
                                                      else c.commission)
        rows.append([c.id, phone, owner, _local(until, zone), channel, c.agent or "", STAGES_ZH.get(c.stage or "", ""),
                     commission, _local(c.first_visit_at, zone), _local(c.last_visit_at, zone), c.visit_count,
                     status + ("（已删除个人信息）" if c.forgotten else "")])
    return rows


def export(out: str | None) -> int:
    with open_store() as store:
        at = store.now()
        zone = store.rules_at(at).timezone
        site = store.site()
        with read_session(store.engine) as session:
            customers = session.execute(sa.select(Customer).order_by(Customer.id)).scalars().all()
            reports = session.execute(sa.select(Report).order_by(Report.id)).scalars().all()
        phones = {c.id: ERASED if c.forgotten or not c.phone_masked else mask_phone(c.phone_masked)
                  for c in customers}
        # case reasons and warning notes are journalled as refs to notes (db/notes.py)
        texts = store.note_texts([c.reason or "" for c in site.cases.values()] + [w.note or "" for w in site.warnings.values()])
        workbook = Workbook()
        workbook.remove(workbook.active)
        _sheet(workbook, "客户", ["客户编号", "手机(掩码)", "归属顾问", "保护期至", "渠道", "经纪人", "阶段", "佣金归属",
                                 "首访时间", "最近到访", "到访次数", "状态"],
               _customer_rows(site, list(customers), at, zone))
        report_rows = []
        for r in reports:
            state = site.reports.get(r.id)
            status = site.report_status(state, at) if state is not None else r.status
            reason = state.reason if state is not None else r.reason
            phone = phones.get(r.customer_id, ERASED) if r.customer_id else mask_phone(r.phone_masked or "")
            report_rows.append([r.id, r.channel, r.agent, phone, _local(r.reported_at, zone), _local(r.expires_at, zone),
                                _label(status), _label(reason) if status == "invalid" else ""])
        _sheet(workbook, "报备", ["报备编号", "渠道", "经纪人", "客户手机(掩码)", "报备时间", "到访截止", "状态", "无效原因"],
               report_rows)
        case_rows = [[c.id, _label(c.kind), phones.get(c.customer, ERASED), c.claimant or "", c.recommended, c.rule,
                      _local(c.at, zone), "待裁决" if c.status == "open" else "已裁决", c.verdict or "",
                      c.decided_by or "", texts.get(c.reason or "", "")] for c in sorted(site.cases.values(), key=lambda c: c.id)]
        _sheet(workbook, "判客案件", ["案件编号", "类型", "客户手机(掩码)", "申请人", "建议裁决", "依据规则", "立案时间",
                                     "状态", "裁决", "裁决人", "裁决理由"], case_rows)
        warning_rows = [[w.id, _label(w.kind), phones.get(w.customer, ERASED) if w.customer is not None else "",
                         _local(w.at, zone), WARNING_STATUS_ZH.get(w.status, w.status), texts.get(w.note or "", ""), w.rule]
                        for w in sorted(site.warnings.values(), key=lambda w: w.id)]
        _sheet(workbook, "预警", ["预警编号", "类型", "客户手机(掩码)", "时间", "状态", "处理备注", "依据规则"],
               warning_rows)
    target = Path(out) if out else data_dir() / "exports" / f"anchang-{at.astimezone(zone):%Y%m%d-%H%M%S}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    print(f"已导出 / exported {len(customers)} 位客户 customers, {len(report_rows)} 条报备 reports, "
          f"{len(case_rows)} 个案件 cases, {len(warning_rows)} 条预警 warnings → {target}")
    print("  手机号已掩码 / phone numbers are masked")
    return EXIT_OK
