"""Stations: every kiosk, console and admin program that writes, by the name on its journal entries;
a retired one is refused from then on.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=128), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("retired_by", sa.String(length=64), nullable=True),
        sa.Column("retired_note", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    # a station's last write: the newest journal entry under its name, found without a scan
    op.create_index("ix_journal_station_seq", "journal", ["station", "seq"])
    # stations that wrote before this table existed are listed with their first and last entry
    op.execute(
        "INSERT INTO stations (name, kind, first_seen, last_seen) "
        "SELECT station, CASE WHEN station LIKE 'kiosk%' THEN 'kiosk' "
        "WHEN station LIKE 'console%' THEN 'console' ELSE 'admin' END, MIN(at), MAX(at) FROM journal GROUP BY station")


def downgrade() -> None:
    op.drop_index("ix_journal_station_seq", table_name="journal")
    op.drop_table("stations")
