"""The panel's deadlines (seed 002): referrals due before a panel, minutes due after it, for panels a case system
records (RAISE's file drops among them) as well as those held in the ledger.

The deadlines are the rules engine's (profile ``panel-tor``: ``panel.referral`` three days before the
panel, ``panel.minutes`` three working days after it); this module only pairs each obligation with the
child's tracking-panel meeting, writes the minutes, and words the overdue ones as work-tray alerts. A
plugin contributes only its transport (RAISE: the file drop).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from permanence_core.documents import OutputFormat, meeting_record, render
from permanence_core.errors import ConfigError
from permanence_core.model import CaseRecord, Meeting, MeetingKind
from permanence_core.rules import Alert, AlertStatus, Evaluation, Obligation, ObligationState
from permanence_core.writeback import AlertChange, DocumentUpload, Receipt, WorkTrayAlert

#: The built-in profile with the panel rules.
PROFILE = "panel-tor"
REFERRAL_RULE = "panel.referral"
MINUTES_RULE = "panel.minutes"
DOCUMENT_TYPE = "panel-minutes"
#: Seed 002: the Business Support Officer maintains the panel's records and uploads its minutes.
ALERT_RECIPIENT = "business_support"


class ReferralState(enum.StrEnum):
    """Where a child's referral to the panel stands."""

    RECEIVED = "received"
    RECEIVED_LATE = "received_late"
    AWAITED = "awaited"
    MISSING = "missing"
    UNKNOWN = "unknown"


class MinutesState(enum.StrEnum):
    """Where the minutes of a child's panel item stand on the child's record."""

    ON_RECORD = "on_record"
    ON_RECORD_LATE = "on_record_late"
    DUE = "due"
    OVERDUE = "overdue"
    UNKNOWN = "unknown"


