"""A Liquidlogic warehouse as it is: each optional table and column missing in turn, and columns named differently.

Each load must still give every alert the facets it keeps support, and say in one warning what is missing.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from permanence_liquidlogic.config import load_config
from permanence_liquidlogic.tables import TABLES, layout

from permanence_core import api
from permanence_core.adapters import LoadResult
from permanence_core.adapters.warehouse import FACETS
from permanence_core.errors import ConfigError, InputError
from permanence_core.model import Facet
from permanence_core.rules.engine import needed_facets
from permanence_core.rules.profile import load_profile

AS_OF = dt.date(2024, 6, 1)
PROFILE = "bolton"
Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]


def _alter(built: tuple[str, Mapping[str, Any]], *statements: str) -> tuple[str, Mapping[str, Any]]:
    url, options = built
    with sqlite3.connect(Path(options["config"]).parent / "child_social.db") as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()
    return url, options


def _load(built: tuple[str, Mapping[str, Any]]) -> LoadResult:
    return api.load("liquidlogic", *built)


def _alerts(result: LoadResult, keep: frozenset[Facet] | None = None) -> set[tuple[str, str, str, dt.date]]:
    profile = load_profile(PROFILE)
    assessable = {rule.id for rule in profile.rules if keep is None or needed_facets(rule) <= keep}
    evaluation = api.evaluate(result.records, profile=profile, as_of=AS_OF)
    return {(a.child_id, a.rule, a.status.value, a.due_date) for a in evaluation.alerts if a.rule in assessable}


def _needs(options: Mapping[str, Any]) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    return layout(load_config(options)).needs


def _named(needs: Mapping[str, Mapping[str, tuple[str, ...]]], table: str, column: str | None) -> list[str]:
    """The facets (report order) that need ``table`` or its ``column``."""
    return [f for f in FACETS if table in needs.get(f, {}) and (column is None or column in needs[f][table])]


def _lost(needs: Mapping[str, Mapping[str, tuple[str, ...]]], table: str, column: str | None) -> frozenset[Facet]:
    return frozenset(Facet(f) for f in _named(needs, table, column) if f in {facet.value for facet in Facet})


REQUIRED = {("DIM_PERSON", "DIM_PERSON_ID")} | {
    (table, column) for table in ("FACT_CARE_EPISODES", "FACT_LEGAL_STATUS") for column in TABLES[table].columns
}
OPTIONAL_COLUMNS = [(t, c) for t, spec in TABLES.items() for c in spec.columns if (t, c) not in REQUIRED]


def test_the_sample_raises_alerts_to_compare(warehouse: Warehouse) -> None:
    assert _alerts(_load(warehouse()))


@pytest.mark.parametrize(("table", "column"), OPTIONAL_COLUMNS, ids=lambda v: v)
def test_each_optional_column_removed_in_turn_leaves_the_alerts_of_the_other_facets(
    warehouse: Warehouse, table: str, column: str
) -> None:
    full = _load(warehouse())
    built = _alter(warehouse(), f"ALTER TABLE {table} DROP COLUMN {column}")

    result = _load(built)

    needs = _needs(built[1])
    lost = _lost(needs, table, column)
    [warning] = [n for n in result.notices if n.startswith(f"{table}.{column} ")]
    named = ", ".join(_named(needs, table, column))
    assert warning.endswith(f"{named} not in source" if named else "read as empty")
    kept = next(iter({r.coverage for r in full.records})) - lost
    assert {r.coverage for r in result.records} == {kept}
    assert sorted(r.child_id for r in result.records) == sorted(r.child_id for r in full.records)
    assert _alerts(result) == _alerts(full, kept)


OPTIONAL_TABLES = [t for t in TABLES if t not in ("DIM_PERSON", "FACT_CARE_EPISODES", "FACT_LEGAL_STATUS")]


@pytest.mark.parametrize("table", OPTIONAL_TABLES)
def test_each_optional_table_removed_in_turn_leaves_the_alerts_of_the_other_facets(
    warehouse: Warehouse, table: str
) -> None:
    full = _load(warehouse())
    built = warehouse(omit=[table])

    result = _load(built)

    needs = _needs(built[1])
    lost = _lost(needs, table, None)
    [warning] = [n for n in result.notices if n.startswith(f"{table} is not in the warehouse: ")]
    named = ", ".join(_named(needs, table, None))
    assert warning.endswith(f"{named} not in source" if named else "not read")
    kept = next(iter({r.coverage for r in full.records})) - lost
    assert {r.coverage for r in result.records} == {kept}
    assert _alerts(result) == _alerts(full, kept)


def test_a_missing_care_column_stops_the_load_naming_it(warehouse: Warehouse) -> None:
    built = _alter(warehouse(), "ALTER TABLE FACT_CARE_EPISODES DROP COLUMN CARE_START_DATE")

    with pytest.raises(InputError, match=r"FACT_CARE_EPISODES\.CARE_START_DATE$") as raised:
        _load(built)
    assert str(raised.value).startswith(f"{built[0]}: ")


def test_a_columns_map_reads_a_warehouse_whose_names_differ(warehouse: Warehouse) -> None:
    renames = {
        "DIM_PERSON": {"DIM_PERSON_ID": "PERSON_KEY", "FORENAME": "FIRST_NAMES"},
        "FACT_CARE_EPISODES": {"CARE_START_DATE": "EPISODE_START"},
        "FACT_CLA_REVIEW": {"MEETING_DTTM": "REVIEW_DTTM"},
        "FACT_MEETINGS": {"ACTUAL_DTTM": "MEETING_DATE"},
    }
    maps = "".join(
        f"\n[liquidlogic.columns.{table}]\n" + "".join(f'{ours} = "{theirs}"\n' for ours, theirs in columns.items())
        for table, columns in renames.items()
    )
    full = _load(warehouse())
    url, options = _alter(
        warehouse(),
        *(
            f"ALTER TABLE {table} RENAME COLUMN {ours} TO {theirs}"
            for table, columns in renames.items()
            for ours, theirs in columns.items()
        ),
    )
    config = Path(options["config"])
    config.write_text(config.read_text(encoding="utf-8") + maps, encoding="utf-8")

    result = _load((url, options))

    assert result.records == full.records
    assert _alerts(result) == _alerts(full)


def test_a_columns_map_naming_an_unknown_table_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "council.toml"
    path.write_text('[liquidlogic.columns.DIM_PEOPLE]\nFORENAME = "FIRST"\n', encoding="utf-8")

    with pytest.raises(ConfigError, match=r"liquidlogic\.columns\.DIM_PEOPLE: is not a table this adapter reads"):
        load_config({"config": str(path)})
