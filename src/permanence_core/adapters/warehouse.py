"""A reporting warehouse as it is: which tables and columns it has, renamed columns, and the facets it can supply.

Every council's warehouse differs a little from the documentation. An adapter declares, per facet, the tables
and columns it needs (:class:`Layout`); :func:`survey` looks at the database once, and :class:`Warehouse`
then reads only what is there. A missing table or column of an optional facet marks that facet "not in
source" with one warning naming the table and column; only the identity and care facets are required. A
column read for detail only (a UPN, a worker's name) is read as empty when missing, also with one warning.
Columns the council's warehouse names differently are renamed through the ``[<adapter>.columns]`` map.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement, FromClause

from permanence_core.adapters.database import row_dicts
from permanence_core.errors import ConfigError, InputError, Location

#: Every facet a source can supply, in the order reports list them. ``identity`` is who the child is (the
#: person id); ``names`` their names; the others are the model's facets (``permanence_core.model.Facet``).
FACETS = ("identity", "care", "reviews", "plans", "meetings", "proceedings", "adoption", "siblings", "workers", "names")

#: The facets without which nothing can be loaded.
REQUIRED_FACETS = frozenset({"identity", "care"})


def _names(text: str | Iterable[str]) -> tuple[str, ...]:
    return tuple(text.split()) if isinstance(text, str) else tuple(text)


@attrs.frozen
class TableSpec:
    """A table an adapter reads: every column it reads, the key naming a row, and the column naming the person."""

    name: str
    columns: tuple[str, ...] = attrs.field(converter=_names)
    keys: tuple[str, ...] = attrs.field(converter=_names)
    person: str | None = None


@attrs.frozen
class Layout:
    """What an adapter reads and what each facet needs.

    ``needs`` maps a facet to the tables and columns it cannot do without; a column of ``tables`` that no
    facet needs is detail, read as empty when the warehouse lacks it. A table no facet needs is read when
    present and otherwise skipped with a warning.
    """

    tables: Mapping[str, TableSpec]
    needs: Mapping[str, Mapping[str, tuple[str, ...]]]

    def only(self, facets: Collection[str] | None) -> Layout:
        """The layout reading only ``facets`` (None: every facet); identity, care and names are always read.

        The facets left out are dropped from ``needs``, so they are never available and their tables never
        queried; every table is still surveyed (another facet may read it for detail). A facet not read is in
        no child's coverage, so a rule needing it is not assessable rather than silently satisfied.
        """
        if facets is None:
            return self
        kept = {*facets, *REQUIRED_FACETS, "names"}
        return Layout(tables=self.tables, needs={facet: need for facet, need in self.needs.items() if facet in kept})

    def left_out(self, facets: Collection[str] | None) -> list[str]:
        """The facets this layout reads that ``facets`` leaves out, in report order (none when None)."""
        if facets is None:
            return []
        return [facet for facet in FACETS if facet in self.needs and facet not in {*facets, *REQUIRED_FACETS, "names"}]

    def facets_needing(self, table: str, column: str | None = None) -> list[str]:
        """Facets that need ``table`` (or its ``column``), in report order."""
        return [
            facet
            for facet in FACETS
            if table in self.needs.get(facet, {}) and (column is None or column in self.needs[facet][table])
        ]


def read_column_map(
    raw: object, layout_tables: Mapping[str, TableSpec], path: str, section: str
) -> dict[str, dict[str, str]]:
    """The ``[<section>.columns]`` table: per table, the adapter's column name to the warehouse's own.

    ``[mosaic.columns.dm_persons]`` with ``first_name = "forenames"`` reads ``dm_persons.forenames`` where
    the adapter reads ``first_name``. An unknown table or column is a ConfigError naming the known ones.
    """
    if raw is None:
        return {}
    field = f"{section}.columns"
    if not isinstance(raw, dict):
        raise ConfigError(Location(source=path, field=field), "must be a table of tables (one per warehouse table)")
    found: dict[str, dict[str, str]] = {}
    for table, columns in raw.items():
        where = Location(source=path, field=f"{field}.{table}")
        if table not in layout_tables:
            raise ConfigError(where, f"is not a table this adapter reads ({', '.join(sorted(layout_tables))})")
        if not isinstance(columns, dict):
            raise ConfigError(where, 'must be a table of column = "warehouse column"')
        known = layout_tables[table].columns
        for ours, theirs in columns.items():
            if ours not in known:
                raise ConfigError(
                    Location(source=path, field=f"{field}.{table}.{ours}"),
                    f"is not a column this adapter reads from {table} ({', '.join(known)})",
                )
            if not isinstance(theirs, str) or not theirs.strip():
                raise ConfigError(Location(source=path, field=f"{field}.{table}.{ours}"), "must be a column name")
        found[table] = {ours: theirs.strip() for ours, theirs in columns.items()}
    return found


@attrs.frozen
class TableSurvey:
    """One table as found: whether it exists, and each column the adapter reads to the warehouse's name (or None)."""

    name: str
    present: bool
    columns: Mapping[str, str | None]

    @property
    def missing(self) -> list[str]:
        """Columns the adapter reads that the warehouse lacks."""
        return [column for column, actual in self.columns.items() if actual is None]

    @property
    def found(self) -> list[str]:
        """Columns the adapter reads that the warehouse has (the adapter's names)."""
        return [column for column, actual in self.columns.items() if actual is not None]