@attrs.frozen(kw_only=True)
class PanelItem:
    """One child's item at one panel: the meeting, the rule's due date, the day it was met and its state."""

    child_id: str
    meeting_id: str
    panel_date: dt.date
    due_date: dt.date | None
    done_on: dt.date | None
    state: ReferralState | MinutesState
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (dates in ISO format)."""
        data = attrs.asdict(self)
        data["state"] = self.state.value
        for key in ("panel_date", "due_date", "done_on"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def panel_dates(records: Iterable[CaseRecord]) -> list[dt.date]:
    """Every date a tracking panel is recorded for (held or scheduled), in order."""
    return sorted({m.date for r in records for m in r.meetings if m.kind is MeetingKind.TRACKING_PANEL})


def next_panel(records: Iterable[CaseRecord], on_or_after: dt.date) -> dt.date | None:
    """The first tracking panel on or after ``on_or_after``, or None when none is recorded."""
    return next((day for day in panel_dates(records) if day >= on_or_after), None)


def _panel_meetings(records: Iterable[CaseRecord], day: dt.date | None) -> Iterable[tuple[CaseRecord, Meeting]]:
    for record in records:
        for meeting in record.meetings:
            if meeting.kind is MeetingKind.TRACKING_PANEL and (day is None or meeting.date == day):
                yield record, meeting


def _by_anchor(evaluation: Evaluation, rule: str) -> dict[tuple[str, dt.date], list[Obligation]]:
    found: dict[tuple[str, dt.date], list[Obligation]] = defaultdict(list)
    for obligation in evaluation.obligations:
        if obligation.rule == rule and obligation.anchor_date is not None:
            found[(obligation.child_id, obligation.anchor_date)].append(obligation)
    return found


def _rule_applies(evaluation: Evaluation, rule: str) -> None:
    if not any(r.id == rule for r in evaluation.profile.rules):
        raise ConfigError(
            f"profile {evaluation.profile.name}", f"has no rule {rule!r}: use {PROFILE!r} or a profile extending it"
        )


def _unknown_note(record: CaseRecord, evaluation: Evaluation, rule: str) -> str:
    assessed = [o for o in evaluation.obligations_for(record.child_id) if o.rule == rule]
    not_assessable = next((o for o in assessed if o.state is ObligationState.NOT_ASSESSABLE), None)
    if not_assessable is not None:
        return f"the rules cannot assess it: {not_assessable.note}"
    return "no deadline applies: the child is not looked after in a period of care covering the panel"


def referrals(records: Sequence[CaseRecord], evaluation: Evaluation, panel_date: dt.date) -> list[PanelItem]:
    """The referral of each child with a tracking-panel meeting on ``panel_date``: due date and state.

    ``missing`` means its due date has passed with no referral received; ``awaited``, not due yet.
    """
    _rule_applies(evaluation, REFERRAL_RULE)
    obligations = _by_anchor(evaluation, REFERRAL_RULE)
    items = []
    for record, meeting in _panel_meetings(records, panel_date):
        found = obligations.get((record.child_id, panel_date))
        if not found:
            items.append(
                _unknown(record, meeting, ReferralState.UNKNOWN, _unknown_note(record, evaluation, REFERRAL_RULE))
            )
            continue
        obligation = found.pop(0)
        if obligation.state is ObligationState.MET:
            state = ReferralState.RECEIVED
        elif obligation.state is ObligationState.MET_LATE:
            state = ReferralState.RECEIVED_LATE
        elif obligation.due_date is not None and obligation.due_date < evaluation.as_of:
            state = ReferralState.MISSING
        else:
            state = ReferralState.AWAITED
        items.append(_item(record, meeting, obligation, state))
    return sorted(items, key=lambda item: (item.state != ReferralState.MISSING, item.child_id))


def minutes(records: Sequence[CaseRecord], evaluation: Evaluation, panel_date: dt.date | None) -> list[PanelItem]:
    """The minutes of each child's tracking-panel item held by ``as_of``: due date and state.

    With ``panel_date``, every item of that panel; without, every item whose minutes are not on the record.
    """
    _rule_applies(evaluation, MINUTES_RULE)
    obligations = _by_anchor(evaluation, MINUTES_RULE)
    items = []
    for record, meeting in _panel_meetings(records, panel_date):
        if meeting.date > evaluation.as_of:
            continue
        found = obligations.get((record.child_id, meeting.date))
        if not found:
            if panel_date is not None:
                note = _unknown_note(record, evaluation, MINUTES_RULE)
                items.append(_unknown(record, meeting, MinutesState.UNKNOWN, note))
            continue
        obligation = found.pop(0)
        if obligation.state is ObligationState.MET:
            state = MinutesState.ON_RECORD
        elif obligation.state is ObligationState.MET_LATE:
            state = MinutesState.ON_RECORD_LATE
        else:
            overdue = obligation.due_date is not None and obligation.due_date < evaluation.as_of
            state = MinutesState.OVERDUE if overdue else MinutesState.DUE
        if panel_date is None and state not in (MinutesState.DUE, MinutesState.OVERDUE):
            continue
        items.append(_item(record, meeting, obligation, state))
    return sorted(items, key=lambda item: (item.panel_date, item.child_id, item.meeting_id))


def _item(
    record: CaseRecord, meeting: Meeting, obligation: Obligation, state: ReferralState | MinutesState
) -> PanelItem:
    return PanelItem(
        child_id=record.child_id,
        meeting_id=meeting.meeting_id,
        panel_date=meeting.date,
        due_date=obligation.due_date,
        done_on=obligation.met_on,
        state=state,
    )


def _unknown(record: CaseRecord, meeting: Meeting, state: ReferralState | MinutesState, note: str) -> PanelItem:
    return PanelItem(
        child_id=record.child_id,
        meeting_id=meeting.meeting_id,
        panel_date=meeting.date,
        due_date=None,
        done_on=None,
        state=state,
        note=note,
    )


def minutes_document(
    item: PanelItem,
    records: Mapping[str, CaseRecord],
    fmt: OutputFormat = OutputFormat.DOCX,
    templates: Mapping[str, Path] | None = None,
) -> DocumentUpload:
    """The minutes of ``item``'s meeting for the child's record, dated the panel day.

    Dating them the panel day (not the day they are written) gives the same bytes on every run, so a
    rerun's upload is a duplicate of the first, not a second copy on the child's record.
    """
    record = records[item.child_id]
    meeting = next(m for m in record.meetings if m.meeting_id == item.meeting_id)
    layout = meeting_record(
        MeetingKind.TRACKING_PANEL, item.child_id, records, meeting=meeting, generated_on=item.panel_date
    )
    content = render(
        layout, fmt, generated_on=item.panel_date, templates=templates, context={"record": record, "meeting": meeting}
    )
    return DocumentUpload(
        child_id=item.child_id,
        document_type=DOCUMENT_TYPE,
        filename=f"{DOCUMENT_TYPE}-{item.meeting_id}.{fmt.value}",
        content=content,
        title=f"Permanence panel minutes {item.panel_date.isoformat()}",
    )


def overdue_alerts(evaluation: Evaluation, items: Iterable[PanelItem]) -> list[Alert]:
    """The engine's overdue ``panel.minutes`` alerts for these items."""
    wanted = {(item.child_id, item.panel_date) for item in items if item.state is MinutesState.OVERDUE}
    return [
        alert
        for alert in evaluation.alerts
        if alert.rule == MINUTES_RULE
        and alert.status is AlertStatus.OVERDUE
        and (alert.child_id, alert.anchor_date) in wanted
    ]


def to_work_tray(change: AlertChange) -> WorkTrayAlert | None:
    """An overdue-minutes alert for business support; a resolution is recorded, not sent."""
    if change.alert is None:
        return None
    alert = change.alert
    return WorkTrayAlert(
        child_id=alert.child_id,
        recipient_role=ALERT_RECIPIENT,
        title=f"Panel minutes of {alert.anchor_date.isoformat()} not on the record (overdue)",
        body=f"{alert.message}\nSource: {alert.source}",
        due_date=alert.due_date,
    )


def receipt_dict(receipt: Receipt | None) -> dict[str, Any] | None:
    """A delivery receipt as JSON (status, where it went)."""
    if receipt is None:
        return None
    return {
        "status": receipt.status.value,
        "location": receipt.location,
        "external_id": receipt.external_id,
        "detail": receipt.detail,
    }
