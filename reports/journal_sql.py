"""SQL over the journal for what the projections do not keep: assignments and case decisions in a
period; and the period's stage changes (认筹, 认购, 签约, the stage_changes projection) with their customers. Entries are found by the (kind) and (at) indexes and
their JSON payload read by the database (canonical JSON, no personal data)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from db.models import Customer, JournalEntry, StageRecord
from judge.facts import DEAL_STAGES
from reports.period import Period


def payload_field(dialect: str, name: str, integer: bool = False) -> Any:
    """One top-level field of the entry's payload, as text (or an integer)."""
    if dialect == "postgresql":
        value: Any = sa.func.jsonb_extract_path_text(sa.cast(JournalEntry.payload, JSONB),
                                                     sa.literal(name, literal_execute=True))
    else:
        value = sa.func.json_extract(JournalEntry.payload, sa.literal(f"$.{name}", literal_execute=True))
    return sa.cast(value, sa.BigInteger if integer else sa.String)


SHORT_DAYS = 62  # up to two months, the time index finds a period's entries faster than the kind index


def entries(dialect: str, kinds: tuple[str, ...], period: Period, *fields: str) -> Any:
    """A subquery of the entries of `kinds` in the period: seq, at, kind, actor and the payload `fields`
    ("customer", "case_id" come back as integers)."""
    columns = [payload_field(dialect, name, integer=name in ("customer", "case_id")).label(name) for name in fields]
    kind: Any = JournalEntry.kind
    if dialect == "sqlite" and len(period.days()) <= SHORT_DAYS:
        kind = sa.func.coalesce(kind, "")  # SQLite has no statistics: keep it off the kind index (a year of it)
    return (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.actor, *columns)
            .where(kind.in_(kinds), JournalEntry.at >= period.start, JournalEntry.at < period.end)
            .subquery())


def seq_range(session: Any, period: Period) -> tuple[int, int]:
    """[first, last] journal seqs of the period (first > last when it holds none): the projections keyed
    by their journal entry (reports) are found by primary key. Entries are stamped in time order, so the
    time index finds both ends."""
    def first_from(moment: Any) -> int | None:
        return session.scalar(sa.select(JournalEntry.seq).where(JournalEntry.at >= moment)
                              .order_by(JournalEntry.at, JournalEntry.seq).limit(1))

    first, after = first_from(period.start), first_from(period.end)
    if first is None:
        return 1, 0
    return first, (after - 1) if after is not None else 2**62


def stage_events(dialect: str, period: Period, attributes: bool = True) -> Any:
    """Stage changes in the period with the customer they concern (merges followed to the customer the
    engine judges), who recorded them and the stage; with `attributes`, also that customer's channel,
    owner, deal time and commission, and whether the entry is the one that closed the deal."""
    raw = (sa.select(StageRecord.id.label("seq"), StageRecord.at, StageRecord.customer_id.label("customer"),
                     StageRecord.consultant, StageRecord.stage)
           .where(StageRecord.at >= period.start, StageRecord.at < period.end).subquery())
    named = sa.orm.aliased(Customer)
    judged_customer = sa.func.coalesce(named.merged_into, named.id).label("customer")
    if not attributes:
        return (sa.select(raw.c.seq, raw.c.at, raw.c.consultant, raw.c.stage, judged_customer)
                .join(named, named.id == raw.c.customer).cte("stage_events").prefix_with("MATERIALIZED"))
    # a number merged into another customer takes that customer's attributes; the few customers something
    # was merged into are found first, so the join does not hash every customer a second time
    merged_into = sa.select(Customer).where(
        Customer.id.in_(sa.select(Customer.merged_into).where(Customer.merged_into.is_not(None)))).subquery()
    merged = sa.orm.aliased(Customer, merged_into)

    def judged(column: str) -> Any:
        return sa.case((named.merged_into.is_(None), getattr(named, column)), else_=getattr(merged, column))

    closing = sa.case((sa.and_(raw.c.stage.in_(DEAL_STAGES), raw.c.at == judged("deal_at")), 1), else_=0)
    return (sa.select(raw.c.seq, raw.c.at, raw.c.consultant, raw.c.stage, judged_customer,
                      judged("channel").label("channel"), judged("owner").label("owner"),
                      judged("commission").label("commission"), closing.label("closing"))
            .join(named, named.id == raw.c.customer)
            .outerjoin(merged, merged.id == named.merged_into)
            .cte("stage_events").prefix_with("MATERIALIZED"))  # read once for every count made of it
