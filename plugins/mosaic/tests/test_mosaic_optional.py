"""A Mosaic warehouse as it is: missing optional tables and columns, and columns named differently.

The warehouse starts as the one the public documentation describes (research/case_systems.md 1.2: no
names in dm_persons, no allocation id), then loses one table or column at a time. Each load must still
give every alert the facets it keeps support, and say in one warning what is missing.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from permanence_mosaic.config import load_config
from permanence_mosaic.reader import read
from permanence_mosaic.warehouse import TABLES, layout

from permanence_core import api
from permanence_core.adapters import LoadResult
from permanence_core.adapters.warehouse import FACETS
from permanence_core.errors import ConfigError, InputError
from permanence_core.model import Facet
from permanence_core.rules.engine import needed_facets
from permanence_core.rules.profile import load_profile

AS_OF = dt.date(2024, 3, 1)
PROFILE = "tracker-meeting"
Warehouse = Callable[..., str]


def _alter(url: str, *statements: str) -> str:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()
    return url


def documented(warehouse: Warehouse) -> str:
    """The sample warehouse with only the columns public sources show."""
    return _alter(
        warehouse(),
        "ALTER TABLE dm_persons DROP COLUMN first_name",
        "ALTER TABLE dm_persons DROP COLUMN last_name",
        "ALTER TABLE dm_allocated_workers DROP COLUMN allocation_id",
    )


def _alerts(result: LoadResult, keep: frozenset[Facet] | None = None) -> set[tuple[str, str, str, dt.date]]:
    profile = load_profile(PROFILE)
    assessable = {rule.id for rule in profile.rules if keep is None or needed_facets(rule) <= keep}
    evaluation = api.evaluate(result.records, profile=profile, as_of=AS_OF)
    return {(a.child_id, a.rule, a.status.value, a.due_date) for a in evaluation.alerts if a.rule in assessable}


@pytest.fixture
def settings(config: Path) -> Callable[..., LoadResult]:
    return lambda url: read(url, load_config({"config": str(config)}))


def test_a_warehouse_built_from_the_public_documentation_loads_with_every_alert(
    warehouse: Warehouse, settings: Callable[[str], LoadResult]
) -> None:
    full = settings(warehouse())
    result = settings(documented(warehouse))

    assert sorted(r.child_id for r in result.records) == ["101", "102", "103"]
    assert [n for n in result.notices if "not in the warehouse" in n] == [
        "dm_persons.first_name is not in the warehouse: names not in source",
        "dm_persons.last_name is not in the warehouse: names not in source",
    ]
    assert {r.child.first_name for r in result.records} == {None}
    assert {r.coverage for r in result.records} == {r.coverage for r in full.records}
    assert _alerts(result) == _alerts(full)
    assert _alerts(full), "the sample must raise alerts for the comparison to mean anything"


def _optional_columns() -> list[tuple[str, str]]:
    needs = layout(load_config({"config": str(Path(__file__).parents[1] / "examples" / "council.toml")})).needs
    required = {(t, c) for facet in ("identity", "care") for t, cols in needs[facet].items() for c in cols}
    documented_gaps = {("dm_persons", "first_name"), ("dm_persons", "last_name")}
    return [
        (table, column)
        for table, spec in TABLES.items()
        for column in spec.columns
        if (table, column) not in required | documented_gaps
    ]


def _lost(table: str, column: str | None, config: Path) -> frozenset[Facet]:
    needs = layout(load_config({"config": str(config)})).needs
    return frozenset(
        Facet(facet)
        for facet, tables in needs.items()
        if facet in {f.value for f in Facet} and table in tables and (column is None or column in tables[table])
    )


@pytest.mark.parametrize(("table", "column"), _optional_columns(), ids=lambda v: v)
def test_each_optional_column_removed_in_turn_leaves_the_alerts_of_the_other_facets(
    warehouse: Warehouse, settings: Callable[[str], LoadResult], config: Path, table: str, column: str
) -> None:
    full = settings(documented(warehouse))
    url = _alter(documented(warehouse), f"ALTER TABLE {table} DROP COLUMN {column}")

    result = settings(url)

    lost = _lost(table, column, config)
    [warning] = [n for n in result.notices if n.startswith(f"{table}.{column} ")]
    named = ", ".join(facet for facet in FACETS if facet in {f.value for f in lost})
    assert warning.endswith(f"{named} not in source" if lost else "read as empty")
    assert sorted(r.child_id for r in result.records) == ["101", "102", "103"]
    kept = next(iter({r.coverage for r in full.records})) - lost
    assert {r.coverage for r in result.records} == {kept}
    assert _alerts(result) == _alerts(full, kept)


CARE_TABLES = ("dm_persons", "dm_periods_of_care", "dm_placements", "dm_legal_statuses")


@pytest.mark.parametrize("table", [t for t in TABLES if t not in CARE_TABLES])
def test_each_optional_table_removed_in_turn_leaves_the_alerts_of_the_other_facets(
    warehouse: Warehouse, settings: Callable[[str], LoadResult], config: Path, table: str
) -> None:
    full = settings(documented(warehouse))
    url = _alter(documented(warehouse), f"DROP TABLE {table}")

    result = settings(url)

    lost = _lost(table, None, config)
    assert lost, f"{table} must serve a facet"
    assert f"{table} is not in the warehouse: " in "\n".join(result.notices)
    kept = next(iter({r.coverage for r in full.records})) - lost
    assert {r.coverage for r in result.records} == {kept}
    assert _alerts(result) == _alerts(full, kept)


def test_a_missing_care_table_still_stops_the_load(warehouse: Warehouse, settings: Callable[[str], LoadResult]) -> None:
    url = _alter(documented(warehouse), "ALTER TABLE dm_legal_statuses DROP COLUMN legal_status")

    with pytest.raises(InputError, match=r"needed for identity and care\): dm_legal_statuses\.legal_status$"):
        settings(url)


RENAMES = {
    "dm_persons": {"person_id": "PERSON_REF", "date_of_birth": "dob"},
    "dm_workflow_steps": {"started_on": "start_datetime", "workflow_step_type_id": "step_type"},
    "dm_cached_form_answers": {"text_answer": "answer_text"},
    "dm_allocated_workers": {"worker_id": "allocated_worker_id"},
}


def test_a_columns_map_reads_a_warehouse_whose_names_differ(
    warehouse: Warehouse, config: Path, settings: Callable[[str], LoadResult]
) -> None:
    full = settings(documented(warehouse))
    url = _alter(
        documented(warehouse),
        *(
            f"ALTER TABLE {table} RENAME COLUMN {ours} TO {theirs}"
            for table, columns in RENAMES.items()
            for ours, theirs in columns.items()
        ),
    )
    text = config.read_text(encoding="utf-8")
    maps = "".join(
        f"\n[mosaic.columns.{table}]\n" + "".join(f'{ours} = "{theirs.lower()}"\n' for ours, theirs in columns.items())
        for table, columns in RENAMES.items()
    )
    mapped_config = config.with_name("renamed.toml")
    mapped_config.write_text(text.replace("[mosaic.step_types]", maps + "\n[mosaic.step_types]"), encoding="utf-8")

    result = read(url, load_config({"config": str(mapped_config)}))

    # Names are compared without case, as SQL Server compares them.
    assert result.records == full.records
    assert _alerts(result) == _alerts(full)


def test_without_the_columns_map_a_renamed_identity_column_is_named_in_the_error(
    warehouse: Warehouse, settings: Callable[[str], LoadResult]
) -> None:
    url = _alter(documented(warehouse), "ALTER TABLE dm_persons RENAME COLUMN person_id TO PERSON_REF")

    with pytest.raises(InputError, match=r"dm_persons\.person_id"):
        settings(url)


def test_a_columns_map_naming_an_unknown_column_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "council.toml"
    path.write_text('[mosaic.columns.dm_persons]\nforename = "first"\n', encoding="utf-8")

    with pytest.raises(ConfigError, match=r"mosaic\.columns\.dm_persons\.forename: is not a column this adapter reads"):
        load_config({"config": str(path)})


def test_a_mapped_column_the_warehouse_lacks_is_named_with_its_mapping(warehouse: Warehouse, config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    mapped = config.with_name("mapped.toml")
    maps = '[mosaic.columns.dm_workers]\nfull_name = "worker_name"\n\n'
    mapped.write_text(text.replace("[mosaic.step_types]", maps + "[mosaic.step_types]"), encoding="utf-8")

    result = read(documented(warehouse), load_config({"config": str(mapped)}))

    assert "dm_workers.full_name (mapped to worker_name) is not in the warehouse: read as empty" in result.notices
    assert {w.name for r in result.records for w in r.workers} == {None}
