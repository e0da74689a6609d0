"""The panel workflow in the ledger: schedule, agenda, outcomes, carry-forward, pack and minutes."""

import io
import threading

import docx
import pytest
from documents_helpers import WordUser
from ledger_helpers import BACKENDS, D, action, case, database, loaded, meeting, plan

from permanence_core import api
from permanence_core.documents import read_form, render
from permanence_core.documents.render import OutputFormat
from permanence_core.model import Action, Attendee
from permanence_core.tracker import agenda as agendas
from permanence_core.tracker import panel as panels
from permanence_core.tracker.agenda import Reason
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel import Decision, Outcome, PanelError
from permanence_core.tracker.sync import record_sync

REVIEWS = [D(2024, 2, 1), D(2024, 5, 1), D(2024, 10, 30)]
MARCH, APRIL, MAY = D(2025, 3, 13), D(2025, 4, 10), D(2025, 5, 8)


@pytest.fixture(params=BACKENDS)
def ledger_url(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def ledger(ledger_url):
    with Ledger(ledger_url) as opened:
        yield opened


def settled(child_id, *meetings, siblings=()):
    """A child in care since January 2024 with every review on time and a plan: nothing due by itself."""
    return case(
        child_id,
        reviews=REVIEWS,
        plans=[plan("adoption", decided=D(2024, 4, 1))],
        siblings=siblings,
        meetings=meetings or [meeting(f"TP-{child_id}", D(2025, 3, 3), (child_id,))],
    )


def cohort():
    """C1 new and due, C2 overdue, C3 with an overdue action, C4 its sibling, C5 settled, C6 left care."""
    return [
        case("C1", start=D(2025, 2, 24)),
        case("C2", start=D(2024, 12, 2)),
        settled(
            "C3",
            meeting("TP-C3", D(2025, 2, 10), ("C3",), action("1", due=D(2025, 3, 1)), action("2", due=D(2025, 5, 1))),
            siblings=["C4"],
        ),
        settled("C4", siblings=["C3"]),
        settled("C5"),
        case("C6", start=D(2024, 6, 3), end=D(2025, 1, 6)),
    ]


def synced(ledger, records=None):
    records = records if records is not None else cohort()
    record_sync(ledger, loaded(*records), adapter="memory", source="case system")
    return records


def agenda_of(ledger, panel, records):
    evaluation = api.evaluate(panels.with_panels(ledger, records), profile="england", as_of=panel.date)
    return agendas.build_agenda(ledger, panel, panels.with_panels(ledger, records), evaluation), evaluation


def kinds(agenda):
    return {entry.child_id: set(entry.kinds) for entry in agenda.entries}


def test_schedule_counts_working_days_around_easter(ledger):
    panel = panels.schedule(ledger, D(2025, 4, 22), chair="Chair Person")
    # Good Friday (18 April) and Easter Monday (21 April) are not working days.
    assert (panel.referral_deadline, panel.minutes_due) == (D(2025, 4, 15), D(2025, 4, 25))
    assert panels.find_panel(ledger, "2025-04-22") == panels.find_panel(ledger, "panel-2025-04-22") == panel
    with pytest.raises(PanelError, match=r"panel-2025-04-22.*already scheduled"):
        panels.schedule(ledger, D(2025, 4, 22))


def test_the_default_panel_is_the_next_one_or_the_last_one(ledger):
    march, april = panels.schedule(ledger, MARCH), panels.schedule(ledger, APRIL)
    assert panels.find_panel(ledger, today=D(2025, 3, 20)) == april
    assert panels.find_panel(ledger, today=D(2025, 3, 20), upcoming=False) == march
    with pytest.raises(PanelError, match="no panel is scheduled on or after 2025-04-11"):
        panels.find_panel(ledger, today=D(2025, 4, 11))
    with pytest.raises(PanelError, match=r"no such panel \(latest: panel-2025-03-13, panel-2025-04-10\)"):
        panels.find_panel(ledger, "2025-06-12")


def test_the_agenda_says_who_comes_and_why_with_siblings_together(ledger):
    records = synced(ledger)
    march = panels.schedule(ledger, MARCH)
    panels.schedule(ledger, APRIL)
    agenda, _evaluation = agenda_of(ledger, march, records)
    assert (agenda.since, agenda.until) == (D(2025, 2, 13), APRIL)
    found = kinds(agenda)
    assert found["C1"] == {Reason.DUE, Reason.NEW_ENTRANT}
    assert Reason.OVERDUE_OBLIGATION in found["C2"]
    assert found["C3"] == {Reason.OVERDUE_ACTIONS}
    assert found["C4"] == {Reason.SIBLING}
    assert "C5" not in found and "C6" not in found
    assert [(e.child_id, e.group) for e in agenda.entries][2:] == [("C3", "C3"), ("C4", "C3")]
    [c3] = [e for e in agenda.entries if e.child_id == "C3"]
    assert c3.reasons[0][1] == "1 overdue action, the oldest 12 days late (due 1 March 2025)"


def test_an_obligation_due_before_the_next_panel_is_on_the_agenda_before_its_warning_window(ledger):
    records = synced(ledger, [case("C2", start=D(2024, 12, 2))])
    agenda, evaluation = agenda_of(ledger, panels.schedule(ledger, MARCH), records)
    [entry] = agenda.entries
    assert (Reason.DUE, "Due 2 April 2025: Permanence plan in place by the second review") in entry.reasons
    assert not [a for a in evaluation.alerts if a.rule == "plan.by_second_review"]


def test_the_agenda_is_kept_and_recorded_children_stay_on_it(ledger):
    records = synced(ledger)
    march = panels.schedule(ledger, MARCH)
    agenda, _evaluation = agenda_of(ledger, march, records)
    assert agendas.save_agenda(ledger, agenda)
    assert [c.child_id for c in panels.panel_children(ledger, march)] == [e.child_id for e in agenda.entries]
    panels.record_outcome(ledger, march, Outcome(child_id="C5", decision="progressing", summary="Synthetic"))
    again, _evaluation = agenda_of(ledger, march, records)
    # The panel held in the ledger is now C5's tracking meeting on the panel date.
    assert (Reason.DUE, "Scheduled for this panel") in next(e for e in again.entries if e.child_id == "C5").reasons
    evaluation = api.evaluate(records, profile="england", as_of=MARCH)
    without_panels = agendas.build_agenda(ledger, march, records, evaluation)
    assert next(e for e in without_panels.entries if e.child_id == "C5").kinds == (Reason.DISCUSSED,)
    assert not agendas.save_agenda(ledger, again)


def test_recording_an_outcome_marks_actions_done_adds_new_ones_and_takes_attendance(ledger):
    synced(ledger)
    march = panels.schedule(ledger, MARCH)
    outcome = Outcome(
        child_id="C3",
        decision="approved",
        summary="Synthetic discussion",
        agreed_plan="Adoption",
        chair="Chair Person",
        present=[Attendee(name="Chair Person", role="Chair"), Attendee(name="Sam Worker", role="Social worker")],
        apologies=["Ira Reviewer", "Sam Worker"],
        completed={"1": D(2025, 3, 12)},
        actions=[
            Action(action_id="new1", description="Later-life letter", owner="Sam Worker", due_date=D(2025, 4, 1)),
            Action(action_id="new2", description="Matching report", due_date=D(2025, 4, 20), depends_on=["new1"]),
        ],
    )
    result = panels.record_outcome(ledger, march, outcome)
    assert (result.added, result.completed) == (("C3.1", "C3.2"), ("1",))
    assert panels.record_outcome(ledger, march, outcome).added == ()
    actions = {(a.meeting_id, a.action_id): a for a in ledger.actions(child_id="C3")}
    assert (actions[("TP-C3", "1")].status, actions[("TP-C3", "1")].completed_on) == ("done", D(2025, 3, 12))
    assert actions[("panel-2025-03-13", "C3.2")].depends_on == ("C3.1",)
    assert len(actions) == 4
    present, apologies = panels.attendees(ledger, march)
    assert [a.name for a in present] == ["Chair Person", "Sam Worker"]
    assert apologies == ("Ira Reviewer",)
    [c3] = [c for c in panels.panel_children(ledger, march) if c.child_id == "C3"]
    assert (c3.decision, c3.recorded) == (Decision.APPROVED, True)
    assert panels.find_panel(ledger, march.panel_id).status.value == "held"


def test_marking_an_action_that_is_not_open_is_refused_by_name(ledger):
    synced(ledger)
    march = panels.schedule(ledger, MARCH)
    with pytest.raises(
        PanelError, match=r"panel-2025-03-13, 9: is not an action of child C3 reviewed at this panel \(reviewed: 1, 2\)"
    ):
        panels.record_outcome(ledger, march, Outcome(child_id="C3", completed={"9": MARCH}))


def test_an_outcome_for_a_child_the_ledger_never_synced_is_refused(ledger):
    synced(ledger)
    march = panels.schedule(ledger, MARCH)
    with pytest.raises(PanelError, match=r"panel-2025-03-13, C99: is not a child the ledger knows"):
        panels.record_outcome(ledger, march, Outcome(child_id="C99", decision="progressing"))
    assert "C99" not in [child.child_id for child in panels.panel_children(ledger, march)]


def test_open_actions_are_carried_forward_once_and_drift_after_two_panels(ledger):
    records = synced(ledger)
    march, april, may = (panels.schedule(ledger, day) for day in (MARCH, APRIL, MAY))
    agendas.save_agenda(ledger, agenda_of(ledger, march, records)[0])
    panels.record_outcome(ledger, march, Outcome(child_id="C3", completed={"1": MARCH}))
    first = panels.carry_forward(ledger, march)
    assert first.to_panel == april
    assert [(c.child_id, c.from_action, c.action_id, c.times_carried) for c in first.carried] == [
        ("C3", "2", "C3.1", 1)
    ]
    assert panels.carry_forward(ledger, march).carried == ()
    assert panels.carry_forward(ledger, march).already == 1
    assert ledger.open_actions(APRIL)["C3"][0].action_id == "C3.1"
    april_agenda, _evaluation = agenda_of(ledger, april, records)
    assert Reason.CARRIED in kinds(april_agenda)["C3"]
    agendas.save_agenda(ledger, april_agenda)
    panels.carry_forward(ledger, april)
    may_agenda, _evaluation = agenda_of(ledger, may, records)
    c3 = next(e for e in may_agenda.entries if e.child_id == "C3")
    assert (Reason.DRIFT, "Drift: an action due 1 May 2025 carried through 2 panels") in c3.reasons


def test_a_cancelled_panel_is_skipped_and_a_held_one_cannot_be_cancelled(ledger):
    synced(ledger)
    march, april, may = (panels.schedule(ledger, day) for day in (MARCH, APRIL, MAY))
    assert panels.cancel(ledger, april).status.value == "cancelled"
    assert panels.neighbours(ledger, march) == (None, may)
    assert panels.find_panel(ledger, today=D(2025, 3, 20)) == may
    panels.record_outcome(ledger, march, Outcome(child_id="C5", summary="Synthetic"))
    with pytest.raises(PanelError, match="panel-2025-03-13: was held"):
        panels.cancel(ledger, march)


def test_an_outcome_without_a_decision_keeps_the_one_recorded(ledger):
    synced(ledger)
    march = panels.schedule(ledger, MARCH)
    panels.record_outcome(ledger, march, Outcome(child_id="C5", decision="approved"))
    panels.record_outcome(ledger, march, Outcome(child_id="C5", summary="Synthetic"))
    [c5] = panels.panel_children(ledger, march)
    assert (c5.decision, c5.summary) == (Decision.APPROVED, "Synthetic")


def test_carry_forward_needs_a_later_panel(ledger):
    synced(ledger)
    march = panels.schedule(ledger, MARCH)
    with pytest.raises(PanelError, match="schedule the next panel first"):
        panels.carry_forward(ledger, march)


def test_two_carry_forwards_at_once_copy_each_action_once(ledger_url):
    with Ledger(ledger_url) as ledger:
        records = synced(ledger)
        march = panels.schedule(ledger, MARCH)
        panels.schedule(ledger, APRIL)
        agendas.save_agenda(ledger, agenda_of(ledger, march, records)[0])
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        with Ledger(ledger_url) as own:
            barrier.wait()
            try:
                results.append(panels.carry_forward(own, march))
            except Exception as exc:  # collected: a thread's exception would otherwise be lost
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(r.carried) for r in results) == [0, 2]
    with Ledger(ledger_url) as ledger:
        assert [a.action_id for a in ledger.actions(meeting_id="panel-2025-04-10")] == ["C3.1", "C3.2"]


