"""`anchang import-reports`: channel reports (报备) from an Excel sheet, recorded through `Store.record_report`.

Columns are found by their header (Chinese or English). Every row is checked first; a bad row is named
with its row number and reason and skipped, the good ones are recorded. A report counts from when it
reached the system (its journal time), never from the time the sheet gives: a sheet dated back could
otherwise make a report look older than the visit it races (防截客). The sheet's time is kept beside the
report as the channel's stated time (`Store.note_stated_time`) and shown; one that differs from the
journal time by more than the tolerance (`[import] stated_time_tolerance_minutes` in anchang.toml,
default 30, or `--tolerance-minutes`) is flagged in the result.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import sqlalchemy as sa
from openpyxl.utils.exceptions import InvalidFileException

from db.admin.common import (
    EXIT_FAILED,
    EXIT_OK,
    AdminError,
    load_settings,
    local_text,
    open_store,
    parse_local_time,
    usage_error,
)
from db.config import config_file, section
from db.database import read_session
from db.models import Agent, Channel
from db.personal import InvalidPhone, is_masked_phone, mask_phone, normalize_phone, parse_masked_phone
from db.service import Store, UnknownName
from judge.reasons import LABELS_ZH, EngineError

HEADERS = {
    "channel": ("渠道", "渠道名称", "渠道公司", "channel"),
    "agent": ("经纪人", "经纪人姓名", "agent", "agentname"),
    "phone": ("客户电话", "客户手机", "电话", "手机", "手机号", "手机号码", "phone", "mobile", "customerphone"),
    "name": ("客户姓名", "姓名", "name", "customername"),
    "time": ("报备时间", "时间", "time", "reporttime", "reportedat"),
}
REQUIRED = ("channel", "agent", "phone")
HEADER_SEARCH_ROWS = 10
DEFAULT_TOLERANCE_MINUTES = 30
MAX_TOLERANCE_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number shown in Excel
    channel: str
    agent: str
    phone: str  # as written (full or 138****5678)
    masked: bool
    name: str | None
    at: datetime | None  # the channel's stated time, if the sheet gives one


@dataclass(frozen=True)
class Rejected:
    number: int
    reason: str


def _key(text: object) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", str(text)).lower() if ch.isalnum())


_FIELD_OF = {_key(alias): field for field, aliases in HEADERS.items() for alias in aliases}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into a number cell
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_sheet(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """The data rows as {field: cell value} with their Excel row numbers, and the sheet's name."""
    if not path.is_file():
        raise usage_error(f"文件不存在 / no such file: {path}")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise usage_error(f"不是 Excel 工作簿 / {path} is not an .xlsx workbook ({exc})") from None
    try:
        sheet = workbook.active if workbook.active is not None else workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        title = sheet.title
    finally:
        workbook.close()
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(cells):
            field = _FIELD_OF.get(_key(cell)) if cell is not None else None
            if field is not None and field not in columns:
                columns[field] = position
        if columns:
            missing = [f for f in REQUIRED if f not in columns]
            if missing:
                wanted = "; ".join(f"{f}: {' / '.join(HEADERS[f])}" for f in missing)
                raise usage_error(f"缺少必需的列 / missing column(s) in sheet {title!r}: {wanted}")
            data = []
            for number, values in enumerate(rows[index + 1:], start=index + 2):
                fields = {f: values[p] if p < len(values) else None for f, p in columns.items()}
                if any(_text(v) for v in fields.values()):
                    data.append((number, fields))
            return data, title
    raise usage_error(f"找不到表头 / no header row in sheet {title!r}: expected columns like "
                      "渠道, 经纪人, 客户电话 (channel, agent, phone)")


def check_rows(rows: list[tuple[int, dict[str, Any]]], agents: dict[str, str], channels: set[str],
               number_mode: str, zone: ZoneInfo, now: datetime) -> tuple[list[SheetRow], list[Rejected]]:
    good: list[SheetRow] = []
    rejected: list[Rejected] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, fields in rows:
        try:
            row = _check_row(number, fields, agents, channels, number_mode, zone, now)
        except ValueError as exc:
            rejected.append(Rejected(number, str(exc)))
            continue
        identity = (row.channel, row.agent, row.phone if row.masked else normalize_phone(row.phone))
        if identity in seen:
            rejected.append(Rejected(number, f"与第 {seen[identity]} 行重复 / duplicate of row {seen[identity]}"))
            continue
        seen[identity] = number
        good.append(row)
    return good, rejected


def _check_row(number: int, fields: dict[str, Any], agents: dict[str, str], channels: set[str],
               number_mode: str, zone: ZoneInfo, now: datetime) -> SheetRow:
    channel, agent, phone = (_text(fields.get(f)) for f in REQUIRED)
    for field, value in (("channel", channel), ("agent", agent), ("phone", phone)):
        if not value:
            raise ValueError(f"缺少{HEADERS[field][0]} / {field} is empty")
    if channel not in channels:
        raise ValueError(f"未知渠道 / unknown channel {channel!r}")
    if agents.get(agent) != channel:
        zh, en = (f"（{agent} 属于 {agents[agent]}）", f" ({agent!r} belongs to {agents[agent]!r})") \
            if agent in agents else ("", "")
        raise ValueError(f"渠道 {channel} 没有经纪人 {agent}{zh} / channel {channel!r} has no agent {agent!r}{en}")
    masked = is_masked_phone(phone)  # the same test the store makes
    if masked:
        parse_masked_phone(phone)  # InvalidPhone is a ValueError: the row is rejected with its message
        if number_mode != "masked_3_4":
            raise ValueError(f"隐号报备 {phone}，但本项目要求全号 / masked number {phone!r} while the project "
                             "takes full numbers (channel.number_mode = full)")
    else:
        try:
            normalize_phone(phone)
        except InvalidPhone as exc:
            raise ValueError(str(exc)) from None
    name = _text(fields.get("name")) or None
    at = _report_time(fields.get("time"), zone)
    if at is not None and at > now:
        raise ValueError(f"报备时间在未来 / report time {local_text(at, zone)} is in the future")
    return SheetRow(number, channel, agent, phone, masked, name, at)


