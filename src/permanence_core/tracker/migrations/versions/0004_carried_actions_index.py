"""One copy per carried action and child, kept by a unique index of the carried actions only: the constraint it
replaces indexed every action (a national ledger's 1.1 million, nearly all never carried), row by row as a sync
added them. Rows without ``carried_from_meeting`` never conflicted (NULLs are distinct), so what it refuses is the
same.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAME = "uq_tracker_actions_carried_from"
COLUMNS = ["carried_from_meeting", "carried_from_action", "child_id"]
CARRIED = sa.text("carried_from_meeting IS NOT NULL")


def upgrade() -> None:
    # SQLite drops a table's constraint only by copying the table: batch mode does that there, ALTER TABLE elsewhere.
    with op.batch_alter_table("tracker_actions") as batch:
        batch.drop_constraint(NAME, type_="unique")
    op.create_index(NAME, "tracker_actions", COLUMNS, unique=True, sqlite_where=CARRIED, postgresql_where=CARRIED)


def downgrade() -> None:
    op.drop_index(NAME, table_name="tracker_actions")
    with op.batch_alter_table("tracker_actions") as batch:
        batch.create_unique_constraint(NAME, COLUMNS)
