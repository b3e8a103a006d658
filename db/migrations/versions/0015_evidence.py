"""Evidence photos of appeals (db/evidence.py): encrypted under the customer's key, erased with them.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("blob_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ref"),
    )
    op.create_index("ix_evidence_customer_id", "evidence", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_customer_id", table_name="evidence")
    op.drop_table("evidence")
