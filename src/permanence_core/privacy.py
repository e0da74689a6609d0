"""What a log line or message may show of a value: identifiers masked to their last 3 characters, by one function."""

from __future__ import annotations

import re

#: Shown instead of all but the last characters of an identifier.
MASK = "***"
#: How many trailing characters of an identifier stay visible: enough to find the row, too few to identify anyone.
VISIBLE = 3
# What mask() gives; no national identifier starts with "*".
_MASKED = re.compile(re.escape(MASK) + f".{{0,{VISIBLE}}}", re.DOTALL)
# Field names (any case, any separators) that hold a national identifier: UPN, former UPN, NHS number, ULN.
_IDENTIFYING = re.compile(r"(?:^|_)(?:upn|nhs|uln|unique_pupil|unique_learner)(?:$|_|number|no)")


def is_identifying(field: str | None) -> bool:
    """True when ``field`` names a national identifier (UPN, NHS number…) whose value must be masked."""
    return field is not None and _IDENTIFYING.search(re.sub(r"[^a-z0-9]+", "_", field.lower())) is not None


def mask(value: str) -> str:
    """``value`` with all but its last 3 characters replaced by ``***`` (a short value is masked whole).

    A masked value is returned unchanged: a ``Rejection`` masks its value whenever it is made, ``attrs.evolve``
    included, and masking ``***012`` again would lose the three characters that find the row.
    """
    text = str(value).strip()
    if _MASKED.fullmatch(text):
        return text
    return MASK + text[-VISIBLE:] if len(text) > 2 * VISIBLE else MASK


def shown(field: str | None, value: str | None) -> str | None:
    """``value`` as a message may show it: masked when ``field`` is an identifier, else unchanged."""
    if value is None or not is_identifying(field):
        return value
    return mask(value)
