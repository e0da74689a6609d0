"""An identifier's value is masked to its last 3 characters once, however often a rejection is re-made."""

from __future__ import annotations

import attrs
import pytest

from permanence_core.adapters.base import Rejection
from permanence_core.privacy import mask, shown


@pytest.mark.parametrize(
    ("value", "masked"),
    [("B123456789012", "***012"), (" B123456789012 ", "***012"), ("1234567", "***567"), ("123456", "***"), ("", "***")],
)
def test_an_identifier_shows_its_last_three_characters_when_long_enough(value: str, masked: str) -> None:
    assert mask(value) == masked


@pytest.mark.parametrize("value", ["B123456789012", "1234567", "123456", "AB", ""])
def test_masking_a_masked_value_changes_nothing(value: str) -> None:
    assert mask(mask(value)) == mask(value)


def test_only_identifying_fields_are_masked() -> None:
    assert (shown("UPN", "B123456789012"), shown("LEGAL_STATUS", "B123456789012")) == ("***012", "B123456789012")


def test_a_rejection_re_made_with_evolve_keeps_its_last_three_characters() -> None:
    rejection = Rejection(source="DIM_PERSON", reason="not a UPN", child_id="201", field="UPN", value="B12345678901X")

    renamed = attrs.evolve(rejection, child_id="L201")

    assert (rejection.value, renamed.value) == ("***01X", "***01X")
    assert "UPN='***01X'" in str(renamed)


def test_a_rejection_given_a_new_value_masks_it() -> None:
    rejection = Rejection(source="DIM_PERSON", reason="is not a UPN", field="UPN", value="B12345678901X")

    assert attrs.evolve(rejection, value="C98765432109Y").value == "***09Y"
