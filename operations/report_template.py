"""The Excel template a channel fills in for a report import (报备导入模板): the columns the importer
reads (operations/report_sheet.py), a drop-down of the registered channels, the phone column kept as text
(Excel would otherwise turn 13812345678 into 1.38E+10), and a sheet that says how to fill it in. The
registry's names are written as inert text (reports/sheet_text.py); the importer reads them back as named."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from operations.report_sheet import HEADERS, registry
from reports.sheet_text import append, put
from service.store import Store

TEMPLATE_ROWS = 1000  # rows prepared with formats and the drop-down
COLUMNS = ("channel", "agent", "phone", "name", "time")
WIDTHS = {"channel": 16, "agent": 14, "phone": 18, "name": 12, "time": 20}


def template_headers() -> list[str]:
    return [HEADERS[field][0] for field in COLUMNS]


def write_template(store: Store, target: Path) -> Path:
    """Saves the template for this site to `target` (its channels and agents, its number rule)."""
    agents, channels = registry(store)
    masked_ok = store.rules_at().number_mode == "masked_3_4"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "报备"
    sheet.append(template_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, field in enumerate(COLUMNS):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = WIDTHS[field]
        if field in ("phone", "agent", "channel", "name"):
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet[f"{letter}{row}"].number_format = "@"
        elif field == "time":
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet[f"{letter}{row}"].number_format = "yyyy-mm-dd hh:mm"

    lists = book.create_sheet("渠道与经纪人")
    lists.append(["渠道", "经纪人"])
    for cell in lists[1]:
        cell.font = Font(bold=True)
    for agent, channel in sorted(agents.items(), key=lambda item: (item[1], item[0])):
        append(lists, [channel, agent])
    for row, channel in enumerate(sorted(channels), start=2):
        put(lists[f"D{row}"], channel)
    lists["D1"] = "渠道列表"
    lists.column_dimensions["A"].width = lists.column_dimensions["B"].width = 16
    if channels:
        choice = DataValidation(type="list", formula1=f"='渠道与经纪人'!$D$2:$D${len(channels) + 1}",
                                allow_blank=True, showErrorMessage=True, errorTitle="渠道",
                                error="请从列表中选择已登记的渠道")
        sheet.add_data_validation(choice)
        choice.add(f"A2:A{TEMPLATE_ROWS + 1}")

    guide = book.create_sheet("填写说明")
    number_rule = ("客户电话：完整手机号（13812345678），或前三后四隐号（138****5678）" if masked_ok
                   else "客户电话：完整的中国大陆手机号（13812345678）；本项目不接受隐号报备")
    for line in ("在“报备”工作表中每行填写一条报备，第一行为表头，请勿修改。",
                 "渠道、经纪人：须为已登记的渠道及其经纪人（见“渠道与经纪人”工作表）。",
                 number_rule,
                 "客户姓名：可选，填写姓氏即可（如 张女士）。",
                 "报备时间：可选，渠道申报的时间（2025-03-01 14:30）；报备一律按导入系统的时间计算。",
                 "导入前会逐行检查，有问题的行会列出行号和原因，不会导入；其余各行正常导入。"):
        guide.append([line])
    guide.column_dimensions["A"].width = 90
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target