@attrs.frozen
class Survey:
    """What a warehouse holds of a layout: each table as found, the facets it can and cannot supply, and why."""

    layout: Layout
    schema: str | None
    tables: Mapping[str, TableSurvey]
    renames: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)

    def missing_for(self, facet: str) -> list[str]:
        """``table`` or ``table.column`` entries ``facet`` needs and the warehouse lacks."""
        gaps: list[str] = []
        for table, columns in self.layout.needs.get(facet, {}).items():
            found = self.tables[table]
            if not found.present:
                gaps.append(table)
            else:
                gaps.extend(f"{table}.{column}" for column in columns if found.columns[column] is None)
        return gaps

    @property
    def available(self) -> frozenset[str]:
        """The facets the adapter reads whose every table and column is there."""
        return frozenset(facet for facet in self.layout.needs if not self.missing_for(facet))

    def has(self, table: str) -> bool:
        """True when ``table`` is there."""
        return self.tables[table].present

    def require(self, source: str) -> None:
        """InputError naming every table and column of a required facet that is missing."""
        gaps = [gap for facet in FACETS if facet in REQUIRED_FACETS for gap in self.missing_for(facet)]
        if gaps:
            where = f" in schema {self.schema}" if self.schema else ""
            raise InputError(source, f"missing{where} (needed for identity and care): {', '.join(dict.fromkeys(gaps))}")

    def warnings(self) -> list[str]:
        """One warning per missing table or column, naming it and what its absence costs."""
        found: list[str] = []
        for name, table in self.tables.items():
            if not table.present:
                facets = self.layout.facets_needing(name)
                cost = f"{', '.join(facets)} not in source" if facets else "not read"
                found.append(f"{name} is not in the warehouse: {cost}")
                continue
            for column in table.missing:
                facets = self.layout.facets_needing(name, column)
                cost = f"{', '.join(facets)} not in source" if facets else "read as empty"
                mapped = self.renames.get(name, {}).get(column)
                named = f"{name}.{column}" + (f" (mapped to {mapped})" if mapped else "")
                found.append(f"{named} is not in the warehouse: {cost}")
        return found


def survey(
    connection: Connection, layout: Layout, schema: str | None, renames: Mapping[str, Mapping[str, str]]
) -> Survey:
    """Look at the warehouse once: which of the layout's tables and columns it has (names compared without case)."""
    inspector = sa.inspect(connection)
    tables: dict[str, TableSurvey] = {}
    for name, spec in layout.tables.items():
        local = renames.get(name, {})
        if not inspector.has_table(name, schema=schema):
            tables[name] = TableSurvey(name, False, dict.fromkeys(spec.columns))
            continue
        actual = {column["name"].casefold(): column["name"] for column in inspector.get_columns(name, schema=schema)}
        tables[name] = TableSurvey(
            name, True, {column: actual.get(local.get(column, column).casefold()) for column in spec.columns}
        )
    return Survey(layout=layout, schema=schema, tables=tables, renames=renames)


Where = Callable[[FromClause], ColumnElement[bool]]


