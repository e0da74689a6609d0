"""Converting an SSDA903 return between a folder of CSV tables and one EXPSSDA903 XML file, values untouched."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import attrs
from lxml import etree

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.csvsource import CsvTable
from permanence_core.adapters.ssda903.report import Unreadable, rejection
from permanence_core.adapters.ssda903.xmlsource import FLATTENED, TAG_OF_COLUMN, TAG_OF_TABLE, XmlReturn, element_of
from permanence_core.errors import InputError

#: Characters XML 1.0 forbids (lxml refuses them): a CSV value holding one cannot be written as an element.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@attrs.frozen(kw_only=True)
class Conversion:
    """Rows written per table, rows that the target format cannot hold (never dropped silently), notices."""

    written: dict[str, int] = attrs.field(factory=dict)
    not_converted: tuple[Rejection, ...] = ()
    notices: tuple[str, ...] = ()


def csv_to_xml(folder: str | Path, target: str | Path) -> Conversion:
    """Write the CSV tables in ``folder`` as one EXPSSDA903 XML file at ``target``.

    Each child becomes one CHILD (in the order children first appear, Header first): HEADER holds the Header
    fields, the UASC flag and DUC, the AD1 and OC3 fields, and one element per Reviews (AREVIEW), Missing
    (AMISSING), OC2, PrevPerm (PERMANENCE), PlacedAdoption (AD_PLACED), SWEpisodes (SW_EPISODE) and DoLo (DOLO)
    row; then one EPISODE per Episodes row, with PLACE written as PL. A child with no Header row gets a HEADER
    with its CHILDID only. Rows the XML cannot hold (no child id, the wrong number of fields, a second UASC,
    AD1 or OC3 row for one child) are listed in ``not_converted``.
    """
    source = Path(folder)
    if not source.is_dir():
        raise InputError(str(folder), "is not a folder of SSDA903 CSV tables")
    children: dict[str, dict[str, list[tuple[str, ...]]]] = {}
    not_converted: list[Rejection] = []
    notices: list[str] = []
    read = []
    for path in sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() == ".csv"):
        try:
            read.append(CsvTable.inspect(path))
        except Unreadable as exc:
            not_converted.append(_not_converted(path.name, exc.line, None, exc.reason))
    order = {table: i for i, table in enumerate(tables.TABLES)}
    recognised = [(t.recognised.table, t) for t in read if t.recognised]
    for what, table in sorted(recognised, key=lambda pair: order[pair[0]]):
        try:
            for line, values, problem in table.rows():
                column = _unwritable(what, values)
                if column is not None:
                    # Checked first: a child id XML cannot hold must not become a CHILD element at all.
                    not_converted.append(
                        rejection(
                            source=table.path.name,
                            row=line,
                            child_id=values[0],
                            column=column,
                            value=values[what.index(column)],
                            reason="holds a control character that XML cannot carry",
                        )
                    )
                    continue
                rows = children.setdefault(values[0], {}).setdefault(what.name, []) if values[0] else []
                if problem is not None:
                    reason = problem[2]
                elif not values[0]:
                    reason = "has no CHILD, so it belongs to no CHILD element"
                elif what.name in FLATTENED and rows:
                    reason = f"is a second {what.name} row for this child; the XML holds one, as fields of HEADER"
                else:
                    rows.append(values)
                    continue
                not_converted.append(_not_converted(table.path.name, line, values[0], reason))
        except Unreadable as exc:
            not_converted.append(_not_converted(table.path.name, exc.line, None, exc.reason))
    notices.extend(f"{t.path.name}: not an SSDA903 table; not converted" for t in read if not t.recognised)
    written: dict[str, int] = {}
    with etree.xmlfile(str(target), encoding="utf-8") as out:
        out.write_declaration()
        with out.element("EXPSSDA903"):
            for child_id, child_rows in children.items():
                out.write(_child_element(child_id, child_rows, written))
    return Conversion(written=written, not_converted=tuple(not_converted), notices=tuple(notices))


def _child_element(child_id: str, rows: dict[str, list[tuple[str, ...]]], written: dict[str, int]) -> etree._Element:
    child = etree.Element("CHILD")
    headers = rows.get(tables.HEADER.name) or [(child_id,) + ("",) * (len(tables.HEADER.columns) - 1)]
    for number, values in enumerate(headers):
        header = etree.SubElement(child, "HEADER")
        _fields(header, tables.HEADER, values, skip=0)
        if number == 0:
            _flattened(header, rows, written)
            for table in (
                tables.REVIEWS,
                tables.MISSING,
                tables.OC2,
                tables.PREV_PERM,
                tables.PLACED_ADOPTION,
                tables.SW_EPISODES,
                tables.DOLO,
            ):
                for row in rows.get(table.name, ()):
                    _fields(etree.SubElement(header, TAG_OF_TABLE[table.name]), table, row, skip=2)
                    written[table.name] = written.get(table.name, 0) + 1
    written[tables.HEADER.name] = written.get(tables.HEADER.name, 0) + len(rows.get(tables.HEADER.name, ()))
    for row in rows.get(tables.EPISODES.name, ()):
        _fields(etree.SubElement(child, "EPISODE"), tables.EPISODES, row, skip=1)
        written[tables.EPISODES.name] = written.get(tables.EPISODES.name, 0) + 1
    return child


def _flattened(header: etree._Element, rows: dict[str, list[tuple[str, ...]]], written: dict[str, int]) -> None:
    """UASC, AD1 and OC3 rows become fields of HEADER; UASC as the flag 1 plus DUC."""
    for name, fields in FLATTENED.items():
        for row in rows.get(name, ()):
            table = tables.BY_NAME[name]
            for field in fields:
                value = "1" if field == "UASC" else row[table.index(field)]
                etree.SubElement(header, field).text = value
            written[name] = written.get(name, 0) + 1


def _fields(element: etree._Element, table: tables.Table, values: tuple[str, ...], *, skip: int) -> None:
    for column, value in zip(table.columns[skip:], values[skip:], strict=True):
        etree.SubElement(element, TAG_OF_COLUMN.get(column, column)).text = value


def xml_to_csv(source: str | Path, folder: str | Path) -> Conversion:
    """Write the EXPSSDA903 XML file ``source`` as CSV tables (``header.csv``, ``episodes.csv``, ...) in ``folder``.

    The XML is read the way the loader reads it (streaming, no entities, no network). Header and Episodes are
    always written; other tables when they have rows. Rows the CSV cannot hold (a field that is an unexpanded
    entity reference) and an unreadable rest of the file are listed in ``not_converted``.
    """
    path = Path(source)
    if not path.is_file():
        raise InputError(str(source), "is not an XML file")
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    xml = XmlReturn(path)
    not_converted: list[Rejection] = []
    written: dict[str, int] = {}
    with ExitStack() as files:
        writers: dict[str, Any] = {}

        def writer(table: tables.Table) -> Any:
            if table.name not in writers:
                handle = files.enter_context((target / table.file_name).open("w", encoding="utf-8", newline=""))
                writers[table.name] = csv.writer(handle)
                writers[table.name].writerow(table.columns)
                written[table.name] = 0
            return writers[table.name]

        writer(tables.HEADER)
        writer(tables.EPISODES)
        try:
            for table, line, element, values, problem in xml.rows():
                if problem is not None:
                    column, value, reason = problem
                    not_converted.append(
                        rejection(
                            source=path.name,
                            row=line,
                            child_id=values[0],
                            column=column,
                            value=value,
                            reason=reason,
                            element=element_of(element, column),
                        )
                    )
                    continue
                writer(table).writerow(values)
                written[table.name] += 1
        except Unreadable as exc:
            not_converted.append(_not_converted(path.name, exc.line, None, exc.reason))
    notices = tuple(_unknown(path.name, xml.unknown))
    return Conversion(written=written, not_converted=tuple(not_converted), notices=notices)


def _unknown(name: str, unknown: set[str]) -> Iterator[str]:
    if unknown:
        yield f"{name}: elements that are no part of the return not converted: {', '.join(sorted(unknown))}"


def _unwritable(table: tables.Table, values: tuple[str, ...]) -> str | None:
    """The first column whose value XML 1.0 cannot hold (NUL and other control characters), or None."""
    for column, value in zip(table.columns, values, strict=True):
        if _NOT_XML.search(value):
            return column
    return None


def _not_converted(source: str, line: int | None, child_id: str | None, reason: str) -> Rejection:
    return rejection(source=source, row=line, child_id=child_id, column=None, value=None, reason=reason)
