"""Legal-status descriptions matched tolerantly, misses explained, rejections naming the child as alerts do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from permanence_core import api

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]

#: The DfE wordings (codes/ssda903.toml) as a warehouse might hold them: short, in capitals, with odd spacing.
WORDINGS = [
    ("Emergency protection order", "L2"),
    ("EMERGENCY PROTECTION ORDER (EPO)", "L2"),
    ("Single period of accommodation under section 20", "V2"),
    ("Single period of accommodation under section 20 (Children Act 1989)", "V2"),
    ("single  period of accommodation under section-20", "V2"),
    ("Accommodated under an agreed series of short-term breaks, when individual episodes of care are recorded", "V3"),
    ("Interim Care Order.", "C1"),
]


@pytest.mark.parametrize(("description", "code"), WORDINGS)
def test_dfe_wordings_match_with_or_without_their_bracketed_suffix(
    warehouse: Warehouse, rows: dict[str, list[tuple]], description: str, code: str
) -> None:
    legal = [*rows["legal_statuses"][:2], (13, 202, description, "2020-01-10 00:00:00", "2021-03-31 00:00:00")]

    result = api.load("liquidlogic", *warehouse(legal_statuses=legal))

    assert not result.rejected
    [child] = [r for r in result.records if r.child_id == "202"]
    assert [spell.code for spell in child.legal_statuses] == [code]


def test_a_short_break_child_described_in_words_gets_no_review_alert(
    warehouse: Warehouse, rows: dict[str, list[tuple]]
) -> None:
    short_break = "Accommodated under an agreed series of short-term breaks, when agreements are recorded"
    episodes = [*rows["episodes"][:2], (3, 202, 32, "2024-01-10 00:00:00", None, None)]
    legal = [*rows["legal_statuses"][:2], (13, 202, short_break, "2024-01-10 00:00:00", None)]

    result = api.load("liquidlogic", *warehouse(episodes=episodes, legal_statuses=legal))
    alerts = api.evaluate(result.records, profile="england", as_of=dt.date(2024, 6, 1)).alerts

    assert not result.rejected
    [child] = [r for r in result.records if r.child_id == "202"]
    assert [p.short_break for p in child.periods_of_care] == [True]
    assert not [a for a in alerts if a.child_id == "202"]


def test_an_unmatched_description_is_rejected_with_the_nearest_wording(
    warehouse: Warehouse, rows: dict[str, list[tuple]]
) -> None:
    legal = [*rows["legal_statuses"][:2], (13, 202, "Emergancy protection", "2020-01-10 00:00:00", None)]

    result = api.load("liquidlogic", *warehouse(legal_statuses=legal))

    [rejection] = result.rejected
    assert rejection.reason == (
        "is not a known legal status description; nearest: 'Emergency protection order (EPO)' (L2);"
        " add it to legal_status_map in the [liquidlogic] settings"
    )


def test_rejections_name_the_child_by_the_configured_person_id(
    warehouse: Warehouse, rows: dict[str, list[tuple]]
) -> None:
    legal = [*rows["legal_statuses"][:2], (13, 202, "Sort of looked after", "2020-01-10 00:00:00", None)]

    result = api.load("liquidlogic", *warehouse(legal_statuses=legal, settings='person_id_field = "LEGACY_ID"\n'))

    assert [r.child_id for r in result.rejected] == ["L202"]
    assert "L202" in {r.child_id for r in result.records}
