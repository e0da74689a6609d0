"""The Liquidlogic reader's queries as SQL Server and PostgreSQL receive them, and a load from PostgreSQL.

LCS warehouses run on SQL Server (``HDM.Child_Social``: database and schema); the tests' warehouses are
SQLite. Every query the reader sends is compiled with the ``mssql`` and ``postgresql`` dialects; with
``PERMANENCE_TEST_POSTGRES_URL`` set the sample warehouse is also copied into PostgreSQL and loaded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from permanence_liquidlogic.config import LiquidlogicConfig, load_config
from permanence_liquidlogic.tables import layout, queries
from sqlalchemy.dialects import mssql, postgresql, sqlite

from permanence_core import api
from permanence_core.adapters import CohortLoad
from permanence_core.adapters.warehouse import Warehouse, full_survey
from permanence_core.cohort import DETAIL_SCHEMAS, SCHEMAS, detail_from_records
from permanence_core.model import MeetingKind, WorkerRole
from permanence_core.testing.databases import POSTGRES_ENV, compiled, postgres_copy, sent_queries

Warehouse_ = Callable[..., tuple[str, Mapping[str, Any]]]

#: Every facet configured, templates too, so every query the reader can send is built.
CONFIG = LiquidlogicConfig(
    schema="HDM.Child_Social",
    person_id_field="LEGACY_ID",
    meeting_types={"PPM": MeetingKind.PPM},
    permanence_form_templates=("Care Plan",),
    involvement_roles={"CW": WorkerRole.SOCIAL_WORKER},
    worker_id_field="STAFF_ID",
)


def _compiled(config: LiquidlogicConfig, dialect: Any) -> dict[str, str]:
    warehouse = Warehouse(None, full_survey(layout(config), config.schema))
    return {name: compiled(query, dialect) for name, query in queries(config, warehouse).items()}


def test_the_reader_sends_exactly_the_queries_compiled_here(warehouse: Warehouse_) -> None:
    url, options = warehouse()
    config = load_config(options)

    sent = sent_queries(lambda: api.load("liquidlogic", url, options))

    assert sorted(compiled(q, sqlite.dialect()) for q in sent) == sorted(_compiled(config, sqlite.dialect()).values())


def test_on_sql_server_every_table_is_named_with_its_database_and_schema() -> None:
    for name, sql in _compiled(CONFIG, mssql.dialect()).items():
        read_from = re.findall(r"(?:FROM|JOIN)\s+([^\s(]+)", sql)
        assert read_from and all(t.startswith("[HDM].[Child_Social].[") for t in read_from), (name, sql)
        assert "NULLS LAST" not in sql and "LIMIT" not in sql


def test_on_postgresql_every_table_is_named_with_its_schema() -> None:
    for name, sql in _compiled(CONFIG, postgresql.dialect()).items():
        read_from = re.findall(r"(?:FROM|JOIN)\s+([^\s(]+)", sql)
        assert read_from and all(t.startswith('"HDM.Child_Social"."') for t in read_from), (name, sql)


def test_a_review_s_outcome_form_is_chosen_alike_in_every_dialect() -> None:
    # DESC alone puts NULLs first in PostgreSQL: the order must say where a missing outcome form goes.
    for dialect in (mssql.dialect(), postgresql.dialect(), sqlite.dialect()):
        sql = _compiled(CONFIG, dialect)["review meetings"]
        assert re.search(r"CASE WHEN .*FACT_OUTCM_FORM_ID.* IS NULL\)? THEN 1 ELSE 0 END", sql), sql


POSTGRES = os.environ.get(POSTGRES_ENV)
BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_warehouse_loads_the_same_from_each_database(
    backend: str, warehouse: Warehouse_, rows: dict[str, list[tuple]], tmp_path: Path
) -> None:
    # A subject listed twice for one review, once without its outcome form: the form must still be found.
    url, options = warehouse(subjects=[(92, 201, None), *rows["subjects"]])
    expected = api.load("liquidlogic", url, options)
    assert expected.records[0].plans and not expected.rejected
    if backend == "sqlite":
        return
    text = Path(options["config"]).read_text(encoding="utf-8")
    with postgres_copy(Path(options["config"]).parent / "child_social.db") as (server, schema):
        config = tmp_path / "pg.toml"
        text = re.sub(r"^sqlite_attach = .*$", "", text, flags=re.MULTILINE)
        config.write_text(text.replace('schema = "Child_Social"', f'schema = "{schema}"'), encoding="utf-8")

        result = api.load("liquidlogic", server, {"config": str(config)})
        # The columnar reader on PostgreSQL's own types (timestamps, integers) gives the records' tables too.
        tables = api.load_cohort("liquidlogic", server, {"config": str(config), "detail": True})

    assert not result.rejected
    assert result.records == expected.records
    records = CohortLoad.of(result)
    for name in SCHEMAS:
        mine, theirs = getattr(tables.cohort, name), getattr(records.cohort, name)
        assert mine.sort(mine.columns, nulls_last=True).equals(theirs.sort(theirs.columns, nulls_last=True)), name
    assert (tables.rejected, tables.read, tables.notices) == (records.rejected, records.read, records.notices)
    assert tables.detail is not None
    detail = detail_from_records(result.records)
    for name in DETAIL_SCHEMAS:
        assert getattr(tables.detail, name).equals(getattr(detail, name)), name
