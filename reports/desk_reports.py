"""The figures and printed reports for a logged-in user (a service.desk.Desk), as the console asks for them:
the role is checked (service/roles.py) and a consultant is kept to their own figures and customers, whatever
the caller passes.

- `desk_figures(desk, period)`: every figure of the period (a consultant's: their own);
- `behind_count` / `behind_page`: the customers behind one number (reports/behind.py), through the
  scoped listing of service/queries/figure_customers.py;
- `set_target(desk, n)`: 本月来访目标, a manager's;
- `period_document`, `commission_statement`, `case_sheet`, then `export(desk, document, path, fmt)`:
  日报 / 周报 / 月报, 渠道佣金凭证, 判客裁决书 as PDF or Excel; a signed checkpoint printed on a report
  is kept beside the site's keys, where `anchang verify` checks it from then on (as `anchang report` does).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from reports.behind import CONSULTANT_MEASURES, Behind, customer_ids
from reports.checkpoint import keep, kept_in, site_folder
from reports.document import Document
from reports.documents import commission_document, daily_document, periodic_document, verdict_document
from reports.figures import Figures, figures
from reports.pdf import render_pdf
from reports.period import DAY, Period
from reports.target import set_visit_target
from reports.xlsx import render_xlsx
from service.desk import Desk
from service.queries import figure_customers
from service.queries.customers import CustomerRow
from service.roles import PermissionDenied

FORMATS = ("pdf", "xlsx")


def desk_figures(desk: Desk, period: Period) -> Figures:
    desk.require("dashboard.view")
    return figures(desk.store, period, desk.consultant)


def _ids_for(desk: Desk, period: Period, behind: Behind) -> figure_customers.IdQuery:
    desk.require("dashboard.view")
    mine = desk.consultant
    if mine is not None and behind.measure in CONSULTANT_MEASURES and behind.key != mine:
        raise PermissionDenied(f"只能查看本人数据 / {desk.user.name} sees only {mine}'s own figures")

    def ids(session: Session, now: datetime) -> object:
        return customer_ids(session, period, behind, now, mine)

    return ids


def behind_count(desk: Desk, period: Period, behind: Behind) -> figure_customers.BehindCount:
    return figure_customers.count_behind(desk, _ids_for(desk, period, behind))


def behind_page(desk: Desk, period: Period, behind: Behind, offset: int,
                limit: int) -> list[CustomerRow]:
    return figure_customers.customers_behind(desk, _ids_for(desk, period, behind), offset, limit)


def set_target(desk: Desk, target: int | None) -> int:
    """Sets (None: clears) the monthly visit target; the journal entry's seq."""
    desk.require("dashboard.target")
    return set_visit_target(desk.store, target, actor=desk.actor)


def checkpoint_folder(desk: Desk) -> Path:
    """Where signed checkpoints are kept: <data dir>/checkpoints, beside the site's keys."""
    return site_folder(desk.store)


def period_document(desk: Desk, period: Period) -> Document:
    """日报 for a day (with the day's signed checkpoint), 周报 / 月报 / a range's report with charts."""
    desk.require("dashboard.print")
    if period.kind == DAY:
        return daily_document(desk.store, period, desk.consultant, kept_in(checkpoint_folder(desk)))
    return periodic_document(desk.store, period, desk.consultant)


def commission_statement(desk: Desk, channel: str, period: Period) -> Document:
    desk.require("dashboard.commission")
    return commission_document(desk.store, channel, period, kept_in(checkpoint_folder(desk)))


def case_sheet(desk: Desk, case_id: int) -> Document:
    desk.require("cases.print")
    return verdict_document(desk, case_id)


def export(desk: Desk, document: Document, target: Path | io.BytesIO, fmt: str = "pdf") -> None:
    """Writes the document (PDF or Excel) and keeps its checkpoint, if it carries one."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    (render_xlsx if fmt == "xlsx" else render_pdf)(document, target)
    if document.checkpoint is not None:
        keep(document.checkpoint, checkpoint_folder(desk))
