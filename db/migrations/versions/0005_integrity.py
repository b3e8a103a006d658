"""Site integrity: key check value and authenticated engine snapshots.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_checks",
        sa.Column("key_file", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key_file"),
    )
    # `anchang init` (which runs this migration) writes the check values: migrations never see the keys.
    with op.batch_alter_table("engine_snapshots") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    # Snapshots saved before have no MAC: they are ignored from now on and replaced by the next one.
    op.execute("DELETE FROM engine_snapshots")


def downgrade() -> None:
    with op.batch_alter_table("engine_snapshots") as batch:
        batch.drop_column("mac")
    op.drop_table("key_checks")
