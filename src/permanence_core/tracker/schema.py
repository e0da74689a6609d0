"""The ledger's tables (SQLAlchemy Core), beside the write-back state tables they grew from; ids, dates and counts."""

from __future__ import annotations

import enum

import sqlalchemy as sa

from permanence_core.writeback.state import UtcDateTime
from permanence_core.writeback.state import metadata as state_metadata

metadata = sa.MetaData()

#: Every table of a migrated ledger, for Alembic's schema comparison: the state store's and the ledger's own.
ALL_METADATA = (state_metadata, metadata)


class Origin(enum.StrEnum):
    """Where a meeting or action came from: read from the case system by a sync, or recorded in the ledger."""

    CASE_SYSTEM = "case_system"
    LEDGER = "ledger"


class MeetingStatus(enum.StrEnum):
    """A meeting is scheduled until its outcomes are recorded (held) or it is called off."""

    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class ActionStatus(enum.StrEnum):
    """An action is open until it is done or carried forward to a later meeting (where its copy stays open)."""

    OPEN = "open"
    DONE = "done"
    CARRIED = "carried"


syncs = sa.Table(
    "tracker_syncs",
    metadata,
    sa.Column("sync_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("adapter", sa.String(64), nullable=False),
    sa.Column("source", sa.String(1000), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=False),
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

children = sa.Table(
    "tracker_children",
    metadata,
    sa.Column("child_id", sa.String(64), primary_key=True),
    sa.Column("first_sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id"), nullable=False),
    sa.Column("last_sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id"), nullable=False),
    sa.Column("looked_after_since", sa.Date),
    sa.Column("left_care_on", sa.Date),
)

#: What the sync that last checked a child found for it: a digest of the plans, meetings and actions it recorded
#: from the child's record (see ``tracker/sync.py``). A later sync finding the same digest, with none of those rows
#: changed in the ledger since that sync finished, has nothing to compare.
sync_digests = sa.Table(
    "tracker_sync_digests",
    metadata,
    sa.Column("child_id", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(32), nullable=False),
    sa.Column("sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id"), nullable=False),
)

plan_history = sa.Table(
    "tracker_plan_history",
    metadata,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("child_id", sa.String(64), nullable=False, index=True),
    sa.Column("sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id"), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("plan_key", sa.String(100), nullable=False),
    sa.Column("primary_route", sa.String(40), nullable=False),
    sa.Column("contingencies", sa.String(200), nullable=False),
    sa.Column("decided_on", sa.Date),
    sa.Column("ratified_on", sa.Date),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_since", sa.Date),
    sa.Column("change", sa.String(100), nullable=False),
)

meetings = sa.Table(
    "tracker_meetings",
    metadata,
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
    sa.Column("first_sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id")),
    sa.Column("last_sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # With the origin, the ledger's own panels are found among the case system's tracking meetings without reading
    # each of those (migration 0005).
    sa.Index("ix_tracker_meetings_kind_origin", "kind", "origin"),
)

meeting_children = sa.Table(
    "tracker_meeting_children",
    metadata,
    sa.Column("meeting_id", sa.String(200), sa.ForeignKey("tracker_meetings.meeting_id"), primary_key=True),
    sa.Column("child_id", sa.String(64), primary_key=True, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("group_key", sa.String(64)),
    sa.Column("reasons", sa.Text),
    sa.Column("decision", sa.String(32)),
    sa.Column("summary", sa.Text),
    sa.Column("agreed_plan", sa.Text),
    sa.Column("recorded_at", UtcDateTime),
)

attendees = sa.Table(
    "tracker_attendees",
    metadata,
    sa.Column("meeting_id", sa.String(200), sa.ForeignKey("tracker_meetings.meeting_id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(200)),
    sa.Column("present", sa.Boolean, nullable=False),
)

actions = sa.Table(
    "tracker_actions",
    metadata,
    sa.Column("meeting_id", sa.String(200), sa.ForeignKey("tracker_meetings.meeting_id"), primary_key=True),
    # Unique within its meeting only (the permanence pack's rule), so the meeting is part of the key.
    sa.Column("action_id", sa.String(200), primary_key=True),
    sa.Column("child_id", sa.String(64), index=True),
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
    sa.Column("first_sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id")),
    sa.Column("last_sync_id", sa.Integer, sa.ForeignKey("tracker_syncs.sync_id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # One copy per carried action and child (a sibling group's shared action is carried for each child), so a
    # second carry-forward finds the copy there and adds none. Only carried actions are indexed (migration 0004).
    sa.Index(
        "uq_tracker_actions_carried_from",
        "carried_from_meeting",
        "carried_from_action",
        "child_id",
        unique=True,
        sqlite_where=sa.text("carried_from_meeting IS NOT NULL"),
        postgresql_where=sa.text("carried_from_meeting IS NOT NULL"),
    ),
)

alert_history = sa.Table(
    "tracker_alert_history",
    metadata,
    sa.Column("child_id", sa.String(64), primary_key=True),
    sa.Column("rule", sa.String(100), primary_key=True),
    sa.Column("anchor_date", sa.Date, primary_key=True),
    sa.Column("generation", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("idempotency_key", sa.String(64)),
)

documents = sa.Table(
    "tracker_documents",
    metadata,
    sa.Column("document_key", sa.String(64), primary_key=True),
    # None for a document about the whole panel (the pack).
    sa.Column("child_id", sa.String(64), index=True),
    sa.Column("document_type", sa.String(64), nullable=False),
    sa.Column("meeting_id", sa.String(200)),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("produced_at", UtcDateTime, nullable=False),
    sa.Column("path", sa.String(1000)),
)
