"""Meetings indexed by kind, origin and date instead of kind and date: the panels a ledger holds are found among a
national ledger's 600,000 tracking meetings from the case system through the index alone (they were each read
from the table to see their origin: over a second on every night's evaluation, measured).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLE = "tracker_meetings"
BEFORE = "ix_tracker_meetings_kind_date"
AFTER = "ix_tracker_meetings_kind_origin_date"


def upgrade() -> None:
    op.drop_index(BEFORE, table_name=TABLE)
    op.create_index(AFTER, TABLE, ["kind", "origin", "date"])


def downgrade() -> None:
    op.drop_index(AFTER, table_name=TABLE)
    op.create_index(BEFORE, TABLE, ["kind", "date"])
