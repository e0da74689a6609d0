"""Reading an EXPSSDA903 XML return as table rows, one CHILD at a time, safely (no entities, no DTD, no network)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import attrs
from lxml import etree

from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.report import Unreadable
from permanence_core.adapters.ssda903.tables import Table
from permanence_core.adapters.ssda903.values import Problem

#: Element names that differ from the CSV column names.
TAG_OF_COLUMN = {"CHILD": "CHILDID", "PLACE": "PL"}
COLUMN_OF_TAG = {tag: column for column, tag in TAG_OF_COLUMN.items()}

#: Tables whose rows are elements nested in HEADER (one element per row).
NESTED = {
    "AREVIEW": tables.REVIEWS,
    "AMISSING": tables.MISSING,
    "OC2": tables.OC2,
    "PERMANENCE": tables.PREV_PERM,
    "AD_PLACED": tables.PLACED_ADOPTION,
    "SW_EPISODE": tables.SW_EPISODES,
    "DOLO": tables.DOLO,
}
TAG_OF_TABLE = {table.name: tag for tag, table in NESTED.items()}
#: Tables whose one row per child is written as fields directly in HEADER; "UASC" there is a 1/0 flag.
FLATTENED = {
    tables.UASC.name: ("UASC", "DUC"),
    tables.AD1.name: tables.AD1.columns[2:],
    tables.OC3.name: tables.OC3.columns[2:],
}
_EPISODE_FIELDS = frozenset(tables.EPISODES.columns)
_HEADER_FIELDS = frozenset(tables.HEADER.columns) | {field for fields in FLATTENED.values() for field in fields}

#: The most a return may hold from the end of one CHILD to the end of the next. A CHILD is a few kilobytes;
#: libxml2 holds text in memory while it looks for the next tag, so a gigabyte of text after a valid start
#: would otherwise be held whole.
MAX_CHILD_BYTES = 16 << 20

#: One row: its table, the XML line, the element path, its values in table column order, and a problem
#: ``(column, value, reason)`` that rejects it (an unexpanded entity), or None.
XmlRow = tuple[Table, int | None, str, tuple[str, ...], Problem | None]


#: How much of the return is handed to the parser at a time.
CHUNK_BYTES = 64 << 10


def _children(bounded: _Bounded) -> Iterator[etree._Element]:
    """Each CHILD element as the parser finishes it; a syntax error ends the return after the CHILDs before it.

    A pull parser is fed chunk by chunk because it hands over the elements completed before a syntax error in the
    same chunk (lxml 6's iterparse raises first and loses them).
    """
    # Entities stay unexpanded nodes, no DTD is loaded and nothing is fetched: a return is untrusted input
    # (XXE, billion laughs).
    parser = etree.XMLPullParser(
        events=("end",),
        tag="CHILD",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    found = 0
    while True:
        data = bounded.read(CHUNK_BYTES)
        error: etree.XMLSyntaxError | None = None
        root: etree._Element | None = None
        try:
            if data:
                parser.feed(data)
            else:
                root = parser.close()
        except etree.XMLSyntaxError as exc:
            error = exc
        for _event, child in parser.read_events():
            found += 1
            yield child
        if error is not None:
            raise Unreadable(error.lineno, f"the XML is not well formed, so the rest was not read: {error.msg}")
        if not data:
            if not found:
                raise Unreadable(1, _why_no_child(root))
            return


def element_of(path: str, column: str | None) -> str:
    """The element path of ``column`` in the row at ``path`` (the child id always sits in HEADER); without a
    column, the row's own."""
    if column is None:
        return path
    if column == "CHILD":
        return path.split("/", 1)[0] + "/HEADER/CHILDID"
    return f"{path}/{TAG_OF_COLUMN.get(column, column)}"


class _Bounded:
    """The return as the XML parser reads it: Unreadable once MAX_CHILD_BYTES pass without a CHILD ending.

    ``mark`` is where the last CHILD ended; ``line`` counts the lines handed to the parser, to say where it stopped.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.mark = 0
        self.line = 1

    def read(self, size: int = -1) -> bytes:
        if self.handle.tell() - self.mark > MAX_CHILD_BYTES:
            raise Unreadable(
                self.line,
                f"no CHILD element ends within {MAX_CHILD_BYTES} bytes of the one before, so the rest was not read",
            )
        data = self.handle.read(size if 0 <= size <= MAX_CHILD_BYTES else MAX_CHILD_BYTES)
        self.line += data.count(b"\n")
        return data


@attrs.define
class XmlReturn:
    """One XML return; ``unknown`` collects element names that are no part of the return (for a notice)."""

    path: Path
    unknown: set[str] = attrs.field(factory=set)

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[XmlRow]:
        """Yield the rows of every CHILD, keeping one CHILD in memory at a time.

        ``progress`` is called after each child with the number of bytes read so far.
        """
        with self.path.open("rb") as handle:
            bounded = _Bounded(handle)
            for number, child in enumerate(_children(bounded), start=1):
                yield from self._child_rows(child, f"CHILD[{number}]")
                child.clear(keep_tail=False)
                parent = child.getparent()
                while parent is not None and child.getprevious() is not None:
                    del parent[0]
                bounded.mark = handle.tell()
                if progress is not None:
                    progress(handle.tell())

    def _child_rows(self, child: etree._Element, path: str) -> Iterator[XmlRow]:
        child_id = (child.findtext("HEADER/CHILDID") or "").strip()
        headers = episodes = 0
        for element in child:
            if element.tag == "HEADER":
                headers += 1
                yield from self._header_rows(
                    element, child_id, f"{path}/HEADER" + (f"[{headers}]" if headers > 1 else "")
                )
            elif element.tag == "EPISODE":
                episodes += 1
                fields, problems = self._fields(element)
                fields["CHILD"] = child_id
                for name in fields.keys() - _EPISODE_FIELDS:
                    self.unknown.add(f"EPISODE/{name}")
                yield _row(tables.EPISODES, element, f"{path}/EPISODE[{episodes}]", fields, problems)
            else:
                self.unknown.add(f"CHILD/{_name(element)}")

    def _header_rows(self, header: etree._Element, child_id: str, path: str) -> Iterator[XmlRow]:
        fields, problems = self._fields(header, nested=NESTED)
        fields["CHILD"] = child_id
        for name in fields.keys() - _HEADER_FIELDS:
            self.unknown.add(f"HEADER/{name}")
        yield _row(tables.HEADER, header, path, fields, problems)
        if fields.get("UASC", "") not in ("", "0") or fields.get("DUC"):
            yield _row(tables.UASC, header, path, fields, problems)
        for table in (tables.AD1, tables.OC3):
            if any(fields.get(name) for name in FLATTENED[table.name]):
                yield _row(table, header, path, fields, problems)
        counts: dict[str, int] = {}
        for element in header:
            tag = _name(element)
            nested = NESTED.get(tag)
            if nested is None:
                continue
            counts[tag] = counts.get(tag, 0) + 1
            row_fields, row_problems = self._fields(element)
            row_fields["CHILD"] = child_id
            row_fields["DOB"] = fields.get("DOB", "")
            yield _row(nested, element, f"{path}/{tag}[{counts[tag]}]", row_fields, row_problems)

    def _fields(
        self, element: etree._Element, nested: dict[str, Table] | None = None
    ) -> tuple[dict[str, str], dict[str, tuple[str | None, str]]]:
        """The leaf fields of ``element`` by column name, and problems by column (an entity reference)."""
        fields: dict[str, str] = {}
        problems: dict[str, tuple[str | None, str]] = {}
        for leaf in element:
            if not isinstance(leaf.tag, str):
                self.unknown.add(f"{_name(element)}/{_name(leaf)}")
                continue
            if nested is not None and leaf.tag in nested:
                continue
            column = COLUMN_OF_TAG.get(leaf.tag, leaf.tag)
            if len(leaf):
                entity = next((node for node in leaf if isinstance(node, etree._Entity)), None)
                if entity is None:
                    self.unknown.add(f"{_name(element)}/{leaf.tag}/*")
                    continue
                problems.setdefault(column, (entity.text, "is an XML entity reference; entities are not expanded"))
            fields[column] = (leaf.text or "").strip()
        return fields, problems


def _why_no_child(root: etree._Element | None) -> str:
    """Why a well-formed XML file gave no CHILD: a namespace the return does not use, or another document."""
    if root is None:
        return "the file holds no XML element, so nothing was read"
    namespace = etree.QName(root).namespace
    if namespace:
        # A default namespace makes every element {namespace}CHILD: reading it as a return would be a guess.
        return (
            f"its elements are in the XML namespace {namespace!r}, which an EXPSSDA903 return does not use; "
            "remove the xmlns declaration to read it, so nothing was read"
        )
    return f"holds no CHILD element (its root is {etree.QName(root).localname!r}): not an EXPSSDA903 return"


def _name(element: etree._Element) -> str:
    """The element's tag; an unexpanded entity reference, whose tag is lxml's Entity factory, is ``&name;``."""
    return element.tag if isinstance(element.tag, str) else str(element.text)


def _row(
    table: Table,
    element: etree._Element,
    path: str,
    fields: dict[str, str],
    problems: dict[str, tuple[str | None, str]],
) -> XmlRow:
    values = tuple(fields.get(column, "") for column in table.columns)
    problem: Problem | None = next(((c, *problems[c]) for c in table.columns if c in problems), None)
    return table, element.sourceline, path, values, problem