class Warehouse:
    """Reads a surveyed warehouse under the adapter's own table and column names.

    :meth:`table` gives a selectable whose columns carry the adapter's names whatever the warehouse calls
    them; a detail column the warehouse lacks reads as NULL. Queries built on it compile for any dialect.
    """

    def __init__(self, connection: Connection | None, found: Survey) -> None:
        self.connection = connection
        self.survey = found
        self._tables: dict[str, FromClause] = {}

    def table(self, name: str) -> FromClause:
        """Table ``name`` with the adapter's column names."""
        if name not in self._tables:
            self._tables[name] = self._build(name)
        return self._tables[name]

    def _build(self, name: str) -> FromClause:
        columns = self.survey.tables[name].columns
        schema = self.survey.schema
        if all(actual == column for column, actual in columns.items()):
            return sa.table(name, *(sa.column(column) for column in columns), schema=schema)
        raw = sa.table(name, *(sa.column(actual) for actual in columns.values() if actual), schema=schema)
        # A subquery renames in the database: every query built on it reads the adapter's names.
        return sa.select(
            *(raw.c[actual].label(column) if actual else sa.null().label(column) for column, actual in columns.items())
        ).subquery(name)

    def select(
        self, name: str, *, where: Where | None = None, order_by: Collection[str] | None = None
    ) -> sa.Select[Any]:
        """Every column of ``name`` in key order (or ``order_by``), filtered by ``where`` built on the table."""
        table = self.table(name)
        spec = self.survey.layout.tables[name]
        query = sa.select(table).order_by(*(table.c[column] for column in (order_by or spec.keys)))
        return query if where is None else query.where(where(table))

    def rows(self, query: sa.Select[Any]) -> list[dict[str, Any]]:
        """The rows of ``query`` as dicts keyed by the adapter's column names."""
        if self.connection is None:
            raise RuntimeError("this Warehouse only builds queries")
        return row_dicts(self.connection.execute(query))

    def fetch(self, name: str, *, where: Where | None = None) -> list[dict[str, Any]]:
        """Every row of table ``name`` (filtered by ``where``) in key order."""
        return self.rows(self.select(name, where=where))

    def count(self, name: str) -> int:
        """Rows in table ``name``."""
        if self.connection is None:
            raise RuntimeError("this Warehouse only builds queries")
        table = self.table(name)
        return int(self.connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


Rows = list[dict[str, Any]]


class TablesOnDemand(Mapping[str, Rows]):
    """The rows of each table an adapter queries, fetched when the adapter asks for them and not kept.

    Holding every table's rows at once was most of a national load's memory (1.9 million dicts for 85,000
    children in Mosaic): fetched on demand, a table's rows live only while the code turning them into the
    model runs. A table not queried (its facet not in source or not wanted) reads as no rows. Each table
    is meant to be asked for once: asking again fetches it again.
    """

    def __init__(
        self,
        queries: Mapping[str, sa.Select[Any]],
        fetch: Callable[[sa.Select[Any]], Rows],
        names: Iterable[str] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self._queries = dict(queries)
        self._fetch = fetch
        self._names = tuple(dict.fromkeys([*names, *queries]))
        self._progress = progress
        self._counts: dict[str, int] = {}

    def __getitem__(self, name: str) -> Rows:
        if name not in self._names:
            raise KeyError(name)
        query = self._queries.get(name)
        if query is None:
            return []
        rows = self._fetch(query)
        self._counts[name] = len(rows)
        if self._progress is not None:
            self._progress(len(self._counts), len(self._queries))
        return rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    @property
    def read(self) -> int:
        """Rows fetched so far, across tables."""
        return sum(self._counts.values())

    @property
    def counts(self) -> Mapping[str, int]:
        """Rows fetched so far, by table."""
        return dict(self._counts)


def full_survey(layout: Layout, schema: str | None) -> Survey:
    """A survey of a warehouse holding every table and column exactly as documented (for compiling queries)."""
    tables = {
        name: TableSurvey(name, True, {column: column for column in spec.columns})
        for name, spec in layout.tables.items()
    }
    return Survey(layout=layout, schema=schema, tables=tables)


__all__ = [
    "FACETS",
    "REQUIRED_FACETS",
    "Layout",
    "Survey",
    "TableSpec",
    "TableSurvey",
    "TablesOnDemand",
    "Warehouse",
    "full_survey",
    "read_column_map",
    "survey",
]
