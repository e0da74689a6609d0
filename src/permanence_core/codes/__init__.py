"""Code lists as data: SSDA903 codes (versioned by collection year), Annex A plan codes and permanence routes."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib import resources

import attrs


@attrs.frozen
class Code:
    """One code with its meaning and the collection years it is valid in (ending year, inclusive)."""

    code: str
    meaning: str
    valid_from: int | None = None
    valid_until: int | None = None
    extra: dict[str, str] = attrs.field(factory=dict, eq=False)

    def valid_in(self, collection_year: int | None) -> bool:
        """Return True when the code is valid in ``collection_year`` (any year when None)."""
        if collection_year is None:
            return True
        if self.valid_from is not None and collection_year < self.valid_from:
            return False
        return not (self.valid_until is not None and collection_year > self.valid_until)


@attrs.frozen
class CodeList:
    """A named code list: ``code in codes`` tests membership in any year."""

    name: str
    codes: dict[str, Code]

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def meaning(self, code: str) -> str:
        """Return the meaning of ``code``; KeyError names the list when it is unknown."""
        try:
            return self.codes[code].meaning
        except KeyError:
            raise KeyError(f"{code!r} is not a {self.name} code") from None

    def valid_in(self, collection_year: int | None) -> frozenset[str]:
        """Return the codes valid in ``collection_year``."""
        return frozenset(c.code for c in self.codes.values() if c.valid_in(collection_year))

    def attribute(self, code: str, key: str) -> str | None:
        """Return an extra attribute of a code (e.g. ``outcome``), or None."""
        entry = self.codes.get(code)
        return entry.extra.get(key) if entry else None


def _load() -> dict[str, CodeList]:
    raw = tomllib.loads(resources.files(__package__).joinpath("ssda903.toml").read_text(encoding="utf-8"))
    lists = {}
    for name, entries in raw.items():
        codes = {}
        for code, value in entries.items():
            if isinstance(value, str):
                codes[code] = Code(code, value)
            else:
                extra = {k: v for k, v in value.items() if k not in ("meaning", "from", "until")}
                codes[code] = Code(code, value["meaning"], value.get("from"), value.get("until"), extra)
        lists[name] = CodeList(name, codes)
    return lists


_LISTS = _load()

LEGAL_STATUS = _LISTS["legal_status"]
REASON_NEW_EPISODE = _LISTS["reason_new_episode"]
PLACEMENT_TYPE = _LISTS["placement_type"]
REASON_EPISODE_CEASED = _LISTS["reason_episode_ceased"]
REVIEW_PARTICIPATION = _LISTS["review_participation"]
REVERSAL_REASON = _LISTS["reversal_reason"]
PREVIOUS_PERMANENCE = _LISTS["previous_permanence"]
PLACEMENT_PROVIDER = _LISTS["placement_provider"]
REASON_PLACE_CHANGE = _LISTS["reason_place_change"]
CATEGORY_OF_NEED = _LISTS["category_of_need"]
SEX = _LISTS["sex"]
ANNEX_A_PLAN = _LISTS["annex_a_plan"]
PERMANENCE_ROUTE = _LISTS["permanence_route"]

SHORT_BREAK_LEGAL_STATUSES = frozenset({"V3", "V4"})
PLACED_FOR_ADOPTION = frozenset({"A3", "A4", "A5", "A6"})
LONG_TERM_FOSTERING_PLACEMENTS = frozenset({"U1", "U4"})


def permanence_outcome(reason_ceased: str | None) -> str | None:
    """Return the permanence route a reason-episode-ceased code secures, or None."""
    return REASON_EPISODE_CEASED.attribute(reason_ceased, "outcome") if reason_ceased else None


def all_lists() -> dict[str, CodeList]:
    """Return every code list by name."""
    return dict(_LISTS)
