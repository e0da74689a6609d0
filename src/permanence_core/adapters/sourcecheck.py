"""``permanence source check``: what a source holds before go-live, per facet, as text or JSON.

The first command council IT runs. The report says, per facet, the tables and columns found and missing
(with row counts), the code values met that the configuration does not map (with counts), and which rules
of a profile are assessable. It is ``ok`` when every required facet (identity and care) is in source.
Database adapters build it from the warehouse itself (:func:`warehouse_report`); any other adapter gets
one from a load (:func:`load_report`), so every adapter, built-in or a vendor's, can be checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import sqlalchemy as sa

from permanence_core.adapters.base import LoadResult
from permanence_core.adapters.database import to_text
from permanence_core.adapters.warehouse import FACETS, REQUIRED_FACETS, Survey, Warehouse
from permanence_core.model import Facet

IN_SOURCE = "in source"
NOT_IN_SOURCE = "not in source"
NOT_CONFIGURED = "not configured"
NOT_READ = "not read"

#: Unmapped values listed per column, the most frequent first: a warehouse may hold hundreds.
LIMIT = 20


@attrs.frozen(kw_only=True)
class TableReport:
    """One table: whether it is there, its rows, and the columns the adapter reads found and missing."""

    table: str
    present: bool
    rows: int | None = None
    found: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class FacetReport:
    """One facet: in source or not (and why), what it needs, and what of that is missing."""

    facet: str
    status: str
    required: bool = False
    needs: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    note: str = ""


@attrs.frozen(kw_only=True)
class ValueCount:
    """A code value met that the configuration does not map: where, how often, and what to do."""

    what: str
    where: str
    value: str
    count: int
    hint: str = ""


@attrs.frozen(kw_only=True)
class RuleReport:
    """One rule of the chosen profile: assessable on this source, or the facets it lacks."""

    rule: str
    assessable: bool
    missing: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class SourceReport:
    """What a source holds for an adapter; ``ok`` when every required facet is in source."""

    adapter: str
    source: str
    facets: tuple[FacetReport, ...]
    tables: tuple[TableReport, ...] = ()
    unmapped: tuple[ValueCount, ...] = ()
    profile: str | None = None
    rules: tuple[RuleReport, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every required facet is in source."""
        return all(f.status == IN_SOURCE for f in self.facets if f.required)

    @property
    def in_source(self) -> frozenset[str]:
        """The facets in source."""
        return frozenset(f.facet for f in self.facets if f.status == IN_SOURCE)

    def assessed(self, profile: str, rules: Iterable[tuple[str, frozenset[Facet]]]) -> SourceReport:
        """This report with each rule of ``profile`` (id, facets it needs) marked assessable or not."""
        found = self.in_source
        return attrs.evolve(
            self,
            profile=profile,
            rules=tuple(
                RuleReport(
                    rule=rule,
                    assessable=not (missing := sorted(f.value for f in needs if f.value not in found)),
                    missing=tuple(missing),
                )
                for rule, needs in rules
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of ``permanence source check --format json``."""
        return {"ok": self.ok, **attrs.asdict(self)}

    def lines(self) -> list[str]:
        """The report as text, for people."""
        out = [f"{self.adapter} source {self.source}: {'OK' if self.ok else 'NOT OK: a required facet is missing'}"]
        out.append("Facets:")
        for facet in self.facets:
            flag = " (required)" if facet.required else ""
            detail = f": missing {', '.join(facet.missing)}" if facet.missing else ""
            note = f" ({facet.note})" if facet.note else ""
            out.append(f"  {facet.facet:<12} {facet.status}{flag}{detail}{note}")
        if self.tables:
            out.append("Tables:")
            for table in self.tables:
                if not table.present:
                    out.append(f"  {table.table}: not found")
                    continue
                missing = f"; missing columns {', '.join(table.missing)}" if table.missing else ""
                out.append(f"  {table.table}: {table.rows} rows, {len(table.found)} columns found{missing}")
        if self.unmapped:
            out.append("Values the configuration does not map:")
            for value in self.unmapped:
                hint = f" ({value.hint})" if value.hint else ""
                out.append(f"  {value.what} {value.value!r} in {value.where}: {value.count} rows{hint}")
        if self.profile is not None:
            assessable = [r.rule for r in self.rules if r.assessable]
            out.append(f"Rules of profile {self.profile}: {len(assessable)} of {len(self.rules)} assessable")
            out.extend(
                f"  not assessable: {r.rule} (needs {', '.join(r.missing)})" for r in self.rules if not r.assessable
            )
        out.extend(f"Note: {notice}" for notice in self.notices)
        return out


def warehouse_report(
    adapter: str,
    source: str,
    found: Survey,
    warehouse: Warehouse,
    *,
    unconfigured: Mapping[str, str] | None = None,
    never: Mapping[str, str] | None = None,
    unmapped: Iterable[ValueCount] = (),
    notices: Iterable[str] = (),
) -> SourceReport:
    """The report of a surveyed warehouse: row counts of the tables there, and each facet's status.

    ``unconfigured`` names facets the adapter can read once the council configures them (and how);
    ``never`` names facets this source cannot hold (and why). Any other facet the layout does not need is
    "not read".
    """
    layout = found.layout
    tables = tuple(
        TableReport(
            table=name,
            present=table.present,
            rows=warehouse.count(name) if table.present else None,
            found=tuple(table.found) if table.present else (),
            missing=tuple(table.missing) if table.present else (),
        )
        for name, table in found.tables.items()
    )
    facets = []
    for facet in FACETS:
        required = facet in REQUIRED_FACETS
        if facet in layout.needs:
            missing = found.missing_for(facet)
            facets.append(
                FacetReport(
                    facet=facet,
                    status=NOT_IN_SOURCE if missing else IN_SOURCE,
                    required=required,
                    needs=tuple(f"{table}({', '.join(columns)})" for table, columns in layout.needs[facet].items()),
                    missing=tuple(missing),
                )
            )
        elif unconfigured and facet in unconfigured:
            facets.append(FacetReport(facet=facet, status=NOT_CONFIGURED, note=unconfigured[facet]))
        else:
            note = (never or {}).get(facet, "not read by this adapter")
            facets.append(FacetReport(facet=facet, status=NOT_READ, required=required, note=note))
    return SourceReport(
        adapter=adapter,
        source=source,
        facets=tuple(facets),
        tables=tables,
        unmapped=tuple(unmapped),
        notices=tuple(found.warnings()) + tuple(notices),
    )


def value_counts(warehouse: Warehouse, table: str, column: str) -> Counter[str] | None:
    """Each value of ``table.column`` with its row count; None when the table or column is not there."""
    survey = warehouse.survey.tables.get(table)
    if survey is None or not survey.present or survey.columns.get(column) is None:
        return None
    selectable = warehouse.table(table)
    query = sa.select(selectable.c[column].label("value"), sa.func.count().label("n")).group_by(selectable.c[column])
    counts: Counter[str] = Counter()
    for row in warehouse.rows(query):
        text = to_text(row["value"])
        if text is not None:
            counts[text] += int(row["n"])
    return counts


def unmapped_values(
    warehouse: Warehouse,
    table: str,
    column: str,
    *,
    what: str,
    known: Callable[[str], bool],
    hint: Callable[[str], str] | None = None,
) -> list[ValueCount]:
    """The values of ``table.column`` that ``known`` refuses, with their row counts, most frequent first.

    Nothing when the table or column is not there (the facet report already says so).
    """
    counts = value_counts(warehouse, table, column) or Counter()
    refused = Counter({value: count for value, count in counts.items() if not known(value)})
    return [
        ValueCount(what=what, where=f"{table}.{column}", value=value, count=count, hint=hint(value) if hint else "")
        for value, count in refused.most_common(LIMIT)
    ]


def load_report(adapter: str, source: str, result: LoadResult) -> SourceReport:
    """The report any adapter can give from a load: the facets its records cover, its rejections by value.

    Identity and care are in source when at least one child loaded; names when any child has a name.
    Rejected values are listed with their counts, as a warehouse's unmapped codes are.
    """
    covered = {facet.value for record in result.records for facet in record.coverage}
    if result.records:
        covered |= {"identity", "care"}
    if any(record.child.first_name or record.child.surname for record in result.records):
        covered.add("names")
    facets = tuple(
        FacetReport(
            facet=facet,
            status=IN_SOURCE if facet in covered else NOT_IN_SOURCE,
            required=facet in REQUIRED_FACETS,
            note="" if facet in covered or facet in REQUIRED_FACETS else "no loaded record covers it",
        )
        for facet in FACETS
    )
    counts: Counter[tuple[str, str, str]] = Counter()
    for rejection in result.rejected:
        counts[(rejection.field or "record", rejection.value or "", rejection.reason)] += 1
    unmapped = tuple(
        ValueCount(what="rejected value", where=field, value=value, count=count, hint=reason)
        for (field, value, reason), count in counts.most_common(LIMIT)
    )
    summary = result.summary()
    notices = (f"loaded {summary['children']} children; {summary['rejected']} records rejected",)
    return SourceReport(
        adapter=adapter, source=source, facets=facets, unmapped=unmapped, notices=notices + tuple(result.notices)
    )


__all__ = [
    "IN_SOURCE",
    "NOT_CONFIGURED",
    "NOT_IN_SOURCE",
    "NOT_READ",
    "FacetReport",
    "RuleReport",
    "SourceReport",
    "TableReport",
    "ValueCount",
    "load_report",
    "unmapped_values",
    "value_counts",
    "warehouse_report",
]
