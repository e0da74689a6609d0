"""What each child's last sync found: a digest of its plans, meetings and actions, so a resync that finds the same
skips comparing them row by row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracker_sync_digests",
        sa.Column("child_id", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tracker_sync_digests")
