"""The permanence pack's CSV files, merged with the return by child id."""

import datetime as dt
from pathlib import Path

import pytest

from permanence_core.adapters.pack import read_pack
from permanence_core.adapters.ssda903 import load
from permanence_core.errors import InputError
from permanence_core.model import Facet, HearingKind, MeetingKind, PlanStatus, SiblingPlan, WorkerRole

D = dt.date
DATA = Path(__file__).parent / "data" / "ssda903"
RETURN = {Facet.CARE, Facet.REVIEWS, Facet.ADOPTION}


# Per test, not per module: mutmut runs only the tests that call the mutated code (docs/mutation-testing.md).
@pytest.fixture
def loaded():
    return load(str(DATA / "basic"), {"pack": str(DATA / "pack")})


@pytest.fixture
def records(loaded):
    return {record.child_id: record for record in loaded.records}


def test_child_details_fill_the_return_record_and_the_return_keeps_its_own(records):
    amy = records["C001"]
    assert (amy.child.first_name, amy.child.surname, amy.child.identifiers.nhs_number) == (
        "Amy",
        "Example",
        "9434765919",
    )
    assert (amy.permanence_decision_date, amy.referral_date) == (D(2024, 2, 10), D(2024, 2, 1))
    assert amy.child.date_of_birth == D(2019, 3, 12) and amy.child.identifiers.upn == "A12345678901B"
    ben = records["C002"]
    assert ben.child.date_of_birth == D(2020, 7, 1)  # the return's, not the pack's 01/01/2001


def test_plans_with_contingencies_status_history_and_annex_a_route(records):
    [plan] = records["C001"].plans
    assert (plan.plan_id, plan.primary, plan.contingencies) == (
        "P1",
        "return_to_family",
        ("long_term_fostering", "adoption"),
    )
    assert (plan.decided_on, plan.ratified_at_review, plan.annex_a_codes) == (
        D(2024, 2, 20),
        D(2024, 4, 25),
        ("RETURN6M",),
    )
    assert [(c.status, c.date) for c in plan.history] == [
        (PlanStatus.PROPOSED, D(2024, 2, 20)),
        (PlanStatus.RATIFIED, D(2024, 4, 25)),
    ]
    [adoption_plan] = records["C002"].plans
    assert adoption_plan.primary == "adoption"  # from Annex A ADOPTION, primary_route left blank
    assert adoption_plan.decided_on == D(2022, 6, 15)  # dd/mm/YYYY accepted in the pack too


def test_meetings_with_attendees_apologies_and_actions_shared_by_siblings(records):
    ppm, panel = records["C001"].meetings
    assert (ppm.meeting_id, ppm.kind, ppm.date, ppm.children) == (
        "M1",
        MeetingKind.PPM,
        D(2024, 2, 15),
        ("C001", "C777"),
    )
    assert [(a.name, a.role) for a in ppm.present] == [
        ("Social Worker A", "social worker"),
        ("Team Manager", "team manager"),
    ]
    assert ppm.apologies == ("IRO B",)
    assert [(a.action_id, a.due_date, a.completed_on, a.depends_on) for a in ppm.actions] == [
        ("A1", D(2024, 3, 1), D(2024, 2, 28), ()),
        ("A2", D(2024, 3, 15), None, ("A1",)),
    ]
    assert ppm.minutes_issued_on == D(2024, 2, 19)
    assert panel.kind is MeetingKind.TRACKING_PANEL and panel.referral_received_on == D(2024, 3, 8)
    assert panel in records["C002"].meetings


def test_proceedings_with_hearings_and_extensions(records):
    [proceedings] = records["C001"].proceedings
    assert (proceedings.issue_date, proceedings.court_reference, proceedings.first_cmh) == (
        D(2024, 1, 8),
        "ZW24C00001",
        D(2024, 1, 19),
    )
    assert [h.kind for h in proceedings.hearings] == [HearingKind.CMH, HearingKind.IRH]
    assert proceedings.extension_weeks == 8
    [concluded] = records["C002"].proceedings
    assert (concluded.outcome, concluded.concluded_on, concluded.extensions) == ("placement order", D(2022, 9, 1), ())


def test_siblings_and_workers(records):
    [sibling] = records["C001"].siblings
    assert (sibling.child_id, sibling.in_concurrent_planning, sibling.plan) == ("C777", True, SiblingPlan.TOGETHER)
    assert [(w.worker_id, w.role) for w in records["C001"].workers] == [
        ("W1", WorkerRole.SOCIAL_WORKER),
        ("W2", WorkerRole.TEAM_MANAGER),
    ]
    assert [w.worker_id for w in records["C009"].workers] == ["SW18"]  # no pack workers: the return's SWEpisodes


