"""Channel reports (报备) from an Excel sheet: reading, checking and recording, for `anchang import-reports`
(admin/importer.py) and the console's 报备 page alike: one validation, one write path.

Columns are found by their header (Chinese or English). Every row is checked first; a bad row is named
with its row number and reason and skipped, the good ones are recorded one by one in the channel's
order, each its own transaction, so a cancelled import keeps the rows recorded before it stopped.
A report counts from when it reached the system (its journal time), never from the time the sheet
gives; the sheet's time is kept beside it (`Store.note_stated_time`) and flagged beyond the tolerance.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import openpyxl
import sqlalchemy as sa
from openpyxl.utils.exceptions import InvalidFileException

from db import text_rules
from db.config import config_file, section, settings
from db.database import read_session
from db.models import Agent, Channel
from db.personal import (
    InvalidPhone,
    is_masked_phone,
    mask_phone,
    normalize_phone,
    parse_masked_phone,
    surname_of,
)
from judge.reasons import EngineError
from operations.common import AdminError, local_text, parse_local_time, usage_error
from operations.sheet_limits import bounded_rows, check_archive
from reports.sheet_text import as_written
from service.store import InvalidName, Store, UnknownName

if TYPE_CHECKING:
    from service.desk import Desk

HEADERS = {
    "channel": ("渠道", "渠道名称", "渠道公司", "channel"),
    "agent": ("经纪人", "经纪人姓名", "agent", "agentname"),
    "phone": ("客户电话", "客户手机", "电话", "手机", "手机号", "手机号码", "phone", "mobile", "customerphone"),
    "name": ("客户姓名", "姓名", "name", "customername"),
    "time": ("报备时间", "时间", "time", "reporttime", "reportedat"),
}
REQUIRED = ("channel", "agent", "phone")
HEADER_SEARCH_ROWS = 10
NAME_MAX = 20  # a customer's name as a channel writes it (张女士, 欧阳娜娜); longer is not a name
Progress = Callable[[int, int], None]  # (done, total); raising from it stops the import between two rows


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


@dataclass(frozen=True)
class PreviewRow:
    """One data row as the preview shows it: masked, the name reduced to its surname; `problem` None: good."""

    number: int
    channel: str
    agent: str
    phone_shown: str
    name_shown: str
    stated_at: datetime | None
    problem: str | None


@dataclass(frozen=True)
class SheetCheck:
    title: str
    rows: list[tuple[int, dict[str, Any]]]  # every data row as read
    good: list[SheetRow]
    rejected: list[Rejected]
    now: datetime
    zone: ZoneInfo

    def ordered(self) -> list[SheetRow]:
        """The good rows in the channel's order (by stated time, then row), as they are recorded."""
        return sorted(self.good, key=lambda r: (r.at is None, r.at or self.now, r.number))

    def preview(self) -> list[PreviewRow]:
        problems = {r.number: r.reason for r in self.rejected}
        stated = {r.number: r.at for r in self.good}
        shown = []
        for number, fields in self.rows:
            phone = cell_text(fields.get("phone"))
            shown.append(PreviewRow(number, cell_text(fields.get("channel")), cell_text(fields.get("agent")),
                                    mask_phone(phone) if phone else "", name_shown(cell_text(fields.get("name"))),
                                    stated.get(number), problems.get(number)))
        return shown


@dataclass(frozen=True)
class Recorded:
    """A row that became a report: what the engine made of it, and its stated time if the sheet gave one."""

    number: int
    channel: str
    agent: str
    phone_masked: str
    seq: int
    at: datetime
    status: str
    reason: str | None
    stated_at: datetime | None
    gap: timedelta | None  # journal time minus stated time, when beyond the tolerance


def name_shown(name: str) -> str:
    """张* for 张三, 张女士 as written: a preview shows no more of a name than the lists do."""
    if not name:
        return ""
    surname = surname_of(name)
    rest = name[len(surname):].strip()
    return name if rest in ("", "女士", "先生", "小姐") else surname + "*" * min(len(rest), 2)


def _key(text: object) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", str(text)).lower() if ch.isalnum())


_FIELD_OF = {_key(alias): field for field, aliases in HEADERS.items() for alias in aliases}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into a number cell
    # a name the template listed as inert text ('=…) is the registry's name as written
    return as_written(unicodedata.normalize("NFKC", str(value)).strip())


