"""Stations bound to the computer they run on: `stations.computer`, the id kept in that computer's data
directory (service/stations.py), so that a retired station cannot come back under another name by an edit of
anchang.toml. Existing stations are bound at their next start.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.add_column(sa.Column("computer", sa.String(length=32), nullable=True))
    op.create_index("ix_stations_computer", "stations", ["computer"])


def downgrade() -> None:
    op.drop_index("ix_stations_computer", table_name="stations")
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("computer")
