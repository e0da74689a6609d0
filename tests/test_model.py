"""The permanence model: validation names the field and the value; derived views answer questions by date."""

import datetime as dt

import attrs
import pytest

from permanence_core.errors import ModelValueError
from permanence_core.model import (
    Action,
    CareProceedings,
    CaseRecord,
    Child,
    Episode,
    Extension,
    Hearing,
    Identifiers,
    LegalStatusSpell,
    Meeting,
    PeriodOfCare,
    PermanencePlan,
    PlanStatus,
    StatusChange,
    nhs_number_is_valid,
)

D = dt.date


def child(case_id="C1"):
    return Child(identifiers=Identifiers(case_id=case_id))


@pytest.mark.parametrize("number", ["9434765919", "4010232137", "0000000000"])
def test_valid_nhs_numbers(number):
    assert nhs_number_is_valid(number)


@pytest.mark.parametrize("number", ["9434765918", "943476591", "94347659190", "ABCDEFGHIJ", "1000000010"])
def test_invalid_nhs_numbers(number):
    assert not nhs_number_is_valid(number)


def test_nhs_number_spaces_are_normalised():
    assert Identifiers(case_id="C1", nhs_number="943 476 5919").nhs_number == "9434765919"


@pytest.mark.parametrize(
    ("build", "field", "value"),
    [
        (lambda: Identifiers(case_id=" "), "case_id", " "),
        (lambda: Identifiers(case_id="C1", nhs_number="9434765918"), "nhs_number", "9434765918"),
        (lambda: Identifiers(case_id="C1", upn="short"), "upn", "short"),
        (lambda: Episode(start=D(2025, 1, 1), legal_status="Q9"), "legal_status", "Q9"),
        (lambda: Episode(start=D(2025, 1, 1), placement="U9"), "placement", "U9"),
        (lambda: Episode(start=D(2025, 1, 2), end=D(2025, 1, 1)), "end", D(2025, 1, 1)),
        (lambda: PermanencePlan(primary="elsewhere"), "primary", "elsewhere"),
        (lambda: PermanencePlan(primary="adoption", contingencies=["moon"]), "contingencies", "moon"),
        (lambda: PermanencePlan(primary="adoption", annex_a_codes=["NOPE"]), "annex_a_codes", "NOPE"),
        (lambda: Extension(granted_on=D(2025, 1, 1), weeks=9), "weeks", 9),
        (lambda: Action(action_id="a1", description=""), "description", ""),
    ],
)
def test_invalid_values_name_the_field_and_the_value(build, field, value):
    with pytest.raises(ModelValueError) as caught:
        build()
    assert caught.value.field == field
    assert caught.value.value == value
    assert field in str(caught.value)


def test_a_datetime_is_not_a_date():
    with pytest.raises(ModelValueError, match="start"):
        Episode(start=dt.datetime(2025, 1, 1, 9, 0))


def test_model_is_frozen_and_changes_through_evolve():
    plan = PermanencePlan(primary="adoption")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        plan.primary = "return_to_family"
    assert attrs.evolve(plan, primary="return_to_family").primary == "return_to_family"


def test_plan_status_over_time():
    plan = PermanencePlan(
        primary="adoption",
        contingencies=["long_term_fostering"],
        decided_on=D(2025, 3, 1),
        history=[
            StatusChange(status="agreed", date=D(2025, 3, 1)),
            StatusChange(status="ratified", date=D(2025, 5, 2)),
        ],
    )
    assert plan.status is PlanStatus.RATIFIED
    assert plan.status_on(D(2025, 4, 1)) is PlanStatus.AGREED
    assert plan.status_on(D(2025, 2, 1)) is None


def test_record_sorts_histories_and_answers_by_date():
    record = CaseRecord(
        child=child(),
        periods_of_care=[
            PeriodOfCare(start=D(2025, 6, 1)),
            PeriodOfCare(start=D(2024, 1, 1), end=D(2024, 5, 1), reason_ceased="E4A"),
            PeriodOfCare(start=D(2024, 7, 1), end=D(2024, 7, 3), short_break=True),
        ],
        legal_statuses=[
            LegalStatusSpell(code="C2", start=D(2025, 9, 1)),
            LegalStatusSpell(code="C1", start=D(2025, 6, 1), end=D(2025, 9, 1)),
        ],
        plans=[
            PermanencePlan(primary="adoption", decided_on=D(2025, 9, 1)),
            PermanencePlan(primary="return_to_family", decided_on=D(2025, 7, 1)),
        ],
    )
    assert [p.start for p in record.periods_of_care] == [D(2024, 1, 1), D(2024, 7, 1), D(2025, 6, 1)]
    assert record.periods_of_care[0].outcome == "return_to_family"
    assert record.period_on(D(2024, 7, 2)) is None  # short breaks are not periods of care for the rules
    assert record.period_on(D(2025, 7, 1)).start == D(2025, 6, 1)
    assert record.latest_period(D(2025, 1, 1)).start == D(2024, 1, 1)
    assert record.legal_status_on(D(2025, 8, 1)) == "C1"
    assert record.legal_status_on(D(2025, 10, 1)) == "C2"
    assert record.current_plan.primary == "adoption"


def test_a_meeting_filed_on_a_record_must_include_its_child():
    meeting = Meeting(meeting_id="M1", kind="ppm", date=D(2025, 2, 1), children=["C2"])
    with pytest.raises(ModelValueError, match="meetings"):
        CaseRecord(child=child("C1"), meetings=[meeting])


def test_proceedings_first_cmh_and_extensions():
    proceedings = CareProceedings(
        issue_date=D(2026, 1, 5),
        hearings=[Hearing(date=D(2026, 2, 1), kind="irh"), Hearing(date=D(2026, 1, 16), kind="cmh")],
        extensions=[
            Extension(granted_on=D(2026, 6, 1), weeks=8),
            Extension(granted_on=D(2026, 8, 1), weeks=4),
        ],
    )
    assert proceedings.first_cmh == D(2026, 1, 16)
    assert proceedings.extension_weeks == 12
    assert proceedings.is_live_on(D(2026, 3, 1))


def test_overdue_action():
    action = Action(action_id="a1", description="Viability assessment of aunt", due_date=D(2025, 3, 1))
    assert action.is_overdue_on(D(2025, 3, 2))
    assert not action.is_overdue_on(D(2025, 3, 1))
    assert not attrs.evolve(action, completed_on=D(2025, 3, 5)).is_overdue_on(D(2025, 4, 1))
