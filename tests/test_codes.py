"""Code lists: versioned placement types and sex codes, permanence outcomes, Annex A routes."""

import pytest

from permanence_core import codes


def test_placement_types_change_with_the_collection_year():
    assert {"H5", "P2", "Z1"} <= codes.PLACEMENT_TYPE.valid_in(2025)
    assert not {"H5", "P2", "Z1"} & codes.PLACEMENT_TYPE.valid_in(2026)
    assert "K3" not in codes.PLACEMENT_TYPE.valid_in(2024)
    assert "K3" in codes.PLACEMENT_TYPE.valid_in(2025)
    assert {"Z11", "Z12", "Z13", "Z14"} <= codes.PLACEMENT_TYPE.valid_in(2026)


def test_sex_codes_changed_in_2024_25():
    assert codes.SEX.valid_in(2024) == {"1", "2"}
    assert codes.SEX.valid_in(2025) == {"M", "F", "U"}


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        ("E11", "adoption"),
        ("E12", "adoption"),
        ("E41", "child_arrangements_order"),
        ("E45", "special_guardianship"),
        ("E48", "special_guardianship"),
        ("E4A", "return_to_family"),
        ("E4B", None),
        ("E13", None),
        ("X1", None),
        (None, None),
    ],
)
def test_permanence_outcome_of_reason_episode_ceased(reason, outcome):
    assert codes.permanence_outcome(reason) == outcome


def test_every_annex_a_code_maps_to_a_permanence_route():
    for code in codes.ANNEX_A_PLAN:
        assert codes.ANNEX_A_PLAN.attribute(code, "route") in codes.PERMANENCE_ROUTE


def test_meanings_are_data():
    assert codes.LEGAL_STATUS.meaning("E1") == "Placement order granted"
    with pytest.raises(KeyError, match="legal_status"):
        codes.LEGAL_STATUS.meaning("Q1")


def test_the_lists_the_issue_names_are_all_there():
    assert {
        "legal_status",
        "reason_new_episode",
        "placement_type",
        "reason_episode_ceased",
        "review_participation",
        "reversal_reason",
        "previous_permanence",
        "placement_provider",
        "reason_place_change",
        "category_of_need",
        "sex",
        "annex_a_plan",
    } <= set(codes.all_lists())
