"""Kiosk check-ins refused when the outbox sent them: a task for reception (service/kiosk_refusals.py), found
by the phone's keyed hash for erasure; the key, the sealed detail and the masked phone go when erased.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_checkins",
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(length=64), nullable=False),
        sa.Column("arrived_at", sa.DateTime(), nullable=False),
        sa.Column("refused_at", sa.DateTime(), nullable=False),
        sa.Column("phone_masked", sa.String(length=16), nullable=True),
        sa.Column("phone_lookup", sa.String(length=64), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("detail_enc", sa.LargeBinary(), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("handled_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("ref"),
    )
    op.create_index("ix_refused_checkins_handled_at", "refused_checkins", ["handled_at"])
    op.create_index("ix_refused_checkins_phone_lookup", "refused_checkins", ["phone_lookup"])


def downgrade() -> None:
    op.drop_index("ix_refused_checkins_phone_lookup", table_name="refused_checkins")
    op.drop_index("ix_refused_checkins_handled_at", table_name="refused_checkins")
    op.drop_table("refused_checkins")
