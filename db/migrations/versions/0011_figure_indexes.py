"""Covering indexes for the figures over long ranges: customers under protection by owner, customers by
first visit (带访), warnings raised by kind and status, read without touching the tables' rows.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_customers_owner_protection", "customers", ["owner", "protected_until", "merged_into"])
    op.drop_index("ix_customers_first_visit_at", table_name="customers")
    op.create_index("ix_customers_first_visit", "customers", ["first_visit_at", "merged_into", "channel", "owner"])
    op.drop_index("ix_warnings_raised_at", table_name="warnings")
    op.create_index("ix_warnings_raised", "warnings", ["raised_at", "kind", "status"])


def downgrade() -> None:
    op.drop_index("ix_warnings_raised", table_name="warnings")
    op.create_index("ix_warnings_raised_at", "warnings", ["raised_at"])
    op.drop_index("ix_customers_first_visit", table_name="customers")
    op.create_index("ix_customers_first_visit_at", "customers", ["first_visit_at"])
    op.drop_index("ix_customers_owner_protection", table_name="customers")
