"""Today's board (今日看板): visits, consultants, rotation, pool, open cases and warnings, reports.

Visits come from the visits projection (who received each one); the rest from the engine: the station's
live one for now, or the journal replayed up to an earlier moment (`--at`).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import TextIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db import journal
from db.database import read_session
from db.models import Customer, JournalEntry, VisitRecord
from db.personal import mask_phone
from db.text_rules import visible
from judge import facts as f
from judge.engine import Site
from judge.reasons import LABELS_ZH
from judge.state import CaseState, WarningState
from operations.common import EXIT_OK, local_text, open_store, parse_local_time
from service.queries.customers import ERASED

WEEKDAYS = "一二三四五六日"
REPORT_ORDER = ("pending", "used", "expired", "invalid")


@dataclass(frozen=True)
class VisitLine:
    at: datetime
    phone: str
    consultant: str | None
    channel: str | None
    agent: str | None
    first: bool
    verified: bool


@dataclass
class Board:
    at: datetime
    zone: ZoneInfo
    visits: list[VisitLine] = field(default_factory=list)
    on_duty: list[str] = field(default_factory=list)
    busy: set[str] = field(default_factory=set)
    owned: Counter[str] = field(default_factory=Counter)
    pool_size: int = 0
    cases: list[tuple[CaseState, str]] = field(default_factory=list)
    warnings: list[tuple[WarningState, str]] = field(default_factory=list)
    reports: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    reports_by_channel: Counter[str] = field(default_factory=Counter)
    journal_message: str = ""
    journal_ok: bool = True


def _phones(engine: Engine) -> dict[int, str]:
    """Masked phone of every customer; erased customers show as erased."""
    with read_session(engine) as session:
        rows = session.execute(sa.select(Customer.id, Customer.phone_masked, Customer.forgotten)).all()
    return {cid: ERASED if forgotten or not masked else mask_phone(masked) for cid, masked, forgotten in rows}


def replay_until(engine: Engine, at: datetime) -> Site:
    """The engine as it stood at `at`: the journal replayed up to that moment."""
    site = Site()
    with read_session(engine) as session:
        query = (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.payload)
                 .where(JournalEntry.at <= at).order_by(JournalEntry.seq))
        for seq, moment, kind, payload in session.execute(query).yield_per(5000):
            fact = f.from_payload(kind, seq, moment, json.loads(payload))
            if fact is not None:
                site.apply(fact)
    return site


def build_board(engine: Engine, at: datetime, zone: ZoneInfo, site: Site | None = None) -> Board:
    """The board at `at`; `site` is the engine at that moment when the caller has it (the live one)."""
    if site is None:
        site = replay_until(engine, at)
    phones = _phones(engine)
    day_start = datetime.combine(at.astimezone(zone).date(), time(0), zone).astimezone(UTC)
    with read_session(engine) as session:
        visits = session.scalars(sa.select(VisitRecord).where(VisitRecord.at >= day_start, VisitRecord.at <= at)
                                 .order_by(VisitRecord.id)).all()
        lines = []
        for visit in visits:
            customer = site.customer(visit.customer_id)
            lines.append(VisitLine(visit.at, phones.get(visit.registered_as, ERASED), visit.consultant,
                                   customer.channel, customer.agent, visit.first_visit, visit.verified))
        checked = journal.verify(session)
    board = Board(at=at, zone=zone, visits=lines, on_duty=list(site.rotation), busy=set(site.busy),
                  journal_message=checked.message, journal_ok=checked.ok)
    for cid, state in site.customers.items():
        if state.merged_into is not None:
            continue
        owner = site.customer_view(cid, at).owner
        if owner == "pool":
            board.pool_size += 1
        elif owner != "none":
            board.owned[owner] += 1
    board.cases = [(c, phones.get(c.customer, ERASED)) for c in site.cases.values() if c.status == "open"]
    board.warnings = [(w, phones.get(w.customer, ERASED) if w.customer is not None else "—")
                      for w in site.warnings.values() if w.status == "open"]
    for report in site.reports.values():
        status = site.report_status(report, at)
        board.reports[(status, report.reason if status == "invalid" else None)] += 1
        board.reports_by_channel[report.channel] += 1
    return board


# ------------------------------------------------------------------- printing
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _row(cells: list[str], widths: list[int]) -> str:
    # a name stored unchecked by an older version: escaped before padding, so its column still lines up
    return "  " + "  ".join(_pad(visible(c), w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _label(code: str | None) -> str:
    return LABELS_ZH.get(code or "", code or "")


def _channel_label(line: VisitLine) -> str:
    if line.channel in (None, f.NATURAL):
        return "自然来访"
    return f"{line.channel}/{line.agent}" if line.agent else line.channel


def print_board(board: Board, out: TextIO | None = None) -> None:
    out = out or sys.stdout  # looked up at call time: callers may have redirected it
    zone, at = board.zone, board.at
    local = at.astimezone(zone)
    firsts = sum(1 for v in board.visits if v.first)

    def say(text: str = "") -> None:
        print(visible(text), file=out)  # whatever `out` is: no ESC from a stored name reaches a terminal

    say(f"案场通 · 今日看板 / today's board — {local:%Y-%m-%d}（周{WEEKDAYS[local.weekday()]}）"
        f"截至 / as of {local:%H:%M} ({zone.key})")
    say()
    say(f"今日来访 / today's visits: {len(board.visits)}（首访 first {firsts} · 复访 return "
        f"{len(board.visits) - firsts}）")
    widths = [5, 12, 6, 14, 6]
    say(_row(["时间", "手机", "顾问", "渠道", "首/复访"], widths))
    for v in board.visits:
        kind = ("首访" if v.first else "复访") + ("" if v.verified else "(未核验)")
        say(_row([local_text(v.at, zone, "%H:%M"), v.phone, v.consultant or "—", _channel_label(v), kind],
                 widths))
    say()
    say("顾问 / consultants")
    received = Counter(v.consultant for v in board.visits)
    first_by = Counter(v.consultant for v in board.visits if v.first)
    others = (set(board.owned) | {c for c in received if c}) - set(board.on_duty)
    names = list(board.on_duty) + sorted(others)
    widths = [6, 8, 5, 5, 10, 6]
    say(_row(["顾问", "今日接待", "首访", "复访", "名下保护客户", "状态"], widths))
    for name in names:
        status = ("忙碌" if name in board.busy else "值班") if name in board.on_duty else "休息"
        say(_row([name, str(received[name]), str(first_by[name]), str(received[name] - first_by[name]),
                  str(board.owned[name]), status], widths))
    queue = " → ".join(n + ("(忙)" if n in board.busy else "") for n in board.on_duty) or "（无人值班）"
    say(f"接待轮序 / rotation queue: {queue}")
    say(f"公海池 / public pool: {board.pool_size} 位客户 customers")
    say()
    say(f"待裁决案件 / open judgment cases: {len(board.cases)}")
    for case, phone in sorted(board.cases, key=lambda item: item[0].id):
        say(f"  #{case.id} {_label(case.kind)}  {phone}  申请人 claimant {case.claimant or '—'}  "
            f"建议裁决 recommended → {case.recommended}（规则 rule {case.rule}；{local_text(case.at, zone)}）")
    say(f"未处理预警 / open warnings: {len(board.warnings)}")
    for warning, phone in sorted(board.warnings, key=lambda item: item[0].id):
        say(f"  #{warning.id} {_label(warning.kind)}  {phone}  {local_text(warning.at, zone)}")
    say()
    totals = Counter[str]()
    reasons = Counter[str]()
    for (status, reason), count in board.reports.items():
        totals[status] += count
        if reason:
            reasons[reason] += count
    parts = [f"{_label(s)} {totals[s]}" for s in REPORT_ORDER if totals[s]]
    say("报备状态 / reports by status: " + (" · ".join(parts) if parts else "（无）"))
    if reasons:
        say("  无效原因 / invalid: " + "、".join(f"{_label(r)} {n}" for r, n in reasons.most_common()))
    if board.reports_by_channel:
        say("  按渠道 / by channel: " + " · ".join(f"{c} {n}" for c, n in board.reports_by_channel.most_common()))
    say(f"日志 / journal: {board.journal_message}")


def show_board(at_text: str | None) -> int:
    with open_store() as store:
        now = store.now()
        zone = store.rules_at(now).timezone
        at = parse_local_time(at_text, zone) if at_text else now
        board = build_board(store.engine, at, zone, None if at_text else store.site())
    print_board(board)
    return EXIT_OK
