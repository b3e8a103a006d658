"""Erasable personal data: lookups and free text outside the append-only journal.

Revision ID: 0006
Revises: 0005

Entries journalled before this revision keep the keyed hashes and free text they were written with
(the journal is append-only); see the README's personal-data section.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pseudonyms",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
        sa.UniqueConstraint("token"),
    )
    op.create_table(
        "pseudonym_holders",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token", "customer_id"),
    )
    op.create_index(op.f("ix_pseudonym_holders_customer_id"), "pseudonym_holders", ["customer_id"])
    op.create_table(
        "notes",
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("text_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ref"),
    )
    op.create_index(op.f("ix_notes_customer_id"), "notes", ["customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notes_customer_id"), table_name="notes")
    op.drop_table("notes")
    op.drop_index(op.f("ix_pseudonym_holders_customer_id"), table_name="pseudonym_holders")
    op.drop_table("pseudonym_holders")
    op.drop_table("pseudonyms")
