"""The write-back state store as it stood before the ledger: deliveries and raised alerts.

A store that write-back created on its own already has these tables: they are kept as they are, so the
store upgrades in place and the ledger's migrations follow.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _exists(table: str) -> bool:
    # An SQL script (offline mode) is written for an empty database; only a live one can be looked at.
    return not context.is_offline_mode() and sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if not _exists("writeback_deliveries"):
        op.create_table(
            "writeback_deliveries",
            sa.Column("idempotency_key", sa.String(64), primary_key=True),
            sa.Column("child_id", sa.String(64), nullable=False),
            sa.Column("item_type", sa.String(40), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("external_id", sa.String(200)),
            sa.Column("location", sa.String(1000)),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("first_attempt_at", sa.DateTime, nullable=False),
            sa.Column("last_attempt_at", sa.DateTime, nullable=False),
            sa.Column("last_error", sa.Text),
            sa.Column("claim_token", sa.String(32)),
        )
        op.create_index("ix_writeback_deliveries_child_id", "writeback_deliveries", ["child_id"])
        op.create_index("ix_writeback_deliveries_status", "writeback_deliveries", ["status"])
    if not _exists("writeback_raised_alerts"):
        op.create_table(
            "writeback_raised_alerts",
            sa.Column("child_id", sa.String(64), primary_key=True),
            sa.Column("rule", sa.String(100), primary_key=True),
            sa.Column("anchor_date", sa.Date, primary_key=True),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("due_date", sa.Date, nullable=False),
            sa.Column("fingerprint", sa.String(32), nullable=False),
            sa.Column("generation", sa.Integer, nullable=False),
            sa.Column("raised_at", sa.DateTime, nullable=False),
            sa.Column("idempotency_key", sa.String(64)),
        )


def downgrade() -> None:
    op.drop_table("writeback_raised_alerts")
    op.drop_index("ix_writeback_deliveries_status", "writeback_deliveries")
    op.drop_index("ix_writeback_deliveries_child_id", "writeback_deliveries")
    op.drop_table("writeback_deliveries")
