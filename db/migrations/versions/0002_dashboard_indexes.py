"""Indexes for dashboards: visits by day and reports by status.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_journal_at", "journal", ["at"])
    op.create_index("ix_customers_last_visit_at", "customers", ["last_visit_at"])
    op.create_index("ix_reports_status", "reports", ["status"])


def downgrade() -> None:
    op.drop_index("ix_reports_status", "reports")
    op.drop_index("ix_customers_last_visit_at", "customers")
    op.drop_index("ix_journal_at", "journal")
