"""The merge rule: the return owns care facts, the pack owns permanence facts; each fills what the other lacks."""

from __future__ import annotations

from typing import Any

import attrs

from permanence_core.adapters.pack.files import PACK_FACETS
from permanence_core.model import CaseRecord, Child, Facet, Identifiers

#: CaseRecord fields the SSDA903 return owns; every other field (plans, meetings, proceedings, siblings,
#: family, workers, views, narrative, sign-offs, decision and referral dates) is the pack's.
RETURN_FIELDS = frozenset(
    {"periods_of_care", "legal_statuses", "placements", "reviews", "previous_permanence", "adoption"}
)
#: Child and identifier fields the return owns (names, NHS number, former UPN and SUI are the pack's).
RETURN_CHILD_FIELDS = frozenset({"date_of_birth", "sex", "ethnicity", "uasc_until", "upn", "case_id"})


def _given(value: Any) -> bool:
    return value is not None and value != ()


def _pick(name: str, returned: Any, pack: Any, owned_by_return: frozenset[str]) -> Any:
    first, second = (returned, pack) if name in owned_by_return else (pack, returned)
    return first if _given(first) else second


def _fields(returned: Any, pack: Any, owned_by_return: frozenset[str], skip: frozenset[str]) -> dict[str, Any]:
    return {
        field.name: _pick(field.name, getattr(returned, field.name), getattr(pack, field.name), owned_by_return)
        for field in attrs.fields(type(returned))
        if field.name not in skip
    }


def merge(
    returned: CaseRecord,
    pack: CaseRecord | None,
    declared: frozenset[Facet] = frozenset(),
    withheld: frozenset[Facet] = frozenset(),
) -> CaseRecord:
    """Merge the pack's record of a child into the return's record of the same child.

    - Each field comes from its owner (see ``RETURN_FIELDS`` and ``RETURN_CHILD_FIELDS``) when the owner has a
      value, else from the other source: e.g. the pack's workers, else the return's SWEpisodes social workers.
    - Coverage: the return's care facets as the return gave them; the pack's facets (plans, meetings,
      proceedings, siblings, workers) from the pack's record and ``declared`` (coverage.csv ``*``), minus
      ``withheld`` (facets a rejected pack row left incomplete for this child).
    """
    pack_facets = ((pack.coverage if pack else frozenset()) | declared) & PACK_FACETS
    coverage = (returned.coverage - PACK_FACETS) | (pack_facets - withheld)
    if pack is None:
        return returned if coverage == returned.coverage else attrs.evolve(returned, coverage=coverage)
    identifiers = Identifiers(
        **_fields(returned.child.identifiers, pack.child.identifiers, RETURN_CHILD_FIELDS, frozenset())
    )
    child = Child(identifiers=identifiers, **_fields(returned.child, pack.child, RETURN_CHILD_FIELDS, _CHILD_SKIP))
    return CaseRecord(child=child, coverage=coverage, **_fields(returned, pack, RETURN_FIELDS, _RECORD_SKIP))


_CHILD_SKIP = frozenset({"identifiers"})
_RECORD_SKIP = frozenset({"child", "coverage"})


def combine(first: CaseRecord, second: CaseRecord) -> CaseRecord:
    """One pack record from two for the same child (``pack.json`` then the CSV files): lists are joined,
    a single value from ``second`` wins when it has one, coverage is the union."""

    def joined(a: Any, b: Any) -> dict[str, Any]:
        values = {}
        for field in attrs.fields(type(a)):
            x, y = getattr(a, field.name), getattr(b, field.name)
            values[field.name] = x + y if isinstance(x, tuple) else (y if _given(y) else x)
        return values

    identifiers = Identifiers(**joined(first.child.identifiers, second.child.identifiers))
    child_values = joined(first.child, second.child)
    child_values["identifiers"] = identifiers
    record_values = joined(first, second)
    record_values["child"] = Child(**child_values)
    record_values["coverage"] = first.coverage | second.coverage
    return CaseRecord(**record_values)