def test_a_secured_child_is_no_longer_tracked(ledger):
    records = synced(ledger)
    march, april = panels.schedule(ledger, MARCH), panels.schedule(ledger, APRIL)
    panels.record_outcome(ledger, march, Outcome(child_id="C2", decision="secured"))
    agenda, _evaluation = agenda_of(ledger, april, records)
    assert "C2" not in kinds(agenda)
    assert agenda.ended == ("C2",)


def test_a_panel_held_in_the_ledger_counts_as_the_childs_tracking_meeting(ledger):
    records = synced(ledger)
    march = panels.schedule(ledger, MARCH, chair="Chair Person")
    panels.record_outcome(
        ledger,
        march,
        Outcome(child_id="C5", actions=[Action(action_id="n", description="Synthetic", due_date=APRIL)]),
    )
    [c5] = [r for r in panels.with_panels(ledger, records) if r.child_id == "C5"]
    held = c5.meetings[-1]
    assert (held.meeting_id, held.kind.value, held.date, held.chair) == (
        "panel-2025-03-13",
        "tracking_panel",
        MARCH,
        "Chair Person",
    )
    assert [a.action_id for a in held.actions] == ["C5.1"]


def test_the_pack_follows_the_agenda_with_the_ledgers_open_actions(ledger):
    records = synced(ledger)
    march = panels.schedule(ledger, MARCH)
    agenda, evaluation = agenda_of(ledger, march, records)
    pack = agendas.agenda_pack(ledger, agenda, records, evaluation)
    assert [p.record.child_id for p in pack.pages] == ["C1", "C2", "C3", "C4"]
    c3 = pack.pages[2]
    assert [a.action.action_id for a in c3.open_actions] == ["1", "2"]
    reasons = {i.child_id: i.reasons for i in pack.agenda}
    assert reasons["C3"] == ("1 overdue action, the oldest 12 days late (due 1 March 2025)",)
    assert reasons["C4"] == ("Sibling of C3, planned together",)


