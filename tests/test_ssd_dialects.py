"""The SSD reader's queries as SQL Server and PostgreSQL receive them, and a load from a real PostgreSQL server.

Eclipse councils build the SSD in PostgreSQL and most others in SQL Server, while the other tests use SQLite.
Every query the reader sends is compiled with both dialects here; with ``PERMANENCE_TEST_POSTGRES_URL`` set
(``.ci/run`` sets it) the synthetic SSD is also copied into PostgreSQL, with TIMESTAMP date columns, and loaded.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import attrs
import pytest
from sqlalchemy.dialects import mssql, postgresql, sqlite

from permanence_core import api
from permanence_core.adapters.ssd.config import SsdConfig, load_config
from permanence_core.adapters.ssd.reader import queries
from permanence_core.adapters.ssd.tables import layout
from permanence_core.adapters.warehouse import Warehouse, full_survey
from permanence_core.synth import CohortSpec, generate
from permanence_core.testing.databases import POSTGRES_ENV, compiled, postgres_copy, sent_queries

DIALECTS = {"mssql": mssql.dialect(), "postgresql": postgresql.dialect()}


@pytest.fixture(scope="module")
def ssd_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ssd")
    generate(CohortSpec(children=40, seed=7, as_of=dt.date(2026, 11, 2)), folder / "return", ssd_out=folder / "s.db")
    return folder / "s.db"


def _queries(config: SsdConfig, schema: str | None) -> dict[str, str]:
    warehouse = Warehouse(None, full_survey(layout(config), schema))
    return {name: compiled(query, sqlite.dialect()) for name, query in queries(config, warehouse).items()}


def test_the_reader_sends_exactly_the_queries_compiled_here(ssd_file: Path) -> None:
    sent = sent_queries(lambda: api.load("ssd", f"sqlite:///{ssd_file}"))

    assert sorted(compiled(query, sqlite.dialect()) for query in sent) == sorted(_queries(SsdConfig(), None).values())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_query_compiles_schema_qualified(dialect: str) -> None:
    config = SsdConfig(proceedings_from_legal_status=True)
    warehouse = Warehouse(None, full_survey(layout(config), "ssd_development"))

    for name, query in queries(config, warehouse).items():
        sql = compiled(query, DIALECTS[dialect])
        read_from = re.findall(r"(?:FROM|JOIN)\s+([^\s(]+)", sql)
        assert f"ssd_development.{name}" in read_from, sql
        assert all(table.startswith("ssd_development.ssd_") for table in read_from), sql


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_build_whose_names_differ_compiles_through_a_renaming_subquery(dialect: str, tmp_path: Path) -> None:
    path = tmp_path / "council.toml"
    path.write_text('[ssd]\nsystem = "mosaic"\nschema = "dbo"\n', encoding="utf-8")
    config = load_config({"config": str(path)})
    documented = full_survey(layout(config), config.schema)
    plan = documented.tables["ssd_cla_care_plan"]
    # Mosaic's build calls the care plan's key lacp_cla_care_plan_id (the system's shipped column map).
    found = attrs.evolve(plan, columns={**plan.columns, "lacp_table_id": "lacp_cla_care_plan_id"})
    survey = attrs.evolve(documented, tables={**documented.tables, "ssd_cla_care_plan": found})

    sql = compiled(queries(config, Warehouse(None, survey))["ssd_cla_care_plan"], DIALECTS[dialect])

    assert "lacp_cla_care_plan_id AS lacp_table_id" in sql
    assert "FROM dbo.ssd_cla_care_plan" in sql
    assert config.columns == {"ssd_cla_care_plan": {"lacp_table_id": "lacp_cla_care_plan_id"}}


POSTGRES = os.environ.get(POSTGRES_ENV)
BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_ssd_loads_the_same_from_each_database(backend: str, ssd_file: Path, tmp_path: Path) -> None:
    expected = api.load("ssd", f"sqlite:///{ssd_file}")
    if backend == "sqlite":
        assert expected.records and not expected.rejected
        return
    with postgres_copy(ssd_file) as (url, schema):
        config = tmp_path / "council.toml"
        config.write_text(f'[ssd]\nschema = "{schema}"\n', encoding="utf-8")

        result = api.load("ssd", url, {"config": str(config)})

    assert not result.rejected
    assert result.records == expected.records
