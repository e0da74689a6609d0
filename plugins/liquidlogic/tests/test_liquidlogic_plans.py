"""Permanence plans from the care plan form's CPFUP answers, ratified at reviews and agreed by FACT_CARE_PLANS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permanence_core import codes
from permanence_core.model import Facet, PlanStatus
from permanence_core.plugins.manager import Plugins

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]


def _record(built: tuple[str, Mapping[str, Any]], child_id: str = "201"):
    result = Plugins().load("liquidlogic", *built)
    return next(r for r in result.records if r.child_id == child_id), result


def test_a_form_is_a_plan_with_its_primary_and_contingency(warehouse: Warehouse) -> None:
    record, result = _record(warehouse())

    first, _second = record.plans
    assert (first.plan_id, first.primary, first.contingencies) == ("71", "return_to_family", ("long_term_fostering",))
    assert first.annex_a_codes == ("RETURNEV", "LTFOST18")
    assert first.decided_on == dt.date(2022, 11, 14)
    assert not result.rejected


def test_a_plan_on_a_review_outcome_form_is_ratified_at_that_review(warehouse: Warehouse) -> None:
    record, _ = _record(warehouse())

    first, second = record.plans
    assert first.ratified_at_review is None
    assert second.ratified_at_review == dt.date(2022, 12, 20)
    assert record.current_plan.status is PlanStatus.RATIFIED


def test_a_repeated_review_subject_row_does_not_hide_the_outcome_form(warehouse: Warehouse, rows) -> None:
    record, result = _record(warehouse(subjects=[(92, 201, None), *rows["subjects"]]))

    assert record.plans[1].ratified_at_review == dt.date(2022, 12, 20)
    assert not result.rejected


def test_the_first_agreed_care_plan_after_a_form_marks_it_agreed(warehouse: Warehouse) -> None:
    care_plans = [(61, 201, "2022-11-20", None, "D"), (62, 201, "2022-11-25", None, "A")]

    record, _ = _record(warehouse(care_plans=care_plans))

    first = record.plans[0]
    assert [(c.status, c.date) for c in first.history] == [(PlanStatus.AGREED, dt.date(2022, 11, 25))]
    assert first.status_on(dt.date(2022, 11, 24)) is PlanStatus.PROPOSED


def test_without_a_primary_the_first_ticked_plan_in_map_order_is_primary(warehouse: Warehouse) -> None:
    answers = [
        (801, 71, "CPFUP9", "Yes", "2022-11-14", "Care Plan"),
        (802, 71, "CPFUP6", "y", "2022-11-14", "Care Plan"),
    ]

    record, _ = _record(warehouse(answers=answers))

    [plan] = record.plans
    assert (plan.primary, plan.contingencies, plan.annex_a_codes) == (
        "long_term_fostering",
        ("adoption",),
        ("LTFOST18", "ADOPTION"),
    )


def test_a_form_answered_no_throughout_is_no_plan(warehouse: Warehouse) -> None:
    answers = [(801, 71, "CPFUP9", "N", "2022-11-14", "Care Plan"), (802, 71, "CPFUP6", None, None, "Care Plan")]

    record, result = _record(warehouse(answers=answers))

    assert record.plans == ()
    assert Facet.PLANS in record.coverage
    assert not result.rejected


def test_an_unreadable_answer_is_rejected_without_repeating_its_text(warehouse: Warehouse, rows) -> None:
    free_text = "Mum is doing better; maybe home by summer"
    answers = [*rows["answers"], (705, 71, "CPFUP1", free_text, "2022-11-14", "Care Plan")]

    record, result = _record(warehouse(answers=answers))

    [rejection] = result.rejected
    assert (rejection.source, rejection.field, rejection.child_id) == (
        "FACT_FORM_ANSWERS FACT_FORM_ANSWER_ID=705",
        "ANSWER",
        "201",
    )
    assert free_text not in str(rejection) and rejection.value is None
    assert f"{len(free_text)} characters" in rejection.reason
    assert record.plans[0].annex_a_codes == ("RETURNEV", "LTFOST18")


def test_a_question_answered_twice_on_one_form_keeps_the_first(warehouse: Warehouse, rows) -> None:
    answers = [*rows["answers"], (706, 71, "CPFUP4", "N", "2022-11-14", "Care Plan")]

    record, result = _record(warehouse(answers=answers))

    [rejection] = result.rejected
    assert rejection.field == "ANSWER_NO"
    assert "FACT_FORM_ANSWER_ID=701" in rejection.reason
    assert record.plans[0].primary == "return_to_family"


def test_an_answer_whose_form_is_missing_is_rejected(warehouse: Warehouse, rows) -> None:
    answers = [*rows["answers"], (707, 79, "CPFUP9", "Y", "2022-11-14", "Care Plan")]

    _, result = _record(warehouse(answers=answers))

    [rejection] = result.rejected
    assert (rejection.source, rejection.field) == ("FACT_FORM_ANSWERS FACT_FORM_ANSWER_ID=707", "DIM_PERSON_ID")


def test_only_the_configured_templates_are_read(warehouse: Warehouse) -> None:
    record, _ = _record(warehouse(settings='permanence_form_templates = ["Care Pl"]\n'))

    assert [plan.plan_id for plan in record.plans] == ["71"]


def test_a_council_maps_its_own_questions(warehouse: Warehouse) -> None:
    answers = [(801, 71, "PERM_ADOPT", "Primary", "2022-11-14", "Care Plan")]

    record, result = _record(warehouse(answers=answers, settings='answer_map = { PERM_ADOPT = "ADOPTION" }\n'))

    assert [(p.primary, p.annex_a_codes) for p in record.plans] == [("adoption", ("ADOPTION",))]
    assert not result.rejected


def test_a_bad_answer_date_is_rejected_and_the_form_still_reads(warehouse: Warehouse, rows) -> None:
    answers = [*rows["answers"][:3], (704, 72, "CPFUP4", "Y", "20/12/2022", "CLA Review Outcome")]

    record, result = _record(warehouse(answers=answers))

    [rejection] = result.rejected
    assert (rejection.field, rejection.value) == ("ANSWERED_DTTM", "20/12/2022")
    assert [plan.plan_id for plan in record.plans] == ["71"]


def test_without_the_form_tables_plans_are_not_covered(warehouse: Warehouse) -> None:
    record, result = _record(warehouse(omit=("FACT_FORMS",)))

    assert Facet.PLANS not in record.coverage
    assert record.plans == ()
    assert any("FACT_FORMS" in notice for notice in result.notices)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.lists(
        st.tuples(
            st.sampled_from([701, 702, 703, None]),
            st.sampled_from([71, 72, 79, None]),
            st.sampled_from(["CPFUP1", "CPFUP6", "CPFUP9", "OTHER"]),
            st.sampled_from(["Y", "n", "Primary", "contingency", "see notes", "", None]),
            st.sampled_from(["2022-11-14", "2022-12-20 15:00:00", "14/11/2022", None]),
            st.just("Care Plan"),
        ),
        max_size=8,
    )
)
def test_any_mix_of_answers_loads_or_is_rejected_and_every_plan_is_coherent(warehouse: Warehouse, answers) -> None:
    result = Plugins().load("liquidlogic", *warehouse(answers=answers))

    assert sorted(record.child_id for record in result.records) == ["201", "202"]
    assert all(r.field and r.reason and r.row for r in result.rejected)
    assert all(r.source.startswith("FACT_FORM_ANSWERS") for r in result.rejected)
    for plan in (plan for record in result.records for plan in record.plans):
        assert plan.plan_id in {"71", "72"}
        assert plan.annex_a_codes and plan.primary == codes.ANNEX_A_PLAN.attribute(plan.annex_a_codes[0], "route")
        assert plan.primary not in plan.contingencies
