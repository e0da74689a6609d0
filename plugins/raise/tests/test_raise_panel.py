"""Seed 002's panel workflow from the panel-tor rules: referrals due before a panel, minutes after it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from permanence_core import api
from permanence_core.documents import CompletedRecord, OutputFormat, read_form
from permanence_core.errors import ConfigError
from permanence_core.tracker.panel import deadlines as panel
from permanence_core.tracker.panel.deadlines import MinutesState, ReferralState

PANEL = dt.date(2025, 4, 24)


def _evaluate(root: Path, as_of: dt.date, profile: str = panel.PROFILE):
    records = api.load("raise", str(root)).records
    return records, api.evaluate(records, profile=profile, as_of=as_of)


def _states(items: list[panel.PanelItem]) -> dict[tuple[str, str], tuple[object, ...]]:
    return {(i.child_id, i.meeting_id): (i.state, i.due_date, i.done_on) for i in items}


def test_referrals_due_three_days_before_the_panel_received_or_missing(panel_inbox: Path) -> None:
    records, evaluation = _evaluate(panel_inbox, dt.date(2025, 4, 22))

    items = panel.referrals(records, evaluation, PANEL)

    due = dt.date(2025, 4, 21)
    assert _states(items) == {
        ("P1", "PAN-0424-P1"): (ReferralState.RECEIVED, due, dt.date(2025, 4, 17)),
        ("P2", "PAN-0424-P2"): (ReferralState.MISSING, due, None),
        ("P3", "PAN-0424-P3"): (ReferralState.MISSING, due, None),
        ("P4", "PAN-0424-P4"): (ReferralState.UNKNOWN, None, None),
    }
    assert [i.child_id for i in items][:2] == ["P2", "P3"], "missing referrals come first"
    assert "not looked after" in next(i for i in items if i.child_id == "P4").note


def test_a_referral_not_yet_due_is_awaited_and_a_late_one_is_marked_late(panel_inbox: Path) -> None:
    early = panel.referrals(*_evaluate(panel_inbox, dt.date(2025, 4, 18)), PANEL)
    on_the_day = panel.referrals(*_evaluate(panel_inbox, PANEL), PANEL)

    assert {i.child_id: i.state for i in early}["P3"] is ReferralState.AWAITED
    assert {i.child_id: i.state for i in on_the_day}["P2"] is ReferralState.RECEIVED_LATE


def test_the_next_panel_is_the_first_recorded_on_or_after_a_day(panel_inbox: Path) -> None:
    records, _ = _evaluate(panel_inbox, PANEL)

    assert panel.panel_dates(records) == [dt.date(2025, 3, 27), PANEL, dt.date(2025, 5, 22)]
    assert panel.next_panel(records, dt.date(2025, 4, 1)) == PANEL
    assert panel.next_panel(records, dt.date(2025, 6, 1)) is None


def test_minutes_of_a_panel_due_three_working_days_after_it(panel_inbox: Path) -> None:
    records, evaluation = _evaluate(panel_inbox, dt.date(2025, 4, 30))

    items = panel.minutes(records, evaluation, PANEL)

    due = dt.date(2025, 4, 29)
    assert _states(items) == {
        ("P1", "PAN-0424-P1"): (MinutesState.ON_RECORD, due, dt.date(2025, 4, 28)),
        ("P2", "PAN-0424-P2"): (MinutesState.OVERDUE, due, None),
        ("P3", "PAN-0424-P3"): (MinutesState.OVERDUE, due, None),
        ("P4", "PAN-0424-P4"): (MinutesState.UNKNOWN, None, None),
    }


def test_minutes_inside_their_three_working_days_are_due_not_overdue(panel_inbox: Path) -> None:
    items = panel.minutes(*_evaluate(panel_inbox, dt.date(2025, 4, 29)), PANEL)

    assert {i.child_id: i.state for i in items}["P3"] is MinutesState.DUE


def test_without_a_panel_date_every_held_panel_with_minutes_outstanding(panel_inbox: Path) -> None:
    records, evaluation = _evaluate(panel_inbox, dt.date(2025, 4, 30))

    items = panel.minutes(records, evaluation, None)

    assert [(i.child_id, i.meeting_id, i.state, i.due_date) for i in items] == [
        ("P2", "PAN-0327-P2", MinutesState.OVERDUE, dt.date(2025, 4, 1)),
        ("P2", "PAN-0424-P2", MinutesState.OVERDUE, dt.date(2025, 4, 29)),
        ("P3", "PAN-0424-P3", MinutesState.OVERDUE, dt.date(2025, 4, 29)),
    ]


def test_the_minutes_document_is_the_record_of_that_childs_meeting(panel_inbox: Path) -> None:
    records, evaluation = _evaluate(panel_inbox, dt.date(2025, 4, 30))
    item = next(i for i in panel.minutes(records, evaluation, PANEL) if i.child_id == "P2")
    known = {r.child_id: r for r in records}

    document = panel.minutes_document(item, known)
    again = panel.minutes_document(item, known)

    assert (document.child_id, document.document_type) == ("P2", "panel-minutes")
    assert document.filename == "panel-minutes-PAN-0424-P2.docx"
    assert "Bryn" not in document.title
    assert again.content == document.content and again.idempotency_key == document.idempotency_key
    completed = read_form(document.content, name="minutes")
    assert isinstance(completed, CompletedRecord)
    assert completed.meeting.meeting_id == "PAN-0424-P2"
    assert completed.meeting.date == PANEL
    assert [a.description for a in completed.meeting.actions] == ["Complete the matching report"]


def test_minutes_can_be_written_as_html(panel_inbox: Path) -> None:
    records, evaluation = _evaluate(panel_inbox, dt.date(2025, 4, 30))
    item = next(i for i in panel.minutes(records, evaluation, PANEL) if i.child_id == "P3")

    document = panel.minutes_document(item, {r.child_id: r for r in records}, OutputFormat.HTML)

    assert document.filename.endswith(".html")
    assert b"Permanence Planning Tracking Meeting record" in document.content


def test_overdue_minutes_become_work_tray_alerts_for_business_support(panel_inbox: Path) -> None:
    records, evaluation = _evaluate(panel_inbox, dt.date(2025, 4, 30))
    items = panel.minutes(records, evaluation, PANEL)

    alerts = panel.overdue_alerts(evaluation, items)

    assert sorted((a.child_id, a.due_date) for a in alerts) == [
        ("P2", dt.date(2025, 4, 29)),
        ("P3", dt.date(2025, 4, 29)),
    ]
    assert all(a.rule == "panel.minutes" for a in alerts)


def test_a_profile_without_the_panel_rules_is_refused(panel_inbox: Path) -> None:
    records, evaluation = _evaluate(panel_inbox, PANEL, profile="england")

    with pytest.raises(ConfigError, match=r"has no rule 'panel\.referral'"):
        panel.referrals(records, evaluation, PANEL)
    with pytest.raises(ConfigError, match=r"has no rule 'panel\.minutes'"):
        panel.minutes(records, evaluation, PANEL)
