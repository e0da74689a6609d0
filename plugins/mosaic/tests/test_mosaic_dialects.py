"""The Mosaic reader's queries as SQL Server and PostgreSQL receive them (the tests' warehouses are SQLite)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from permanence_mosaic.config import load_config
from permanence_mosaic.warehouse import layout, queries
from sqlalchemy.dialects import mssql, postgresql, sqlite

from permanence_core import api
from permanence_core.adapters.warehouse import Warehouse, full_survey
from permanence_core.testing.databases import compiled, sent_queries

EXAMPLE = Path(__file__).parents[1] / "examples" / "council.toml"


def _compiled(dialect: Any, config_path: Path = EXAMPLE) -> dict[str, str]:
    config = load_config({"config": str(config_path)})
    warehouse = Warehouse(None, full_survey(layout(config), config.schema))
    return {name: compiled(query, dialect) for name, query in queries(config, warehouse).items()}


def test_the_reader_sends_exactly_the_queries_compiled_here(warehouse: Callable[..., str], config: Path) -> None:
    url = warehouse()

    sent = sent_queries(lambda: api.load("mosaic", url, {"config": str(config)}))

    assert sorted(compiled(q, sqlite.dialect()) for q in sent) == sorted(_compiled(sqlite.dialect(), config).values())


@pytest.mark.parametrize("dialect", [mssql.dialect(), postgresql.dialect()], ids=["mssql", "postgresql"])
def test_every_query_names_its_tables_with_the_configured_schema(dialect: Any) -> None:
    found = _compiled(dialect)

    assert len(found) == 13, sorted(found)
    for name, sql in found.items():
        read_from = re.findall(r"(?:FROM|JOIN)\s+([^\s(]+)", sql)
        assert f"dbo.{name}" in read_from, sql
        assert all(table.startswith("dbo.dm_") for table in read_from), sql
        assert "LIMIT" not in sql


def test_renamed_columns_are_read_under_the_adapters_names_on_sql_server(tmp_path: Path) -> None:
    path = tmp_path / "council.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "[mosaic.step_types]", '[mosaic.columns.dm_persons]\nfirst_name = "Forenames"\n\n[mosaic.step_types]'
        ),
        encoding="utf-8",
    )
    config = load_config({"config": str(path)})
    documented = full_survey(layout(config), config.schema)
    persons = documented.tables["dm_persons"]
    found = attrs.evolve(persons, columns={**persons.columns, "first_name": "Forenames", "last_name": None})
    survey = attrs.evolve(documented, tables={**documented.tables, "dm_persons": found})

    sql = compiled(queries(config, Warehouse(None, survey))["dm_persons"], mssql.dialect())

    assert "dbo.dm_persons.[Forenames] AS first_name" in sql
    assert "NULL AS last_name" in sql
