"""SQL over the journal for what the projections do not keep: stage changes (认筹, 认购, 签约), pool
claims, assignments and case decisions in a period. Entries are found by the (kind) and (at) indexes and
their JSON payload read by the database (canonical JSON, no personal data)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from db.models import Customer, JournalEntry
from reports.period import Period


def payload_field(dialect: str, name: str, integer: bool = False) -> Any:
    """One top-level field of the entry's payload, as text (or an integer)."""
    if dialect == "postgresql":
        value: Any = sa.func.jsonb_extract_path_text(sa.cast(JournalEntry.payload, JSONB),
                                                     sa.literal(name, literal_execute=True))
    else:
        value = sa.func.json_extract(JournalEntry.payload, sa.literal(f"$.{name}", literal_execute=True))
    return sa.cast(value, sa.BigInteger if integer else sa.String)


def entries(dialect: str, kinds: tuple[str, ...], period: Period, *fields: str) -> Any:
    """A subquery of the entries of `kinds` in the period: seq, at, kind, actor and the payload `fields`
    ("customer", "case_id" come back as integers)."""
    columns = [payload_field(dialect, name, integer=name in ("customer", "case_id")).label(name) for name in fields]
    return (sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.actor, *columns)
            .where(JournalEntry.kind.in_(kinds), JournalEntry.at >= period.start, JournalEntry.at < period.end)
            .subquery())


def stage_events(dialect: str, period: Period) -> Any:
    """Stage changes in the period with the customer they concern (merges followed to the customer the
    engine judges), who recorded them, the stage, and that customer's channel, owner and deal time."""
    raw = entries(dialect, ("stage",), period, "customer", "consultant", "stage")
    named = sa.orm.aliased(Customer)
    judged = sa.orm.aliased(Customer)
    resolved = sa.func.coalesce(named.merged_into, named.id)
    return (sa.select(raw.c.seq, raw.c.at, raw.c.consultant, raw.c.stage, judged.id.label("customer"),
                      judged.channel, judged.owner, judged.deal_at)
            .join(named, named.id == raw.c.customer)
            .join(judged, judged.id == resolved)
            .subquery())
