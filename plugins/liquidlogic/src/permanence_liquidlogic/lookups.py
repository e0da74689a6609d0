"""LCS lookup descriptions to SSDA903 codes: the warehouse keeps descriptions where the return needs codes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from permanence_core import codes

_LEADING_CODE = re.compile(r"^\s*([A-Z][0-9])\b")
_MEANINGS = {codes.LEGAL_STATUS.meaning(code).casefold(): code for code in codes.LEGAL_STATUS}


def legal_status_code(description: str, local: Mapping[str, str]) -> str | None:
    """The SSDA903 legal status a ``DIM_LOOKUP_LGL_STATUS_DESC`` value means, or None when it is unknown.

    Tried in order: the council's own ``local`` map (any case), a leading code (``C2 - Full Care Order``),
    then the DfE meaning word for word (``Full care order``).
    """
    text = description.strip()
    folded = {key.strip().casefold(): code for key, code in local.items()}
    if text.casefold() in folded:
        return folded[text.casefold()]
    leading = _LEADING_CODE.match(text.upper())
    if leading and leading.group(1) in codes.LEGAL_STATUS:
        return leading.group(1)
    return _MEANINGS.get(text.casefold())


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
