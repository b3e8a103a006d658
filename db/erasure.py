"""Erasing a customer everywhere the database keeps them, and then from the storage files.

`erase` runs inside the erasure's transaction: the key, identities, faces, pseudonyms the customer alone
held, their notes, and the masked numbers the projections show for them. `scrub_storage` runs after
the commit, so that deleted bytes do not linger in the files a backup copies: SQLite zeroes deleted
content (`secure_delete`) and the WAL is checkpointed and truncated; PostgreSQL rewrites the small
tables that held the key and the lookups (`VACUUM FULL`). What PostgreSQL cannot promise is in the
README.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db import identity, notes, search_keys
from db.models import Report
from judge.engine import Site

# Tables whose dead rows would still link a number to a customer or hold a key: rewritten on PostgreSQL.
REWRITTEN_TABLES = ("customer_keys", "identities", "pseudonyms", "pseudonym_holders", "notes", "face_templates",
                    "customer_search")
CHECKPOINT_TRIES = 20


def erase(session: Session, site: Site, customer_id: int) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA secure_delete = ON"))  # deleted cells are overwritten with zeros
    orphaned = identity.erase_customer(session, customer_id)
    notes.erase_notes(session, customer_id)
    search_keys.forget(session, customer_id)  # keyed hashes of surname, initials, last four digits
    # Reports show the masked number the channel gave: the customer's own reports, and the masked
    # reports (隐号报备) whose pseudonym went with them.
    state = site.customers.get(customer_id)
    report_ids = set(session.scalars(sa.select(Report.id).where(Report.customer_id == customer_id)))
    if state is not None and state.mask in orphaned:
        masked_reports = site.reports_by_mask.get(state.mask, [])
        report_ids.update(masked_reports)
        # a masked report's mask + surname token, if no customer holds it, would still name the form
        identity.drop_unheld(session, {s for r in masked_reports if (s := site.reports[r].surname) is not None})
    if report_ids:
        session.execute(sa.update(Report).where(Report.id.in_(sorted(report_ids))).values(phone_masked=None))


def scrub_storage(engine: Engine) -> bool:
    """After an erasure has committed. False when SQLite could not truncate its WAL because another
    process kept reading the whole time (the next erasure or checkpoint finishes the job)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
        try:
            for _ in range(CHECKPOINT_TRIES):
                cursor = raw.cursor()
                busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                cursor.close()
                if busy is None or busy[0] == 0:
                    return True
                time.sleep(0.05)
        finally:
            raw.close()
        return False
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in REWRITTEN_TABLES:
                conn.exec_driver_sql(f"VACUUM FULL {table}")
    return True