def _report_time(value: Any, zone: ZoneInfo) -> datetime | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    try:
        return parse_local_time(_text(value), zone)
    except AdminError:
        raise ValueError(f"报备时间无法识别 / report time {_text(value)!r} is not a time "
                         "(use 2025-03-01 14:30)") from None


def _registry(store: Store) -> tuple[dict[str, str], set[str]]:
    with read_session(store.engine) as session:
        agents = {name: channel for name, channel in session.execute(sa.select(Agent.name, Agent.channel))}
        channels = set(session.scalars(sa.select(Channel.name)))
    return agents, channels


def tolerance(minutes: int | None) -> timedelta:
    """--tolerance-minutes, else [import] stated_time_tolerance_minutes, else 30 minutes."""
    where = "--tolerance-minutes"
    if minutes is None:
        where = f"[import] stated_time_tolerance_minutes in {config_file()}"
        minutes = section(load_settings(), "import").get("stated_time_tolerance_minutes",
                                                         DEFAULT_TOLERANCE_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_TOLERANCE_MINUTES:
        raise AdminError(f"配置错误 / {where} must be a whole number of minutes from 0 to "
                         f"{MAX_TOLERANCE_MINUTES}, not {minutes!r}")
    return timedelta(minutes=minutes)


def _gap_text(gap: timedelta) -> str:
    minutes = int(abs(gap).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def import_reports(file: str, *, dry_run: bool, tolerance_minutes: int | None = None) -> int:
    allowed = tolerance(tolerance_minutes)
    rows, title = read_sheet(Path(file))
    with open_store() as store:
        now = store.now()
        rules = store.rules_at(now)
        zone = rules.timezone
        agents, channels = _registry(store)
        good, rejected = check_rows(rows, agents, channels, rules.number_mode, zone, now)
        print(f"工作表 / sheet {title!r}: {len(rows)} 行数据 data rows, {len(good)} 行可导入 importable, "
              f"{len(rejected)} 行拒绝 rejected")
        ordered = sorted(good, key=lambda r: (r.at is None, r.at or now, r.number))  # in the channel's order
        if dry_run:
            for row in ordered:
                stated = f"，渠道申报 / stated {local_text(row.at, zone)}" if row.at else ""
                print(f"  第 {row.number} 行 / row {row.number}: {row.channel}/{row.agent} {_shown(row)}{stated}")
            _print_rejected(rejected)
            print("试运行，未记录任何报备；报备按导入时间计 / dry run: nothing was recorded; reports count from "
                  "the time they are imported")
            return EXIT_OK if not rejected else EXIT_FAILED
        statuses: Counter[str] = Counter()
        flagged = 0
        for row in ordered:
            try:
                result = store.record_report(row.channel, row.agent, row.phone, row.name, actor="import")
            except (UnknownName, EngineError, InvalidPhone) as exc:
                rejected.append(Rejected(row.number, str(exc)))
                continue
            note = ""
            if row.at is not None:
                store.note_stated_time(result.seq, row.at)
                gap = result.at - row.at
                note = f"；渠道申报时间 / stated {local_text(row.at, zone)}"
                if abs(gap) > allowed:
                    flagged += 1
                    note += (f"（与入系统时间相差 {_gap_text(gap)}，超过容差 / differs from the time it reached "
                             f"the system by {_gap_text(gap)}, over the {_gap_text(allowed)} tolerance）")
            status = result.outcome.report_status or "pending"
            reason = result.outcome.report_reason
            statuses[f"{status}:{reason}" if reason else status] += 1
            label = LABELS_ZH.get(status, status) + (f"（{LABELS_ZH.get(reason, reason)}）" if reason else "")
            print(f"  第 {row.number} 行 / row {row.number}: {row.channel}/{row.agent} {result.phone_masked} "
                  f"→ {label} {status}{f' ({reason})' if reason else ''} @ {local_text(result.at, zone)}{note}")
    _print_rejected(rejected)
    imported = sum(statuses.values())
    pending = statuses["pending"]
    invalid = {key.split(":", 1)[1]: n for key, n in statuses.items() if key.startswith("invalid")}
    details = "、".join(f"{LABELS_ZH.get(r, r)} {n}" for r, n in sorted(invalid.items()))
    print(f"导入 {imported} 条：待到访 {pending}，无效 {sum(invalid.values())}"
          f"{f'（{details}）' if details else ''}；拒绝 {len(rejected)} 行 / imported {imported}: {pending} pending, "
          f"{sum(invalid.values())} invalid; {len(rejected)} rows rejected")
    if flagged:
        print(f"注意：{flagged} 条报备的渠道申报时间与入系统时间相差超过 {_gap_text(allowed)}；报备按入系统时间计 / "
              f"note: {flagged} reports state a time more than {_gap_text(allowed)} away from when they reached "
              "the system; they count from when they reached it")
    return EXIT_OK if not rejected else EXIT_FAILED


def _shown(row: SheetRow) -> str:
    return mask_phone(row.phone)


def _print_rejected(rejected: list[Rejected]) -> None:
    for item in sorted(rejected, key=lambda r: r.number):
        print(f"  拒绝 第 {item.number} 行 / rejected row {item.number}: {item.reason}")
