"""Permanence plans from form answers: group forms, the latest form on a step, plan history, and messy answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from permanence_mosaic.config import load_config
from permanence_mosaic.reader import read

from permanence_core.model import PlanStatus

Warehouse = Callable[..., str]
D = dt.date


def _by_id(result):
    return {record.child_id: record for record in result.records}


def _history(plan):
    return [(change.status, change.date) for change in plan.history]


def test_a_group_form_answers_for_every_child_of_the_subgroup(warehouse: Warehouse, load) -> None:
    children = _by_id(load(warehouse()))

    for child_id in ("101", "103"):
        [plan] = children[child_id].plans
        assert (plan.primary, plan.contingencies) == ("adoption", ("long_term_fostering",))
        assert plan.annex_a_codes == ("ADOPTION",)
        # Decided on the decision-date answer; proposed at the PPM, ratified at the second review.
        assert plan.decided_on == D(2023, 3, 20)
        assert plan.ratified_at_review == D(2023, 6, 27)
        assert _history(plan) == [(PlanStatus.PROPOSED, D(2023, 4, 3)), (PlanStatus.RATIFIED, D(2023, 6, 27))]
        assert children[child_id].permanence_decision_date == D(2023, 3, 20)


def test_a_plan_achieved_by_an_order_or_by_leaving_care_in_its_route(warehouse: Warehouse, load) -> None:
    [plan] = _by_id(load(warehouse()))["102"].plans

    assert plan.primary == "special_guardianship"  # "SGO", mapped in [mosaic.plan_answers]
    assert plan.status is PlanStatus.ACHIEVED
    assert _history(plan)[-1] == (PlanStatus.ACHIEVED, D(2023, 1, 20))


def test_a_new_plan_replaces_the_old_one(warehouse: Warehouse, load, rows) -> None:
    steps = [*rows["steps"], (3008, 1234, 60, "COMPLETED", "2023-12-01", "2023-12-05", None, 17, 1)]
    answers = [*rows["answers"], (406, 3008, 1, "lac.perm.plan", "Return home to parents", None, 101, 60, 1)]
    non_la = [(9003, 101, "CAO", "2024-01-10", None)]

    amberly = _by_id(load(warehouse(steps=steps, answers=answers, non_la=non_la)))["101"]

    first, second = amberly.plans
    assert _history(first)[-1] == (PlanStatus.ABANDONED, D(2023, 12, 5))
    assert (second.primary, second.annex_a_codes, second.plan_id) == ("return_to_family", ("RETURNEV",), "3008")
    # A child arrangements order does not secure a return to family: the new plan stays ratified.
    assert second.status is PlanStatus.RATIFIED
    assert amberly.current_plan == second


def test_the_latest_form_on_a_step_answers_for_it(warehouse: Warehouse, load, rows) -> None:
    # Forms 9 and 10 on the second review: 10 is the later form although "10" < "9" as text.
    answers = [row for row in rows["answers"] if row[0] not in (402, 403)]
    answers += [
        (9, 3003, 1, "lac.perm.plan", "Long term foster care", None, -1, 60, 1),
        (10, 3003, 1, "lac.perm.plan", "Adoption", None, -1, 60, 1),
    ]

    children = _by_id(load(warehouse(answers=answers)))

    assert [plan.primary for plan in children["101"].plans] == ["adoption"]
    assert not [r for r in children["101"].plans if r.primary == "long_term_fostering"]


def test_the_mapping_names_the_question_when_the_answer_row_disagrees(warehouse: Warehouse, load, rows) -> None:
    # The answer row carries an old question code, but its mapping is the plan question.
    answers = [row for row in rows["answers"] if row[0] != 410]
    answers.append((410, 3010, 1, "old.plan.code", "SGO", None, 102, 61, 1))

    [plan] = _by_id(load(warehouse(answers=answers)))["102"].plans

    assert plan.primary == "special_guardianship"


def test_an_answer_naming_no_route_is_rejected_for_that_child_only(warehouse: Warehouse, config: Path, rows) -> None:
    answers = [row for row in rows["answers"] if row[0] != 403]
    answers.append((403, 3003, 1, "lac.perm.plan", "Kinship care", None, 103, 60, 1))
    url = warehouse(answers=answers)

    result = read(url, load_config({"config": str(config)}))

    [rejection] = result.rejected
    assert (rejection.source, rejection.child_id, rejection.field, rejection.value) == (
        "dm_cached_form_answers form_id=403, form_answer_row_id=1, mapping_id=1",
        "103",
        "text_answer",
        "Kinship care",
    )
    assert "map it in [mosaic.plan_answers]" in rejection.reason
    # Cassius keeps the plan the PPM recorded; Amberly is untouched.
    assert [p.ratified_at_review for p in _by_id(result)["103"].plans] == [None]
    assert _by_id(result)["101"].plans[0].ratified_at_review == D(2023, 6, 27)

    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[mosaic.plan_answers]", '[mosaic.plan_answers]\n"Kinship care" = "LTRELFR"'))
    mapped = read(url, load_config({"config": str(config)}))
    assert not mapped.rejected
    assert _by_id(mapped)["103"].current_plan.primary == "connected_person"


def test_messy_answers_are_reported(warehouse: Warehouse, load, rows) -> None:
    answers = [
        *rows["answers"],
        rows["answers"][0],  # the same answer twice
        (407, 3003, 2, "lac.perm.decision.date", None, "20/03/2023", -1, 60, 3),
        (408, 3003, 1, "lac.perm.plan", "Adoption", None, "abc", 60, 1),
        (None, 3003, 1, "lac.perm.plan", "Adoption", None, 101, 60, 1),
        (409, 3999, 1, "lac.perm.plan", "Adoption", None, 101, 60, 1),
    ]
    steps = [*rows["steps"], (3999, 1234, 60, "COMPLETED", "2023-12-01", "not a date", None, 17, 1)]

    result = load(warehouse(answers=answers, steps=steps))

    found = sorted((r.source, r.child_id, r.field, r.reason) for r in result.rejected)
    assert found == [
        ("dm_cached_form_answers", None, "form_id", "is empty"),
        ("dm_cached_form_answers form_id=401, form_answer_row_id=1, mapping_id=1", None, "form_answer_row_id",
         "duplicate row: the first answer was kept"),
        ("dm_cached_form_answers form_id=407, form_answer_row_id=2, mapping_id=3", "101", "date_answer",
         "is not a date"),
        ("dm_cached_form_answers form_id=407, form_answer_row_id=2, mapping_id=3", "103", "date_answer",
         "is not a date"),
        ("dm_cached_form_answers form_id=408, form_answer_row_id=1, mapping_id=1", None, "subject_person_id",
         "is not a person id"),
        ("dm_cached_form_answers form_id=409, form_answer_row_id=1, mapping_id=1", None, "workflow_step_id",
         "its workflow step was not loaded"),
        ("dm_workflow_steps workflow_step_id=3999", None, "started_on", "is not a date"),
    ]  # fmt: skip
    assert [p.primary for p in _by_id(result)["101"].plans] == ["adoption"]


def test_answers_about_the_parent_are_counted_not_read(warehouse: Warehouse, load, rows) -> None:
    answers = [*rows["answers"], (412, 3003, 1, "lac.perm.plan", "Adoption", None, 900, 60, 1)]

    result = load(warehouse(answers=answers))

    assert not result.rejected
    assert "1 answers in dm_cached_form_answers are about no looked-after child of their step" in result.notices


def test_a_plan_on_a_step_not_held_yet_is_counted_not_read(warehouse: Warehouse, load, rows) -> None:
    answers = [*rows["answers"], (411, 3005, 1, "lac.perm.plan", "Long term foster care", None, -1, 60, 1)]

    result = load(warehouse(answers=answers))

    assert "2 plan answers in dm_cached_form_answers are on steps not held yet and were not read" in result.notices
    assert [p.primary for p in _by_id(result)["101"].plans] == ["adoption"]


_subjects = st.sampled_from([101, 103, 900, 0, -1, None, 555])
_texts = st.sampled_from(["Adoption", "adoption", " Long term  foster care ", "Kinship", None, "", "SGO"])
_dates = st.sampled_from(["2023-03-20", "2023-03-20 00:00:00", None, "", "not a date"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.lists(
        st.tuples(
            st.sampled_from([401, 402, 403, None]),
            st.sampled_from([3001, 3002, 3003, 3004, 3005, None]),
            st.sampled_from([1, 2, None]),
            st.just("lac.perm.plan"),
            _texts,
            _dates,
            _subjects,
            st.just(60),
            st.sampled_from([1, 2, 3, 4, None]),
        ),
        max_size=8,
    )
)
def test_any_mix_of_answers_loads_every_child(warehouse: Warehouse, load, answers) -> None:
    result = load(warehouse(answers=answers))

    assert sorted(_by_id(result)) == ["101", "102", "103"]
    for rejection in result.rejected:
        assert rejection.source.startswith("dm_cached_form_answers")
        assert rejection.field and rejection.reason and rejection.row
    for record in result.records:
        assert all(plan.primary in ("adoption", "long_term_fostering", "special_guardianship") for plan in record.plans)
