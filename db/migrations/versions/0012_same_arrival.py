"""No table changes: a second check-in of a phone waiting for reception is now judged as the same arrival
(issue 15), so projections written by older programs may hold a second consultant for it. The upgrade
that runs this revision rebuilds every projection from the journal (operations.upgrade), as after any
migration, so an existing site's projections equal a replay again.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing in the schema; the rebuild after the upgrade is the point."""


def downgrade() -> None:
    """Nothing to undo."""
