"""The tracker ledger: syncs, children seen, plan history, meetings with their children, attendees and actions,
alert history and documents produced.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SYNC = "tracker_syncs.sync_id"
_MEETING = "tracker_meetings.meeting_id"


def upgrade() -> None:
    op.create_table(
        "tracker_syncs",
        sa.Column("sync_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("adapter", sa.String(64), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("read", sa.Integer, nullable=False),
        sa.Column("loaded", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("children", sa.Integer, nullable=False),
        sa.Column("coverage", sa.String(200), nullable=False),
        sa.Column("children_new", sa.Integer, nullable=False),
        sa.Column("plans_changed", sa.Integer, nullable=False),
        sa.Column("meetings_added", sa.Integer, nullable=False),
        sa.Column("meetings_changed", sa.Integer, nullable=False),
        sa.Column("actions_added", sa.Integer, nullable=False),
        sa.Column("actions_changed", sa.Integer, nullable=False),
    )
    op.create_table(
        "tracker_children",
        sa.Column("child_id", sa.String(64), primary_key=True),
        sa.Column("first_sync_id", sa.Integer, sa.ForeignKey(_SYNC), nullable=False),
        sa.Column("last_sync_id", sa.Integer, sa.ForeignKey(_SYNC), nullable=False),
        sa.Column("looked_after_since", sa.Date),
        sa.Column("left_care_on", sa.Date),
    )
    op.create_table(
        "tracker_plan_history",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("sync_id", sa.Integer, sa.ForeignKey(_SYNC), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("plan_key", sa.String(100), nullable=False),
        sa.Column("primary_route", sa.String(40), nullable=False),
        sa.Column("contingencies", sa.String(200), nullable=False),
        sa.Column("decided_on", sa.Date),
        sa.Column("ratified_on", sa.Date),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", sa.Date),
        sa.Column("change", sa.String(100), nullable=False),
    )
    op.create_index("ix_tracker_plan_history_child_id", "tracker_plan_history", ["child_id"])
    op.create_table(
        "tracker_meetings",
        sa.Column("meeting_id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("chair", sa.String(200)),
        sa.Column("referral_deadline", sa.Date),
        sa.Column("minutes_due", sa.Date),
        sa.Column("minutes_issued_on", sa.Date),
        sa.Column("referral_received_on", sa.Date),
        sa.Column("first_sync_id", sa.Integer, sa.ForeignKey(_SYNC)),
        sa.Column("last_sync_id", sa.Integer, sa.ForeignKey(_SYNC)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_tracker_meetings_kind_date", "tracker_meetings", ["kind", "date"])
    op.create_table(
        "tracker_meeting_children",
        sa.Column("meeting_id", sa.String(200), sa.ForeignKey(_MEETING), primary_key=True),
        sa.Column("child_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("group_key", sa.String(64)),
        sa.Column("reasons", sa.Text),
        sa.Column("decision", sa.String(32)),
        sa.Column("summary", sa.Text),
        sa.Column("agreed_plan", sa.Text),
        sa.Column("recorded_at", sa.DateTime),
    )
    op.create_index("ix_tracker_meeting_children_child_id", "tracker_meeting_children", ["child_id"])
    op.create_table(
        "tracker_attendees",
        sa.Column("meeting_id", sa.String(200), sa.ForeignKey(_MEETING), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(200)),
        sa.Column("present", sa.Boolean, nullable=False),
    )
    op.create_table(
        "tracker_actions",
        sa.Column("meeting_id", sa.String(200), sa.ForeignKey(_MEETING), primary_key=True),
        sa.Column("action_id", sa.String(200), primary_key=True),
        sa.Column("child_id", sa.String(64)),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("due_date", sa.Date),
        sa.Column("completed_on", sa.Date),
        sa.Column("depends_on", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("carried_from_meeting", sa.String(200)),
        sa.Column("carried_from_action", sa.String(200)),
        sa.Column("times_carried", sa.Integer, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("first_sync_id", sa.Integer, sa.ForeignKey(_SYNC)),
        sa.Column("last_sync_id", sa.Integer, sa.ForeignKey(_SYNC)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint(
            "carried_from_meeting", "carried_from_action", "child_id", name="uq_tracker_actions_carried_from"
        ),
    )
    op.create_index("ix_tracker_actions_child_id", "tracker_actions", ["child_id"])
    op.create_table(
        "tracker_alert_history",
        sa.Column("child_id", sa.String(64), primary_key=True),
        sa.Column("rule", sa.String(100), primary_key=True),
        sa.Column("anchor_date", sa.Date, primary_key=True),
        sa.Column("generation", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("raised_at", sa.DateTime, nullable=False),
        sa.Column("idempotency_key", sa.String(64)),
    )
    op.create_table(
        "tracker_documents",
        sa.Column("document_key", sa.String(64), primary_key=True),
        sa.Column("child_id", sa.String(64)),
        sa.Column("document_type", sa.String(64), nullable=False),
        sa.Column("meeting_id", sa.String(200)),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("produced_at", sa.DateTime, nullable=False),
        sa.Column("path", sa.String(1000)),
    )
    op.create_index("ix_tracker_documents_child_id", "tracker_documents", ["child_id"])


def downgrade() -> None:
    op.drop_index("ix_tracker_documents_child_id", "tracker_documents")
    op.drop_table("tracker_documents")
    op.drop_table("tracker_alert_history")
    op.drop_index("ix_tracker_actions_child_id", "tracker_actions")
    op.drop_table("tracker_actions")
    op.drop_table("tracker_attendees")
    op.drop_index("ix_tracker_meeting_children_child_id", "tracker_meeting_children")
    op.drop_table("tracker_meeting_children")
    op.drop_index("ix_tracker_meetings_kind_date", "tracker_meetings")
    op.drop_table("tracker_meetings")
    op.drop_index("ix_tracker_plan_history_child_id", "tracker_plan_history")
    op.drop_table("tracker_plan_history")
    op.drop_table("tracker_children")
    op.drop_table("tracker_syncs")