def test_coverage_from_rows_from_coverage_csv_and_withheld_after_rejected_rows(records):
    assert records["C001"].coverage == RETURN | {
        Facet.PLANS,
        Facet.MEETINGS,
        Facet.PROCEEDINGS,
        Facet.SIBLINGS,
        Facet.WORKERS,
    }
    # C002's meeting M3, action repeat, extension, sibling and worker rows were rejected: only plans stand
    assert records["C002"].coverage == RETURN | {Facet.PLANS}
    # C003's children.csv row was rejected, so "plans,*" is withheld from it; "meetings,C003" is declared
    assert records["C003"].coverage == RETURN | {Facet.MEETINGS}
    # "plans,*" makes a child with no plan row known to have no plan
    assert Facet.PLANS in records["C006"].coverage and records["C006"].plans == ()
    assert records["C005"].coverage == {Facet.CARE, Facet.REVIEWS}  # its plan row was rejected


def test_every_bad_pack_row_is_rejected_with_its_location_child_column_value_and_reason(loaded):
    found = {
        (r.source, r.row, r.child_id, r.field, r.value, r.reason)
        for r in loaded.rejected
        if r.source.startswith("pack/")
    }
    assert found == {
        ("pack/children.csv", 4, "C099", "child_id", "C099", "is not a child in the SSDA903 return"),
        (
            "pack/children.csv",
            5,
            "C003",
            "nhs_number",
            "***890",  # an identifier is masked to its last 3 characters
            "is not a valid NHS number (10 digits, modulus-11 check)",
        ),
        ("pack/plans.csv", 4, "C005", "primary_route", "flying", "is not a valid permanence route code"),
        ("pack/plan_status.csv", 4, None, "plan_id", "P9", "is not a plan in plans.csv (or its row was rejected)"),
        (
            "pack/meetings.csv",
            4,
            "C002",
            "kind",
            "panel",
            "is not a meeting kind (ppm, tracking_panel, monitoring_group, plan_review)",
        ),
        ("pack/meetings.csv", 5, "C888", "children", "C888", "names no child in the SSDA903 return"),
        (
            "pack/attendees.csv",
            5,
            None,
            "meeting_id",
            "M3",
            "is not a meeting in meetings.csv (or its row was rejected)",
        ),
        ("pack/actions.csv", 5, "C002", "action_id", "A1", "repeats an action_id of this meeting"),
        ("pack/extensions.csv", 3, "C002", "weeks", "10", "must be a whole number of weeks from 1 to 8 (s.32(8))"),
        ("pack/siblings.csv", 3, "C002", "sibling_child_id", "", "is required when sibling_name is blank"),
        (
            "pack/workers.csv",
            4,
            "C002",
            "role",
            "wizard",
            "is not a worker role (social_worker, team_manager, service_manager, iro, family_finder, other)",
        ),
        (
            "pack/coverage.csv",
            4,
            None,
            "facet",
            "bogus",
            "is not a facet the pack supplies (meetings, plans, proceedings, siblings, workers)",
        ),
    }


def test_counts_per_pack_file_and_in_the_load_result(loaded):
    pack = read_pack(DATA / "pack", ["C001", "C002", "C003", "C004", "C005", "C006", "C009"])
    counts = {c.table: (c.read, c.loaded, c.rejected) for c in pack.tables}
    assert counts == {
        "children.csv": (4, 2, 2),
        "plans.csv": (3, 2, 1),
        "plan_status.csv": (3, 2, 1),
        "meetings.csv": (5, 3, 2),
        "attendees.csv": (4, 3, 1),
        "actions.csv": (4, 3, 1),
        "proceedings.csv": (2, 2, 0),
        "hearings.csv": (4, 4, 0),
        "extensions.csv": (2, 1, 1),
        "siblings.csv": (2, 1, 1),
        "workers.csv": (3, 2, 1),
        "coverage.csv": (3, 2, 1),
    }
    assert loaded.read == 36 + pack.read and len(loaded.rejected) == 8 + len(pack.rejected)
    assert "children.csv: read 4, loaded 2, rejected 2" in loaded.notices


def test_the_pack_folder_inside_the_source_is_found(tmp_path):
    source = tmp_path / "return"
    source.mkdir()
    (source / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\nK1,F,01/01/2015,WBRI\n")
    (source / "pack").mkdir()
    (source / "pack" / "children.csv").write_text("child_id,first_name\nK1,Kay\n")
    (source / "pack" / "notes.csv").write_text("a,b\n")
    result = load(str(source), {})
    assert result.records[0].child.first_name == "Kay"
    assert "pack/notes.csv: not a permanence pack file; ignored" in result.notices


def test_residential_aims_and_absent_columns(tmp_path):
    (tmp_path / "plans.csv").write_text(
        "child_id,plan_id,annex_a_codes,short_term_aim,long_term_aim\nK1,P1,RESPLMT,Settle,Independence\n"
    )
    pack = read_pack(tmp_path, ["K1"])
    [plan] = pack.records["K1"].plans
    assert (plan.primary, plan.residential_aims.short_term, plan.residential_aims.long_term) == (
        "residential",
        "Settle",
        "Independence",
    )
    assert any(n.startswith("pack/plans.csv: no column primary_route") for n in pack.notices)


def test_a_pack_that_does_not_exist_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="permanence pack"):
        load(str(DATA / "basic"), {"pack": str(tmp_path / "nowhere")})
