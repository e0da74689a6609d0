"""Tolerant description matching: case, spacing, punctuation and bracketed suffixes set aside; misses explained."""

from __future__ import annotations

import pytest

from permanence_core import codes
from permanence_core.adapters.descriptions import DescriptionMap, description_key


def test_the_key_sets_aside_case_punctuation_spacing_and_brackets() -> None:
    assert description_key("  Emergency Protection-Order (EPO). ") == "emergency protection order"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("E11", "E11"),
        ("e4a - returned home as part of the care plan", "E4A"),
        ("Adopted - application for an adoption order unopposed", "E11"),
        ("Special guardianship order made to former foster carer(s), who was/are a relative(s) or friend(s)", "E45"),
        ("Residence order or child arrangements order granted.", "E41"),
        ("Moved abroad", None),
    ],
)
def test_reasons_episode_ceased(text: str, code: str | None) -> None:
    assert DescriptionMap(codes.REASON_EPISODE_CEASED).code(text) == code


def test_the_councils_own_wording_wins() -> None:
    descriptions = DescriptionMap(codes.LEGAL_STATUS, {"S20 voluntary": "V2"})

    assert descriptions.code("s20 VOLUNTARY") == "V2"


def test_a_miss_names_the_nearest_known_wording_and_the_setting() -> None:
    descriptions = DescriptionMap(codes.LEGAL_STATUS)

    assert descriptions.unmatched("Full care ordr", "legal_status_map") == (
        "is not a known legal status description; nearest: 'Full care order' (C2); add it to legal_status_map"
    )
    assert descriptions.nearest("xyzzy") is None
