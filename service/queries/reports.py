"""Reads of the 报备 page: channel reports with their status as of now, filtered and paged.

A pending report whose visit deadline has passed is expired although its projection row still says
pending (nothing was written since): the status is computed in SQL against the time now, as the engine
computes it (judge.channel.ChannelRules.report_status). Phones are masked; a name shows only as its
surname display.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import Customer, JournalEntry, Report
from db.personal import mask_phone
from judge.reasons import REPORT_STATUSES
from service.queries.customers import ERASED
from service.reception import surname_display
from service.store import Store

STATED_TIME = "report_stated_time"  # journal kind of a channel's stated time (Store.note_stated_time)


@dataclass(frozen=True)
class ReportFilter:
    status: str | None = None  # pending | used | expired | invalid
    reason: str | None = None  # an invalid report's reason
    channel: str | None = None
    agent: str | None = None


@dataclass(frozen=True)
class ReportRow:
    id: int  # journal seq
    at: datetime  # when it reached the system: what the rules count from
    channel: str
    agent: str
    phone: str  # masked (138****5678) or （已删除）
    surname: str | None  # 张女士 / 张*, when a name was given
    status: str
    reason: str | None
    expires_at: datetime
    entered_by: str  # the journal's actor: the user, or "import" for the CLI
    stated_at: datetime | None  # the time the channel's sheet gave, when imported with one


def _status_column(now: datetime) -> sa.ColumnElement[str]:
    return sa.case((sa.and_(Report.status == "pending", Report.expires_at <= now), sa.literal("expired")),
                   else_=Report.status)


def _where(flt: ReportFilter, now: datetime) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if flt.status == "pending":
        conditions += [Report.status == "pending", Report.expires_at > now]
    elif flt.status == "expired":
        conditions.append(sa.or_(Report.status == "expired",
                                 sa.and_(Report.status == "pending", Report.expires_at <= now)))
    elif flt.status is not None:
        if flt.status not in REPORT_STATUSES:
            raise ValueError(f"未知报备状态 / unknown report status {flt.status!r}")
        conditions.append(Report.status == flt.status)
    if flt.reason is not None:
        conditions.append(Report.reason == flt.reason)
    if flt.channel is not None:
        conditions.append(Report.channel == flt.channel)
    if flt.agent is not None:
        conditions.append(Report.agent == flt.agent)
    return conditions


def list_reports(store: Store, flt: ReportFilter, offset: int, limit: int) -> list[ReportRow]:
    """Newest first, `limit` rows from `offset`."""
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        query = (sa.select(Report.id, Report.reported_at, Report.channel, Report.agent, Report.customer_id,
                           Report.phone_masked, _status_column(now).label("status"), Report.reason,
                           Report.expires_at, JournalEntry.actor, Customer.phone_masked.label("customer_phone"),
                           Customer.forgotten)
                 .join(JournalEntry, JournalEntry.seq == Report.id)
                 .outerjoin(Customer, Customer.id == Report.customer_id)
                 .where(*_where(flt, now)).order_by(Report.id.desc()).offset(offset).limit(limit))
        rows = session.execute(query).all()
        stated = _stated_times(session, [r.id for r in rows])
        names: dict[int, str | None] = {}
        found = []
        for r in rows:
            erased = bool(r.forgotten) or (r.customer_id is None and not r.phone_masked)
            if r.customer_id is not None and not erased and r.customer_id not in names:
                names[r.customer_id] = surname_display(session, store.keyring, r.customer_id)
            phone = ERASED if erased else mask_phone(r.customer_phone or r.phone_masked or "")
            found.append(ReportRow(r.id, r.reported_at, r.channel, r.agent, phone,
                                   None if erased or r.customer_id is None else names[r.customer_id],
                                   r.status, r.reason if r.status == "invalid" else None, r.expires_at, r.actor,
                                   stated.get(r.id)))
    return found


def _stated_times(session: Session, report_ids: list[int]) -> dict[int, datetime]:
    """The channel's stated time of each report given: journalled right after its report."""
    if not report_ids:
        return {}
    wanted = set(report_ids)
    found: dict[int, datetime] = {}
    payloads = session.scalars(sa.select(JournalEntry.payload).where(
        JournalEntry.kind == STATED_TIME, JournalEntry.seq > min(wanted)))
    for payload in payloads:
        body = json.loads(payload)
        if body.get("report") in wanted:
            found[body["report"]] = datetime.fromisoformat(body["stated_at"])
    return found


def status_counts(store: Store, channel: str | None = None) -> dict[str, int]:
    """How many reports are in each status now (of one channel, when given)."""
    with read_session(store.engine) as session:
        now = store.clock.now(session)
        mine = [Report.channel == channel] if channel is not None else []
        counts = Counter({key: int(n) for key, n in session.execute(
            sa.select(Report.status, sa.func.count()).where(*mine).group_by(Report.status))})
        lapsed = session.scalar(sa.select(sa.func.count()).select_from(Report).where(
            *mine, Report.status == "pending", Report.expires_at <= now)) or 0
    counts["pending"] -= lapsed
    counts["expired"] += lapsed
    return {key: counts.get(key, 0) for key in REPORT_STATUSES}
