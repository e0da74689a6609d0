"""The layout of a generated document, shared by the Word writer, the HTML templates and the form reader."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from permanence_core.documents.marker import FormMarker
from permanence_core.model._validators import to_tuple


class Writer(enum.StrEnum):
    """Who fills a box: the case record (prefilled), the social worker, a manager, or the meeting's chair."""

    RECORD = "record"
    SOCIAL_WORKER = "social_worker"
    MANAGER = "manager"
    CHAIR = "chair"


@attrs.frozen(kw_only=True)
class Field:
    """A labelled box. ``value`` None is an empty box of ``lines`` lines for ``writer`` to fill."""

    label: str
    value: str | None = None
    writer: Writer = Writer.RECORD
    hint: str | None = None
    lines: int = 1

    @property
    def hint_text(self) -> str:
        """The hint shown under the label; in Part 1, where prefilled and blank boxes mix, it says who fills a box.

        The chair's boxes say nothing: their whole part is headed for the chair.
        """
        who = {Writer.SOCIAL_WORKER: "Social worker to complete", Writer.MANAGER: "Manager to complete"}.get(
            self.writer
        )
        return " · ".join(part for part in (self.hint, who) if part)


def _field_rows(rows: Iterable[Iterable[Field]]) -> tuple[tuple[Field, ...], ...]:
    return tuple(tuple(row) for row in rows)


def _text_rows(rows: Iterable[Iterable[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(row) for row in rows)


@attrs.frozen(kw_only=True)
class FieldTable:
    """Rows of labelled boxes; a row holds one field or two side by side (seed 000 items 5 and 6).

    ``keep_together`` keeps the table on one page (a sign-off block).
    """

    rows: tuple[tuple[Field, ...], ...] = attrs.field(converter=_field_rows)
    keep_together: bool = False

    @property
    def paired(self) -> bool:
        """True when some row has two fields, so the table has four columns."""
        return any(len(row) == 2 for row in self.rows)

    @property
    def fields(self) -> tuple[Field, ...]:
        """Every field, row by row."""
        return tuple(field for row in self.rows for field in row)


@attrs.frozen(kw_only=True)
class Grid:
    """A table with a header row: filled rows, then ``blank_rows`` empty ones for people to type into."""

    caption: str
    columns: tuple[str, ...] = attrs.field(converter=to_tuple)
    rows: tuple[tuple[str, ...], ...] = attrs.field(default=(), converter=_text_rows)
    blank_rows: int = 0
    widths: tuple[int, ...] = attrs.field(default=(), converter=to_tuple)
    note: str | None = None
    writer: Writer = Writer.RECORD
    #: A column whose filled cells are highlighted (days overdue); with ``highlight_prefix``, only those that
    #: start with it.
    highlight_column: int | None = None
    highlight_prefix: str = ""

    def __attrs_post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"grid {self.caption!r}: a row has {len(row)} cells for {len(self.columns)} columns")

    def highlighted(self, column: int, value: str) -> bool:
        """True when the cell in ``column`` holding ``value`` is highlighted."""
        return column == self.highlight_column and bool(value) and value.startswith(self.highlight_prefix)

    @property
    def column_widths(self) -> tuple[int, ...]:
        """Relative column widths (equal unless given)."""
        return self.widths or (1,) * len(self.columns)


@attrs.frozen(kw_only=True)
class Note:
    """A paragraph of guidance from the council's form (instructions, who to send it to)."""

    text: str
    emphasis: bool = False


Block = FieldTable | Grid | Note


@attrs.frozen(kw_only=True)
class Section:
    """A headed part of a document; ``page_break`` starts it on a new page (a child's page in the panel pack),
    ``keep_together`` keeps its last block with the one before (no box left alone on a page)."""

    title: str
    blocks: tuple[Block, ...] = attrs.field(default=(), converter=to_tuple)
    level: int = 2
    page_break: bool = False
    keep_together: bool = False


@attrs.frozen(kw_only=True)
class Layout:
    """A whole document: which form it is, its title, its sections and the marker the reader checks."""

    form: str
    title: str
    marker: FormMarker
    sections: tuple[Section, ...] = attrs.field(converter=to_tuple)
    intro: tuple[Note, ...] = attrs.field(default=(), converter=to_tuple)
    footer: str = ""
    #: The body text size in points: a pack of many pages sets it smaller, so a child's page is one page.
    body_points: float = 10.5

    def fields(self) -> tuple[Field, ...]:
        """Every labelled box in the document, in order."""
        found: list[Field] = []
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, FieldTable):
                    found.extend(block.fields)
        return tuple(found)
