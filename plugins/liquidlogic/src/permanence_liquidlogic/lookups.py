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
