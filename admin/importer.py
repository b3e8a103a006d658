"""`anchang import-reports`: channel reports (报备) from an Excel sheet, recorded through `Store.record_report`.

The sheet is read, checked and recorded by operations/report_sheet.py, which the console's 报备 page uses
too; this module prints what happened. A bad row is named with its row number and reason and skipped,
the good ones are recorded. A report counts from when it reached the system (its journal time), never
from the time the sheet gives: a sheet dated back could otherwise make a report look older than the
visit it races (防截客). The sheet's time is kept beside the report as the channel's stated time and
shown; one that differs from the journal time by more than the tolerance (`[import]
stated_time_tolerance_minutes` in anchang.toml, default 30, or `--tolerance-minutes`) is flagged.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from db.personal import mask_phone
from judge.reasons import LABELS_ZH
from operations.common import EXIT_FAILED, EXIT_OK, local_text, open_store
from operations.report_sheet import (
    Recorded,
    Rejected,
    check_read,
    gap_text,
    read_sheet,
    record_rows,
    tolerance,
)

IMPORT_ACTOR = "import"


def import_reports(file: str, *, dry_run: bool, tolerance_minutes: int | None = None) -> int:
    allowed = tolerance(tolerance_minutes)
    read = read_sheet(Path(file))  # before the store is opened: a refused sheet leaves the database untouched
    with open_store() as store:
        check = check_read(store, *read)
        zone, rejected = check.zone, list(check.rejected)
        print(f"工作表 / sheet {check.title!r}: {len(check.rows)} 行数据 data rows, {len(check.good)} 行可导入 "
              f"importable, {len(rejected)} 行拒绝 rejected")
        if dry_run:
            for row in check.ordered():
                stated = f"，渠道申报 / stated {local_text(row.at, zone)}" if row.at else ""
                print(f"  第 {row.number} 行 / row {row.number}: {row.channel}/{row.agent} {mask_phone(row.phone)}"
                      f"{stated}")
            _print_rejected(rejected)
            print("试运行，未记录任何报备；报备按导入时间计 / dry run: nothing was recorded; reports count from "
                  "the time they are imported")
            return EXIT_OK if not rejected else EXIT_FAILED
        recorded, refused = record_rows(store, check.ordered(), actor=IMPORT_ACTOR, allowed=allowed,
                                        refused=rejected)
    for item in recorded:
        print(_recorded_line(item, zone, allowed))
    _print_rejected(refused)
    statuses = Counter(f"{r.status}:{r.reason}" if r.reason else r.status for r in recorded)
    pending = statuses["pending"]
    invalid = {key.split(":", 1)[1]: n for key, n in statuses.items() if key.startswith("invalid")}
    details = "、".join(f"{LABELS_ZH.get(r, r)} {n}" for r, n in sorted(invalid.items()))
    print(f"导入 {len(recorded)} 条：待到访 {pending}，无效 {sum(invalid.values())}"
          f"{f'（{details}）' if details else ''}；拒绝 {len(refused)} 行 / imported {len(recorded)}: {pending} "
          f"pending, {sum(invalid.values())} invalid; {len(refused)} rows rejected")
    flagged = sum(1 for r in recorded if r.gap is not None)
    if flagged:
        print(f"注意：{flagged} 条报备的渠道申报时间与入系统时间相差超过 {gap_text(allowed)}；报备按入系统时间计 / "
              f"note: {flagged} reports state a time more than {gap_text(allowed)} away from when they reached "
              "the system; they count from when they reached it")
    return EXIT_OK if not refused else EXIT_FAILED


def _recorded_line(item: Recorded, zone: ZoneInfo, allowed: timedelta) -> str:
    note = ""
    if item.stated_at is not None:
        note = f"；渠道申报时间 / stated {local_text(item.stated_at, zone)}"
        if item.gap is not None:
            note += (f"（与入系统时间相差 {gap_text(item.gap)}，超过容差 / differs from the time it reached "
                     f"the system by {gap_text(item.gap)}, over the {gap_text(allowed)} tolerance）")
    reason = item.reason
    label = LABELS_ZH.get(item.status, item.status) + (f"（{LABELS_ZH.get(reason, reason)}）" if reason else "")
    return (f"  第 {item.number} 行 / row {item.number}: {item.channel}/{item.agent} {item.phone_masked} "
            f"→ {label} {item.status}{f' ({reason})' if reason else ''} @ {local_text(item.at, zone)}{note}")


def _print_rejected(rejected: list[Rejected]) -> None:
    for item in sorted(rejected, key=lambda r: r.number):
        print(f"  拒绝 第 {item.number} 行 / rejected row {item.number}: {item.reason}")