def completed_draft(ledger, panel, records, child_id, *, done=(), new=(), date_text=None):
    """The child's draft record as the chair completes it in Word."""
    [draft] = panels.minutes(
        ledger, panel, {r.child_id: r for r in records}, generated_on=panel.date, children=[child_id]
    )
    assert not draft.final
    user = WordUser(render(draft.layout, OutputFormat.DOCX, generated_on=panel.date))
    user.type("4. Summary of discussion", "Synthetic discussion\nsecond line")
    user.type("5. Agreed Permanence Plan", "Adoption")
    user.type("PPTM Chair – print name", "Chair Person")
    if date_text:
        user.type("1. Date of Permanence Planning Tracking Meeting", date_text)
    user.fill_rows(user.table_with_header("Name", "Role/relationship to child"), [("Sam Worker", "Social worker")])
    tasks = user.table_with_header("No.", "Action required")
    for row in tasks.rows[1:]:
        if row.cells[0].text in done:
            row.cells[4].paragraphs[0].add_run(done[row.cells[0].text])
    user.fill_rows(tasks, new)
    return user.save()


def test_a_completed_draft_record_is_read_back_into_the_ledger(ledger, tmp_path):
    records = synced(ledger)
    march = panels.schedule(ledger, MARCH)
    agendas.save_agenda(ledger, agenda_of(ledger, march, records)[0])
    data = completed_draft(
        ledger,
        march,
        records,
        "C3",
        done={"1": "12/03/2025"},
        new=[("", "Synthetic new task", "Sam Worker", "2 weeks", "", "2")],
    )
    form = read_form(data, name="C3-draft.docx")
    outcome = panels.outcome_from_form(form, ledger, march)
    assert (outcome.child_id, outcome.summary, outcome.chair) == (
        "C3",
        "Synthetic discussion\nsecond line",
        "Chair Person",
    )
    assert dict(outcome.completed) == {"1": D(2025, 3, 12)}
    result = panels.record_outcome(ledger, march, outcome)
    [new] = [a for a in ledger.actions(meeting_id=march.panel_id) if a.action_id in result.added]
    assert (new.description, new.due_date, new.depends_on) == ("Synthetic new task", D(2025, 3, 27), ("2",))
    [final] = panels.minutes(ledger, march, {r.child_id: r for r in records}, generated_on=MARCH, children=["C3"])
    assert final.final
    minutes = read_form(render(final.layout, OutputFormat.DOCX, generated_on=MARCH), name="minutes.docx").meeting
    assert (minutes.meeting_id, minutes.summary, minutes.children) == (
        "panel-2025-03-13",
        "Synthetic discussion\nsecond line",
        ("C3", "C4"),
    )
    assert [(a.action_id, a.completed_on) for a in minutes.actions] == [
        ("1", D(2025, 3, 12)),
        ("2", None),
        (new.action_id, None),
    ]
    assert [p.name for p in minutes.present] == ["Sam Worker"]


