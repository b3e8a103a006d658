"""The visits projection: each registered visit as judged (receiving consultant, customer).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("registered_as", sa.Integer(), nullable=False),
        sa.Column("consultant", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("first_visit", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_visits_at", "visits", ["at"])
    op.create_index("ix_visits_customer_id", "visits", ["customer_id"])
    op.create_index("ix_visits_consultant", "visits", ["consultant"])
    # Databases written before this table existed get it filled by `Store.rebuild()` (anchang init runs it).


def downgrade() -> None:
    op.drop_table("visits")
