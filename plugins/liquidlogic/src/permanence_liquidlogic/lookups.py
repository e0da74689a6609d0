"""LCS lookup descriptions to SSDA903 codes: the warehouse keeps descriptions where the return needs codes."""

from __future__ import annotations

from collections.abc import Mapping

from permanence_core import codes
from permanence_core.adapters.descriptions import DescriptionMap


def legal_status_map(local: Mapping[str, str]) -> DescriptionMap:
    """``DIM_LOOKUP_LGL_STATUS_DESC`` values to SSDA903 legal statuses: the council's ``local`` wordings first."""
    return DescriptionMap(codes.LEGAL_STATUS, local)


def legal_status_code(description: str, local: Mapping[str, str]) -> str | None:
    """The SSDA903 legal status a ``DIM_LOOKUP_LGL_STATUS_DESC`` value means, or None when it is unknown.

    Tried in order: the council's own ``local`` map, a leading code (``C2 - Full Care Order``), then the
    DfE meaning compared without case, punctuation or a bracketed suffix (``Emergency protection order``).
    """
    return legal_status_map(local).code(description)


_YES = frozenset({"Y", "YES", "TRUE", "1", "T"})
_NO = frozenset({"N", "NO", "FALSE", "0", "F"})


def flag(value: object) -> bool | None:
    """An LCS flag column (``Y``/``N``, ``1``/``0``, ``True``/``False``) as a bool; None when empty or unreadable."""
    if value is None:
        return None
    if isinstance(value, int | float):
        # SQL Server BIT columns arrive as bool or int; 1.0 is a flag set too.
        return bool(value)
    text = str(value).strip().upper()
    if text in _YES:
        return True
    return False if text in _NO else None
