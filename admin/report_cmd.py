"""`anchang report daily|weekly|monthly|channel|case ... --out FILE [--format pdf|xlsx]`: the printed
reports of reports/ from the configured database.

A daily report and a commission statement carry a signed checkpoint of the journal; it is also kept in
<data dir>/checkpoints, where `anchang verify` checks it from then on.

(The admin CLI is to move out of db/ into its own package; this module goes with it. Until then it is
the one place db/ reaches up into reports/, allowed by name in the import contracts.)
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from db.config import data_dir
from db.models import Channel, Consultant
from operations.common import AdminError, open_store, usage_error
from service.desk import Desk
from service.store import Store
from service.users import User

FORMATS = ("pdf", "xlsx")
KINDS = ("daily", "weekly", "monthly", "channel", "case")


def add_parser(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="报表 / printed reports (PDF or Excel)")
    kinds = report.add_subparsers(dest="kind", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--out", metavar="FILE", required=True, help="the file to write (.pdf or .xlsx)")
        parser.add_argument("--format", choices=FORMATS, help="pdf or xlsx (default: from --out, else pdf)")

    for kind, help_text in (("daily", "日报 / a day's report with the signed journal checkpoint"),
                            ("weekly", "周报 / a week's report (Monday to Sunday) with charts")):
        parser = kinds.add_parser(kind, help=help_text)
        parser.add_argument("--date", help="a day (of the week), e.g. 2026-03-01 (default: today)")
        parser.add_argument("--consultant", metavar="NAME", help="that consultant's own figures only")
        common(parser)
    monthly = kinds.add_parser("monthly", help="月报 / a month's report with charts")
    monthly.add_argument("--month", help="e.g. 2026-03 (default: this month)")
    monthly.add_argument("--consultant", metavar="NAME", help="that consultant's own figures only")
    common(monthly)
    channel = kinds.add_parser("channel", help="渠道佣金凭证 / a channel's commission statement")
    channel.add_argument("channel", metavar="CHANNEL")
    channel.add_argument("--month", help="e.g. 2026-03 (default: this month)")
    channel.add_argument("--from", dest="first", metavar="DATE", help="first day of a range (with --to)")
    channel.add_argument("--to", dest="last", metavar="DATE", help="last day of a range")
    common(channel)
    case = kinds.add_parser("case", help="判客裁决书 / one judgment case's decision sheet")
    case.add_argument("case_id", metavar="CASE", type=int)
    common(case)


def _day(text: str | None, today: date) -> date:
    if text is None:
        return today
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise usage_error(f"日期格式无效 / not a date: {text!r} (use 2026-03-01)") from None


def _month(text: str | None, today: date) -> date:
    if text is None:
        return today.replace(day=1)
    if not re.fullmatch(r"\d{4}-\d{1,2}", text.strip()):
        raise usage_error(f"月份格式无效 / not a month: {text!r} (use 2026-03)")
    year, month = (int(part) for part in text.strip().split("-"))
    if not 1 <= month <= 12 or not 1970 <= year <= 2999:
        raise usage_error(f"月份超出范围 / no such month: {text!r}")
    return date(year, month, 1)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    return "xlsx" if Path(args.out).suffix.lower() == ".xlsx" else "pdf"


def _known(store: Store, model: type[Channel] | type[Consultant], name: str | None, zh: str, en: str) -> None:
    from db.database import read_session

    if name is None:
        return
    with read_session(store.engine) as session:
        if session.get(model, name) is None:
            raise usage_error(f"未知{zh} / unknown {en}: {name!r}")


def run(args: argparse.Namespace) -> int:
    from reports import period as periods
    from reports.checkpoint import ChainBroken, keep, kept_in
    from reports.documents import commission_document, daily_document, periodic_document, verdict_document
    from reports.pdf import render_pdf
    from reports.xlsx import render_xlsx

    folder = data_dir() / "checkpoints"
    with open_store() as store:
        now = store.now()
        zone: ZoneInfo = store.rules_at(now).timezone
        today = now.astimezone(zone).date()
        consultant = getattr(args, "consultant", None)
        _known(store, Consultant, consultant, "置业顾问", "consultant")
        try:
            if args.kind == "daily":
                document = daily_document(store, periods.day_of(_day(args.date, today), zone), consultant,
                                          kept_in(folder))
            elif args.kind == "weekly":
                document = periodic_document(store, periods.week_of(_day(args.date, today), zone), consultant)
            elif args.kind == "monthly":
                document = periodic_document(store, periods.month_of(_month(args.month, today), zone), consultant)
            elif args.kind == "channel":
                _known(store, Channel, args.channel, "渠道", "channel")
                if (args.first is None) != (args.last is None) or (args.first and args.month):
                    raise usage_error("请给出 --month，或同时给出 --from 与 --to / give --month, or both --from and --to")
                first, last = _day(args.first, today), _day(args.last, today)
                if last < first:
                    raise usage_error(f"--to {last} 早于 --from {first} / the range ends before it starts")
                period = (periods.between(first, last, zone) if args.first
                          else periods.month_of(_month(args.month, today), zone))
                document = commission_document(store, args.channel, period, kept_in(folder))
            else:
                desk = Desk(store, User("anchang report", "admin", None, True))
                document = verdict_document(desk, args.case_id)
        except ChainBroken as exc:
            raise AdminError(str(exc)) from None
        except LookupError as exc:  # no such case
            raise usage_error(str(exc.args[0]) if exc.args else str(exc)) from None
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    (render_xlsx if _format(args) == "xlsx" else render_pdf)(document, target)
    print(f"已生成 / written: {target}（{document.title} · {document.subtitle}）")
    if document.checkpoint is not None:
        kept = keep(document.checkpoint, folder)
        print(f"  日志检查点 / journal checkpoint: #{document.checkpoint.seq} {document.checkpoint.hash}")
        print(f"  已保存 / kept as {kept}（anchang verify 会一并核验 / anchang verify checks it from now on）")
    return 0
