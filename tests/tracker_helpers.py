"""Builders for the tracker tests: a few explicit children, evaluated and turned into a tracker report."""

from rules_helpers import D, meeting, plan, proceedings, record

from permanence_core import api
from permanence_core.model import Action, LegalStatusSpell
from permanence_core.tracker.drift import DriftThresholds, assess_drift
from permanence_core.tracker.report import build_report

AS_OF = D(2026, 6, 1)


def action(action_id, due, done=None, description="Complete the assessment", owner="Social worker"):
    return Action(action_id=action_id, description=description, owner=owner, due_date=due, completed_on=done)


def in_proceedings(child_id="C1", **fields):
    """Looked after since 5 January 2026, in proceedings since 20 January, plan ratified at the second review.

    On AS_OF: day 147 in care, week 19 of proceedings, one action overdue (A2, due 1 May, done 10 June),
    last permanence activity the ratification on 28 April.
    """
    values = {
        "child_id": child_id,
        "legal_statuses": [
            LegalStatusSpell(code="V2", start=D(2026, 1, 5), end=D(2026, 2, 1)),
            LegalStatusSpell(code="C1", start=D(2026, 2, 1)),
        ],
        "reviews": [D(2026, 1, 30), D(2026, 4, 28)],
        "proceedings": [proceedings(D(2026, 1, 20), cmh=D(2026, 1, 30))],
        "plans": [
            plan(
                D(2026, 2, 10),
                primary="adoption",
                contingencies=["long_term_fostering"],
                ratified_at_review=D(2026, 4, 28),
            )
        ],
        "meetings": [
            meeting(
                "ppm",
                D(2026, 2, 10),
                meeting_id=f"PPM-{child_id}",
                actions=[
                    action(f"{child_id}-A1", D(2026, 3, 1), done=D(2026, 2, 20)),
                    action(f"{child_id}-A2", D(2026, 5, 1), done=D(2026, 6, 10)),
                    action(f"{child_id}-A3", D(2026, 7, 1)),
                ],
            ),
            meeting("tracking_panel", D(2026, 4, 15), meeting_id=f"TP1-{child_id}"),
            meeting("tracking_panel", D(2026, 6, 20), meeting_id=f"TP2-{child_id}"),
        ],
    }
    values.update(fields)
    return record(D(2026, 1, 5), **values)


def adopted(child_id="C2"):
    """Looked after from 1 January 2025 until adopted on 1 March 2026 (424 days)."""
    return record(
        D(2025, 1, 1),
        end=D(2026, 3, 1),
        reason_ceased="E11",
        child_id=child_id,
        plans=[plan(D(2025, 3, 1), primary="adoption", ratified_at_review=D(2025, 6, 1))],
        reviews=[D(2025, 1, 28), D(2025, 4, 25)],
    )


def bare(child_id="C3"):
    """A child known only from an SSDA903 return: care and reviews, no plans or meetings."""
    return record(D(2026, 1, 5), child_id=child_id, coverage=["care", "reviews"], reviews=[D(2026, 1, 30)])


def tracker(records, as_of=AS_OF, profile="england", rejected=(), thresholds=None):
    """The tracker report and drift report for ``records`` on ``as_of``."""
    evaluation = api.evaluate(records, profile=profile, as_of=as_of)
    report = build_report(records, evaluation, rejected)
    return report, assess_drift(report.rows, as_of, thresholds or DriftThresholds())


def row_of(report, child_id):
    return next(row for row in report.rows if row.child_id == child_id)
