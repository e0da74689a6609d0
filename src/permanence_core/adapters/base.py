"""What every adapter reports: who it is, and what it loaded and rejected."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from permanence_core.model import CaseRecord
from permanence_core.model._validators import to_tuple
from permanence_core.privacy import shown


class Capability(enum.StrEnum):
    """What an adapter can do with its case system."""

    READ = "read"
    UPLOAD_DOCUMENT = "upload_document"
    CASE_NOTE = "case_note"
    WORK_TRAY_ALERT = "work_tray_alert"


@attrs.frozen(kw_only=True)
class AdapterInfo:
    """An adapter a plugin registers: its name (``--adapter NAME``), what it reads and what it can write."""

    name: str
    description: str
    source_help: str
    capabilities: frozenset[Capability] = attrs.field(
        default=frozenset({Capability.READ}), converter=lambda v: frozenset(Capability(c) for c in v)
    )


@attrs.frozen(kw_only=True)
class Rejection:
    """A record that did not load: where it was, which child, which field, what value and why.

    ``row`` is the CSV line or XML line; ``element`` is the XML element path (e.g. ``CHILD[3]/EPISODE[2]/PL``),
    which finds the record even when a whole return sits on one line. The value of an identifier (UPN, NHS
    number) is masked to its last 3 characters here, so no adapter can print one in full.
    """

    source: str
    reason: str
    row: int | None = None
    child_id: str | None = None
    field: str | None = None
    value: str | None = None
    element: str | None = None

    def __attrs_post_init__(self) -> None:
        # Frozen: the masked value replaces the given one before anyone can read it.
        object.__setattr__(self, "value", shown(self.field, self.value))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by ``permanence alerts --format json``."""
        return attrs.asdict(self)

    def __str__(self) -> str:
        where = self.source + (f", row {self.row}" if self.row is not None else "")
        where += f", {self.element}" if self.element else ""
        about = " ".join(
            part
            for part in (
                f"child {self.child_id}" if self.child_id else "",
                f"{self.field}={self.value!r}" if self.field else "",
            )
            if part
        )
        return f"{where}: {about}: {self.reason}" if about else f"{where}: {self.reason}"


@attrs.frozen(kw_only=True)
class LoadResult:
    """Records loaded from a source, with every rejected record and the counts read / loaded / rejected.

    ``read`` counts input records (rows or XML elements); a rejected row does not always drop its
    child, so ``loaded + rejected`` need not equal ``read`` when one child spans many rows.
    """

    records: tuple[CaseRecord, ...] = attrs.field(default=(), converter=to_tuple)
    rejected: tuple[Rejection, ...] = attrs.field(default=(), converter=to_tuple)
    read: int = 0
    notices: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def loaded(self) -> int:
        """Number of input records that loaded."""
        return self.read - len(self.rejected)

    @property
    def nothing_loaded(self) -> bool:
        """True when the source held records (read or rejected) yet no child loaded: a run must fail, not go on."""
        return not self.records and (self.read > 0 or bool(self.rejected))

    def summary(self) -> dict[str, int]:
        """Counts for reports and logs (ids only, never personal data)."""
        return {
            "read": self.read,
            "loaded": self.loaded,
            "rejected": len(self.rejected),
            "children": len(self.records),
        }