def test_a_record_of_another_day_is_refused_naming_the_file(ledger):
    records = synced(ledger)
    march = panels.schedule(ledger, MARCH)
    agendas.save_agenda(ledger, agenda_of(ledger, march, records)[0])
    data = completed_draft(ledger, march, records, "C3", date_text="14/03/2025")
    with pytest.raises(
        PanelError, match=r"C3-draft.docx, 1. Date of meeting: is dated 2025-03-14, but panel-2025-03-13"
    ):
        panels.outcome_from_form(read_form(data, name="C3-draft.docx"), ledger, march)


def test_a_blank_draft_is_not_an_outcome(ledger):
    records = synced(ledger)
    march = panels.schedule(ledger, MARCH)
    agendas.save_agenda(ledger, agenda_of(ledger, march, records)[0])
    [draft] = panels.minutes(ledger, march, {r.child_id: r for r in records}, generated_on=MARCH, children=["C1"])
    data = render(draft.layout, OutputFormat.DOCX, generated_on=MARCH)
    assert docx.Document(io.BytesIO(data)).core_properties.identifier.startswith("permanence-core/form/")
    with pytest.raises(PanelError, match=r"blank\.docx: is not completed: no summary, agreed plan, attendance"):
        panels.outcome_from_form(read_form(data, name="blank.docx"), ledger, march)


def test_minutes_are_issued_once(ledger):
    synced(ledger)
    march = panels.schedule(ledger, MARCH)
    assert panels.minutes_issued(ledger, march, D(2025, 3, 17)).minutes_issued_on == D(2025, 3, 17)
    assert panels.minutes_issued(ledger, march, D(2025, 3, 20)).minutes_issued_on == D(2025, 3, 17)
