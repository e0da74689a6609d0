"""Tolerant, explained matching of a warehouse's descriptions to SSDA903 codes.

Case systems and the Standard Safeguarding Dataset often keep the description of a code, worded their own
way: "Emergency protection order" for the DfE's "Emergency protection order (EPO)", "Single period of
accommodation under section 20" without "(Children Act 1989)". A description matches after case,
whitespace, punctuation and a bracketed suffix are set aside; one that still matches nothing is rejected
with the nearest known wording, so the council can add its own wording to the adapter's map.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from permanence_core.codes import CodeList

_BRACKETED = re.compile(r"\([^()]*\)")
_PUNCTUATION = re.compile(r"[^\w]+")


def description_key(text: str) -> str:
    """How descriptions are compared: without case, punctuation, bracketed parts or extra spaces."""
    without = _BRACKETED.sub(" ", text)
    return " ".join(_PUNCTUATION.sub(" ", without.casefold()).split())


class DescriptionMap:
    """Descriptions of the codes of ``code_list`` to their codes, with the council's ``local`` wordings first.

    A value matches, in order: a ``local`` wording; the code itself (``C2``); a leading code
    (``C2 - Full care order``); the DfE meaning, tolerantly (see :func:`description_key`).
    """

    def __init__(self, code_list: CodeList, local: Mapping[str, str] | None = None) -> None:
        self.code_list = code_list
        self.local = {description_key(text): code for text, code in (local or {}).items()}
        self.wordings = {code_list.meaning(code): code for code in code_list}
        self.meanings = {description_key(text): code for text, code in self.wordings.items()}
        codes = sorted(code_list, key=len, reverse=True)
        self._leading = re.compile(r"^\s*(" + "|".join(re.escape(code) for code in codes) + r")(?![\w])", re.IGNORECASE)
        # A warehouse repeats a few dozen wordings over millions of rows: match each wording once.
        self._seen: dict[str, str | None] = {}

    def code(self, text: str) -> str | None:
        """The code ``text`` means, or None when nothing matches."""
        if text in self._seen:
            return self._seen[text]
        found = self._seen[text] = self._match(text)
        return found

    def _match(self, text: str) -> str | None:
        key = description_key(text)
        if key in self.local:
            return self.local[key]
        leading = self._leading.match(text)
        if leading:
            return leading.group(1).upper()
        return self.meanings.get(key)

    def nearest(self, text: str) -> str | None:
        """The known DfE wording closest to ``text`` (difflib), or None when nothing is close."""
        keys = {description_key(wording): wording for wording in self.wordings}
        close = difflib.get_close_matches(description_key(text), list(keys), n=1, cutoff=0.5)
        return keys[close[0]] if close else None

    def unmatched(self, text: str, setting: str) -> str:
        """The rejection reason for ``text``: what it is not, the nearest wording, and where to map it."""
        reason = f"is not a known {self.code_list.name.replace('_', ' ')} description"
        near = self.nearest(text)
        if near is not None:
            reason += f"; nearest: {near!r} ({self.wordings[near]})"
        return f"{reason}; add it to {setting}"


__all__ = ["DescriptionMap", "description_key"]
