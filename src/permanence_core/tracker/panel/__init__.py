"""The tracking panel in the ledger: its schedule, each child's outcome and actions, carried actions, minutes.

Seed 002: the panel meets monthly, referrals reach business support three days before it and minutes are
due within three working days; business support keeps the panel's records. Seed 000: one record per child.
"""

from permanence_core.tracker.panel.carry import CarriedAction, CarryForward, carry_forward
from permanence_core.tracker.panel.minutes import Minutes, MinutesWritten, minutes, minutes_issued, write_minutes
from permanence_core.tracker.panel.outcomes import (
    Decision,
    Outcome,
    PanelChild,
    Recorded,
    attendees,
    cohort_with_panels,
    latest_decisions,
    outcome_from_form,
    panel_children,
    record_outcome,
    reviewed_actions,
    with_panels,
)
from permanence_core.tracker.panel.schedule import (
    KIND,
    MINUTES_WORKING_DAYS,
    REFERRAL_WORKING_DAYS,
    Panel,
    PanelError,
    cancel,
    find_panel,
    neighbours,
    next_panel_date,
    panel_id_for,
    panels,
    schedule,
)

__all__ = [
    "KIND",
    "MINUTES_WORKING_DAYS",
    "REFERRAL_WORKING_DAYS",
    "CarriedAction",
    "CarryForward",
    "Decision",
    "Minutes",
    "MinutesWritten",
    "Outcome",
    "Panel",
    "PanelChild",
    "PanelError",
    "Recorded",
    "attendees",
    "cancel",
    "carry_forward",
    "cohort_with_panels",
    "find_panel",
    "latest_decisions",
    "minutes",
    "minutes_issued",
    "neighbours",
    "next_panel_date",
    "outcome_from_form",
    "panel_children",
    "panel_id_for",
    "panels",
    "record_outcome",
    "reviewed_actions",
    "schedule",
    "with_panels",
    "write_minutes",
]