def read_sheet(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """The data rows as {field: cell value} with their Excel row numbers, and the sheet's name. The file is
    judged before it is opened and the rows streamed within bounds (operations/sheet_limits.py): only the
    fields are kept, so memory follows the rows read, not the sheet's claims."""
    if not path.is_file():
        raise usage_error(f"文件不存在 / no such file: {path}")
    check_archive(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise usage_error(f"不是 Excel 工作簿 / {path} is not an .xlsx workbook ({exc})") from None
    try:
        sheet = workbook.active if workbook.active is not None else workbook.worksheets[0]
        return _data_rows(bounded_rows(sheet), sheet.title), sheet.title
    finally:
        workbook.close()


def _data_rows(rows: Iterator[tuple[int, tuple[Any, ...]]], title: str) -> list[tuple[int, dict[str, Any]]]:
    """The rows under the header (found in the first rows), as {field: value}; blank rows left out."""
    columns: dict[str, int] = {}
    data = []
    for number, values in rows:
        if not columns:
            if number > HEADER_SEARCH_ROWS:
                break
            columns = _header(values, title)
            continue
        fields = {f: values[p] if p < len(values) else None for f, p in columns.items()}
        if any(cell_text(v) for v in fields.values()):
            data.append((number, fields))
    if not columns:
        raise usage_error(f"找不到表头 / no header row in sheet {title!r}: expected columns like "
                          "渠道, 经纪人, 客户电话 (channel, agent, phone)")
    return data


def _header(values: tuple[Any, ...], title: str) -> dict[str, int]:
    """{field: position} when `values` is the header row (a usage error if it lacks a required column)."""
    columns: dict[str, int] = {}
    for position, cell in enumerate(values):
        field = _FIELD_OF.get(_key(cell)) if cell is not None else None
        if field is not None and field not in columns:
            columns[field] = position
    missing = [f for f in REQUIRED if f not in columns]
    if columns and missing:
        wanted = "; ".join(f"{f}: {' / '.join(HEADERS[f])}" for f in missing)
        raise usage_error(f"缺少必需的列 / missing column(s) in sheet {title!r}: {wanted}")
    return columns


# ---------------------------------------------------------------- checks (a sheet's rows and the entry form)
def check_agent(channel: str, agent: str, agents: dict[str, str], channels: set[str]) -> None:
    """ValueError unless `agent` is a registered agent of the registered `channel`."""
    if channel not in channels:
        raise ValueError(f"未知渠道 / unknown channel {channel!r}")
    if agents.get(agent) != channel:
        zh, en = (f"（{agent} 属于 {agents[agent]}）", f" ({agent!r} belongs to {agents[agent]!r})") \
            if agent in agents else ("", "")
        raise ValueError(f"渠道 {channel} 没有经纪人 {agent}{zh} / channel {channel!r} has no agent {agent!r}{en}")


def check_phone(phone: str, number_mode: str) -> bool:
    """Whether `phone` is a masked report (138****5678); ValueError (InvalidPhone) when the number, or a
    masked one under `channel.number_mode = full`, cannot be taken."""
    masked = is_masked_phone(phone)  # the same test the store makes
    if masked:
        parse_masked_phone(phone)  # InvalidPhone is a ValueError
        if number_mode != "masked_3_4":
            raise ValueError(f"隐号报备 {phone}，但本项目要求全号 / masked number {phone!r} while the project "
                             "takes full numbers (channel.number_mode = full)")
    else:
        normalize_phone(phone)
    return masked


def check_name(name: str) -> str | None:
    """The customer's name as given (optional: a surname is enough); ValueError for what is not a name."""
    name = name.strip()
    if not name:
        return None
    if (char := text_rules.first_hidden(name)) is not None:  # before quoting the name back
        raise ValueError(text_rules.hidden_message(char, "客户姓名", "customer's name"))
    if len(name) > NAME_MAX or any(ch.isdigit() for ch in name):
        raise ValueError(f"客户姓名无效 / {name[:NAME_MAX]!r} is not a name (no digits, at most {NAME_MAX} characters)")
    return name


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
    channel, agent, phone = (cell_text(fields.get(f)) for f in REQUIRED)
    for field, value in (("channel", channel), ("agent", agent), ("phone", phone)):
        if not value:
            raise ValueError(f"缺少{HEADERS[field][0]} / {field} is empty")
    check_agent(channel, agent, agents, channels)
    masked = check_phone(phone, number_mode)
    name = check_name(cell_text(fields.get("name")))
    at = _report_time(fields.get("time"), zone)
    if at is not None and at > now:
        raise ValueError(f"报备时间在未来 / report time {local_text(at, zone)} is in the future")
    return SheetRow(number, channel, agent, phone, masked, name, at)


def _report_time(value: Any, zone: ZoneInfo) -> datetime | None:
    if value is None or cell_text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    try:
        return parse_local_time(cell_text(value), zone)
    except AdminError:
        raise ValueError(f"报备时间无法识别 / report time {cell_text(value)!r} is not a time "
                         "(use 2025-03-01 14:30)") from None


def registry(store: Store) -> tuple[dict[str, str], set[str]]:
    """(agent -> channel, channels): who may report."""
    with read_session(store.engine) as session:
        agents = {name: channel for name, channel in session.execute(sa.select(Agent.name, Agent.channel))}
        channels = set(session.scalars(sa.select(Channel.name)))
    return agents, channels


def check_sheet(store: Store, path: Path) -> SheetCheck:
    """Reads `path` and checks every row against the registry and the rules in force now."""
    return check_read(store, *read_sheet(path))


def check_read(store: Store, rows: list[tuple[int, dict[str, Any]]], title: str) -> SheetCheck:
    """`read_sheet`'s rows checked against the registry and the rules in force now."""
    now = store.now()
    rules = store.rules_at(now)
    agents, channels = registry(store)
    good, rejected = check_rows(rows, agents, channels, rules.number_mode, rules.timezone, now)
    return SheetCheck(title, rows, good, rejected, now, rules.timezone)


# ---------------------------------------------------------------- the write path
def record_rows(store: Store, rows: list[SheetRow], *, actor: str, allowed: timedelta,
                progress: Progress | None = None, recorded: list[Recorded] | None = None,
                refused: list[Rejected] | None = None) -> tuple[list[Recorded], list[Rejected]]:
    """Records `rows` in order, each in its own transaction. `progress(done, total)` is called before each
    row; whatever it raises stops the import there and what was recorded stays (and is in `recorded`,
    when the caller passed its own lists). A row the store refuses is added to `refused`."""
    recorded = [] if recorded is None else recorded
    refused = [] if refused is None else refused
    for done, row in enumerate(rows):
        if progress is not None:
            progress(done, len(rows))
        try:
            result = store.record_report(row.channel, row.agent, row.phone, row.name, actor=actor)
        except (UnknownName, InvalidName, EngineError, InvalidPhone) as exc:
            refused.append(Rejected(row.number, str(exc)))
            continue
        gap = None
        if row.at is not None:
            store.note_stated_time(result.seq, row.at, actor=actor)
            if abs(result.at - row.at) > allowed:
                gap = result.at - row.at
        recorded.append(Recorded(row.number, row.channel, row.agent, result.phone_masked or mask_phone(row.phone),
                                 result.seq, result.at, result.outcome.report_status or "pending",
                                 result.outcome.report_reason, row.at, gap))
    if progress is not None:
        progress(len(rows), len(rows))
    return recorded, refused


def import_rows(desk: Desk, rows: list[SheetRow], allowed: timedelta, progress: Progress | None = None,
                recorded: list[Recorded] | None = None,
                refused: list[Rejected] | None = None) -> tuple[list[Recorded], list[Rejected]]:
    """The console's import: checked rows (`SheetCheck.ordered()`, or what a cancel left of them), as the
    logged-in user, who needs reports.enter."""
    desk.require("reports.enter")
    return record_rows(desk.store, rows, actor=desk.actor, allowed=allowed, progress=progress,
                       recorded=recorded, refused=refused)


# ---------------------------------------------------------------- the stated time's tolerance
DEFAULT_TOLERANCE_MINUTES = 30
MAX_TOLERANCE_MINUTES = 7 * 24 * 60


def tolerance(minutes: int | None) -> timedelta:
    """--tolerance-minutes, else [import] stated_time_tolerance_minutes, else 30 minutes."""
    where = "--tolerance-minutes"
    if minutes is None:
        where = f"[import] stated_time_tolerance_minutes in {config_file()}"
        minutes = section(settings(), "import").get("stated_time_tolerance_minutes",
                                                         DEFAULT_TOLERANCE_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_TOLERANCE_MINUTES:
        raise AdminError(f"配置错误 / {where} must be a whole number of minutes from 0 to "
                         f"{MAX_TOLERANCE_MINUTES}, not {minutes!r}")
    return timedelta(minutes=minutes)


def gap_text(gap: timedelta) -> str:
    minutes = int(abs(gap).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
