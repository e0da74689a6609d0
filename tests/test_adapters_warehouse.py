"""A warehouse as it is: facets from the tables and columns there, renamed columns, missing ones read as empty."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import pytest
from sqlalchemy.dialects import mssql

from permanence_core.adapters.database import connect, source_of
from permanence_core.adapters.warehouse import (
    Layout,
    TablesOnDemand,
    TableSpec,
    Warehouse,
    read_column_map,
    survey,
)
from permanence_core.errors import ConfigError, InputError
from permanence_core.testing.databases import compiled

TABLES = {
    "people": TableSpec("people", "person_id forename dob", "person_id", "person_id"),
    "periods": TableSpec("periods", "period_id person_id start_date", "period_id", "person_id"),
    "reviews": TableSpec("reviews", "review_id person_id held_on", "review_id", "person_id"),
}
LAYOUT = Layout(
    tables=TABLES,
    needs={
        "identity": {"people": ("person_id",)},
        "names": {"people": ("forename",)},
        "care": {"periods": ("period_id", "person_id", "start_date")},
        "reviews": {"reviews": ("review_id", "person_id", "held_on")},
    },
)


def _db(tmp_path: Path, *ddl: str) -> str:
    path = tmp_path / "w.db"
    with sqlite3.connect(path) as db:
        for statement in ddl:
            db.execute(statement)
    db.close()
    return f"sqlite:///{path}"


def test_facets_follow_the_tables_and_columns_there(tmp_path: Path) -> None:
    url = _db(
        tmp_path,
        "CREATE TABLE people (PERSON_ID INTEGER, first_names TEXT)",
        "CREATE TABLE periods (period_id INTEGER, person_id INTEGER, start_date TEXT)",
        "INSERT INTO people VALUES (7, 'Synthetic')",
    )
    with connect(url, password_env="UNUSED") as connection:
        found = survey(connection, LAYOUT, None, {"people": {"forename": "first_names"}})
        rows = Warehouse(connection, found).fetch("people")

    # Names are compared without case and renamed; dob is detail, so it reads as empty.
    assert rows == [{"person_id": 7, "forename": "Synthetic", "dob": None}]
    assert found.available == {"identity", "names", "care"}
    assert found.warnings() == [
        "people.dob is not in the warehouse: read as empty",
        "reviews is not in the warehouse: reviews not in source",
    ]


def test_a_missing_required_column_names_it_and_the_source_as_given(tmp_path: Path) -> None:
    url = _db(tmp_path, "CREATE TABLE people (person_id INTEGER)", "CREATE TABLE periods (period_id INTEGER)")

    with pytest.raises(InputError) as raised, connect(url, password_env="UNUSED") as connection:
        survey(connection, LAYOUT, None, {}).require(source_of(connection))

    assert str(raised.value) == (
        f"{url}: missing (needed for identity and care): periods.person_id, periods.start_date"
    )


def test_a_renamed_or_missing_column_is_read_through_a_subquery_on_any_dialect(tmp_path: Path) -> None:
    url = _db(tmp_path, "CREATE TABLE people (person_id INTEGER, first_names TEXT)")
    with connect(url, password_env="UNUSED") as connection:
        found = survey(connection, LAYOUT, None, {"people": {"forename": "first_names"}})

    # As SQL Server would receive it from a warehouse in schema dbo.
    sql = compiled(Warehouse(None, attrs.evolve(found, schema="dbo")).select("people"), mssql.dialect())

    assert "dbo.people.first_names AS forename" in sql and "NULL AS dob" in sql


def test_the_columns_map_names_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match=r"x\.toml, acme\.columns\.people\.surname: is not a column"):
        read_column_map({"people": {"surname": "last"}}, TABLES, "x.toml", "acme")
    with pytest.raises(ConfigError, match=r"acme\.columns\.persons: is not a table this adapter reads"):
        read_column_map({"persons": {}}, TABLES, "x.toml", "acme")


def test_only_the_facets_asked_for_are_available_and_the_others_left_out(tmp_path: Path) -> None:
    url = _db(
        tmp_path,
        "CREATE TABLE people (person_id INTEGER, forename TEXT, dob TEXT)",
        "CREATE TABLE periods (period_id INTEGER, person_id INTEGER, start_date TEXT)",
        "CREATE TABLE reviews (review_id INTEGER, person_id INTEGER, held_on TEXT)",
    )
    with connect(url, password_env="UNUSED") as connection:
        everything = survey(connection, LAYOUT.only(None), None, {})
        care_only = survey(connection, LAYOUT.only([]), None, {})

    assert everything.available == {"identity", "names", "care", "reviews"}
    # Identity, names and care are always read; reviews were not asked for, so they are not available.
    assert care_only.available == {"identity", "names", "care"}
    assert LAYOUT.left_out([]) == ["reviews"]
    assert LAYOUT.left_out(["reviews"]) == []
    assert LAYOUT.left_out(None) == []


def test_tables_on_demand_fetch_each_table_when_asked_and_count_its_rows(tmp_path: Path) -> None:
    url = _db(
        tmp_path,
        "CREATE TABLE people (person_id INTEGER, forename TEXT, dob TEXT)",
        "INSERT INTO people VALUES (7, 'Synthetic', NULL), (8, 'Synthetic', NULL)",
        "CREATE TABLE periods (period_id INTEGER, person_id INTEGER, start_date TEXT)",
    )
    progress: list[tuple[int, int]] = []
    with connect(url, password_env="UNUSED") as connection:
        warehouse = Warehouse(connection, survey(connection, LAYOUT, None, {}))
        queries = {name: warehouse.select(name) for name in ("people", "periods")}
        tables = TablesOnDemand(queries, warehouse.rows, TABLES, lambda done, total: progress.append((done, total)))
        assert tables.read == 0  # nothing is fetched before it is asked for
        people = tables["people"]
        reviews = tables["reviews"]

    assert [row["person_id"] for row in people] == [7, 8]
    assert reviews == []  # a table not queried (its facet not in source) reads as no rows
    assert tables.read == 2
    assert tables.counts == {"people": 2}
    assert progress == [(1, 2)]
    assert list(tables) == ["people", "periods", "reviews"]
    with pytest.raises(KeyError):
        tables["nonsense"]
