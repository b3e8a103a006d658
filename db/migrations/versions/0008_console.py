"""Console: visit stays (接待开始/结束), appointments (预约), customer search keys, check-in intent.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_stays",
        sa.Column("visit_seq", sa.BigInteger(), nullable=False),
        sa.Column("consultant", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("visit_seq"),
    )
    op.create_index("ix_visit_stays_consultant", "visit_stays", ["consultant"])
    op.create_table(
        "appointments",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("consultant", sa.String(length=64), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("visit_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_appointments_customer_id", "appointments", ["customer_id"])
    op.create_index("ix_appointments_consultant", "appointments", ["consultant"])
    op.create_index("ix_appointments_starts_at", "appointments", ["starts_at"])
    op.create_table(
        "customer_search",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("digest", "customer_id"),
    )
    op.create_index("ix_customer_search_customer_id", "customer_search", ["customer_id"])
    with op.batch_alter_table("checkin_refs") as batch:
        batch.add_column(sa.Column("intent", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkin_refs") as batch:
        batch.drop_column("intent")
    op.drop_table("customer_search")
    op.drop_table("appointments")
    op.drop_table("visit_stays")
