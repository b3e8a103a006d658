"""Figures over long ranges (issue 9): pool claims with their outcome and stage changes as projections,
the daily rollup of closed days (reports/rollup.py), and indexes for the period queries.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("consultant", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_claims_at", "claims", ["at"])
    op.create_table(
        "stage_changes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("consultant", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stage_changes_at", "stage_changes", ["at"])
    # Databases written before these tables existed get them filled by `Store.rebuild()` (anchang init runs it).
    op.create_table(
        "daily_figures",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("m", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "day", "measure", "key", "detail"),
    )
    op.create_table(
        "daily_figures_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("built_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "daily_figures_mark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customers_first_visit_at", "customers", ["first_visit_at"])
    op.create_index("ix_cases_opened_at", "cases", ["opened_at"])
    op.create_index("ix_warnings_raised_at", "warnings", ["raised_at"])
    op.create_index("ix_visits_consultant_at", "visits", ["consultant", "at"])


def downgrade() -> None:
    op.drop_index("ix_visits_consultant_at", table_name="visits")
    op.drop_index("ix_warnings_raised_at", table_name="warnings")
    op.drop_index("ix_cases_opened_at", table_name="cases")
    op.drop_index("ix_customers_first_visit_at", table_name="customers")
    for table in ("daily_figures_mark", "daily_figures_days", "daily_figures", "stage_changes", "claims"):
        op.drop_table(table)
