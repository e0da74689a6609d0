"""The marker a generated document carries so the reader can tell our forms from any other Word file."""

from __future__ import annotations

from urllib.parse import quote, unquote

import attrs

from permanence_core.errors import ModelValueError
from permanence_core.model._validators import to_tuple

#: Prefix of the marker, stored in the Word core property ``identifier`` (Word and LibreOffice keep it).
MARKER_PREFIX = "permanence-core/form"
MARKER_VERSION = "1"
#: Word limits a core property to 255 characters.
MARKER_LIMIT = 255


@attrs.frozen(kw_only=True)
class FormMarker:
    """Which form a document is, its layout version, and the ids (never names) it was generated for."""

    form: str
    children: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    meeting_id: str | None = None
    meeting_kind: str | None = None
    version: str = MARKER_VERSION

    def to_text(self) -> str:
        """``permanence-core/form/1 form=record children=C1,C2 meeting=M1 kind=ppm`` (values URL-quoted)."""
        parts = [f"{MARKER_PREFIX}/{self.version}", f"form={quote(self.form)}"]
        if self.children:
            parts.append("children=" + ",".join(quote(c, safe="") for c in self.children))
        if self.meeting_id:
            parts.append(f"meeting={quote(self.meeting_id, safe='')}")
        if self.meeting_kind:
            parts.append(f"kind={quote(self.meeting_kind)}")
        text = " ".join(parts)
        if len(text) > MARKER_LIMIT:
            raise ModelValueError(
                "children",
                len(self.children),
                f"are too many children for one form's marker ({MARKER_LIMIT} characters)",
            )
        return text

    @classmethod
    def from_text(cls, text: str | None) -> FormMarker | None:
        """Parse a marker; None when ``text`` is not one of ours."""
        words = (text or "").split()
        if not words or not words[0].startswith(MARKER_PREFIX + "/"):
            return None
        values = dict(word.split("=", 1) for word in words[1:] if "=" in word)
        if "form" not in values:
            return None
        children = tuple(unquote(c) for c in values.get("children", "").split(",") if c)
        meeting = values.get("meeting")
        kind = values.get("kind")
        return cls(
            form=unquote(values["form"]),
            children=children,
            meeting_id=unquote(meeting) if meeting else None,
            meeting_kind=unquote(kind) if kind else None,
            version=words[0].removeprefix(MARKER_PREFIX + "/"),
        )
