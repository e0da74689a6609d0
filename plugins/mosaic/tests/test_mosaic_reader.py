"""How the Mosaic reader turns dm_persons and the care tables into CaseRecords, and what it rejects."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from permanence_mosaic.config import MosaicConfig, load_config
from permanence_mosaic.reader import read
from permanence_mosaic.warehouse import TABLES

from permanence_core.errors import InputError
from permanence_core.model import Facet
from permanence_core.plugins.manager import Plugins

Warehouse = Callable[..., str]


def _by_id(result):
    return {record.child_id: record for record in result.records}


def test_reads_children_with_periods_placements_and_legal_statuses(warehouse: Warehouse) -> None:
    result = read(warehouse(), MosaicConfig())

    children = _by_id(result)
    assert sorted(children) == ["101", "102", "103"]
    amberly = children["101"]
    # Without a council configuration: no step types or question codes, so no reviews, meetings or plans.
    assert amberly.coverage == {Facet.CARE, Facet.ADOPTION, Facet.SIBLINGS, Facet.WORKERS}
    assert amberly.child.identifiers.upn == "A123456789012"
    assert amberly.child.identifiers.nhs_number == "9434765919"
    assert amberly.child.date_of_birth == dt.date(2016, 4, 2)
    assert amberly.child.sex == "F"
    [period] = amberly.periods_of_care
    assert (period.period_id, period.start, period.end) == ("5001", dt.date(2023, 3, 1), None)
    assert [p.placement_type for p in amberly.placements] == ["U6", "U4"]
    assert amberly.placements[1].reason_change == "CARPL"
    assert amberly.legal_status_on(dt.date(2024, 1, 1)) == "E1"
    # persons, periods, placements, legal statuses, adoption rows, sibling relationships, allocations, workers
    assert result.read == 4 + 3 + 4 + 4 + 2 + 2 + 4 + 3
    assert not result.rejected


def test_a_period_ends_for_the_reason_its_last_placement_ended(warehouse: Warehouse) -> None:
    [period] = _by_id(read(warehouse(), MosaicConfig()))["102"].periods_of_care

    assert period.reason_ceased == "E45"
    assert period.outcome == "special_guardianship"


def test_people_without_care_records_are_counted_not_rejected(warehouse: Warehouse) -> None:
    result = read(warehouse(), MosaicConfig())

    assert "900" not in _by_id(result)
    assert result.notices == ("1 people in dm_persons have no care records and are not looked after",)


def test_a_period_whose_legal_statuses_are_all_respite_is_a_short_break(warehouse: Warehouse, rows) -> None:
    legal = [row for row in rows["legal_statuses"] if row[1] != 102]
    legal.append((8020, 102, 5002, "V3", "2021-06-10", "2023-01-20", "Y"))

    [period] = _by_id(read(warehouse(legal_statuses=legal), MosaicConfig()))["102"].periods_of_care

    assert period.short_break


def test_null_keys_and_people_are_rejected_with_their_position(warehouse: Warehouse, rows) -> None:
    placements = [*rows["placements"], (None, 1, 101, 5001, "2024-01-01", None, "U4", "N1", None, None, "N")]
    placements.append((7010, 1, None, 5001, "2024-01-01", None, "U4", "N1", None, None, "N"))

    result = read(warehouse(placements=placements), MosaicConfig())

    empty_key = [r for r in result.rejected if r.field == "placement_id"]
    assert len(empty_key) == 1
    assert (empty_key[0].source, empty_key[0].child_id, empty_key[0].reason) == ("dm_placements", "101", "is empty")
    assert empty_key[0].row == 1  # SQLite sorts NULL keys first
    no_person = [r for r in result.rejected if r.field == "person_id"]
    assert [r.source for r in no_person] == ["dm_placements placement_id=7010, split_number=1"]
    assert sorted(_by_id(result)) == ["101", "102", "103"]


def test_duplicate_rows_are_reported_and_the_first_kept(warehouse: Warehouse, rows) -> None:
    persons = [*rows["persons"], rows["persons"][0]]
    placements = [*rows["placements"], rows["placements"][2]]

    result = read(warehouse(persons=persons, placements=placements), MosaicConfig())

    assert sorted((r.source, r.field) for r in result.rejected) == [
        ("dm_persons person_id=101", "person_id"),
        ("dm_placements placement_id=7003, split_number=1", "placement_id"),
    ]
    assert all(r.reason.startswith("duplicate row") for r in result.rejected)
    assert len(_by_id(result)["102"].placements) == 1


def test_placement_splits_are_not_duplicates(warehouse: Warehouse, rows) -> None:
    placements = [*rows["placements"], (7003, 2, 102, 5002, "2022-01-01", "2023-01-20", "U3", "N2", "E45", None, "N")]

    result = read(warehouse(placements=placements), MosaicConfig())

    assert not result.rejected
    assert len(_by_id(result)["102"].placements) == 2


def test_a_person_with_placements_but_no_period_is_reported_not_loaded(warehouse: Warehouse, rows) -> None:
    periods = [row for row in rows["periods"] if row[1] != 102]

    result = read(warehouse(periods=periods), MosaicConfig())

    assert sorted(_by_id(result)) == ["101", "103"]
    [rejection] = result.rejected
    assert (rejection.source, rejection.child_id, rejection.field) == (
        "dm_persons person_id=102",
        "102",
        "period_of_care_id",
    )
    assert "no usable period of care" in rejection.reason


def test_a_period_without_a_start_is_rejected_and_so_is_its_child(warehouse: Warehouse, rows) -> None:
    periods = [(5002, 102, None, "2023-01-20 00:00:00") if row[0] == 5002 else row for row in rows["periods"]]

    result = read(warehouse(periods=periods), MosaicConfig())

    assert [(r.source, r.field, r.reason) for r in result.rejected] == [
        ("dm_periods_of_care period_of_care_id=5002", "start_date", "is required"),
        (
            "dm_persons person_id=102",
            "period_of_care_id",
            "has care records but no usable period of care in dm_periods_of_care; not loaded",
        ),
    ]


def test_a_period_ending_before_it_starts_is_rejected(warehouse: Warehouse, rows) -> None:
    periods = [(5002, 102, "2021-06-10", "2020-01-01") if row[0] == 5002 else row for row in rows["periods"]]

    result = read(warehouse(periods=periods), MosaicConfig())

    rejection = result.rejected[0]
    assert (rejection.field, rejection.value) == ("end_date", "2020-01-01")
    assert rejection.reason == "is before start 2021-06-10"


def test_bad_dates_and_codes_name_the_column_and_value(warehouse: Warehouse, rows) -> None:
    placements = [*rows["placements"], (7020, 1, 101, 5001, "31/12/2023", None, "U4", "N1", None, None, "N")]
    placements.append((7021, 1, 101, 5001, "2024-01-01", None, "Q9", "N1", None, None, "N"))
    placements.append((7022, 1, 101, 5001, "2024-01-01", "2024-02-01", "U4", "N1", "E99", None, "N"))
    legal = [*rows["legal_statuses"], (8010, 101, 5001, "X9", "2024-01-01", None, "N")]

    result = read(warehouse(placements=placements, legal_statuses=legal), MosaicConfig())

    found = {(r.source, r.field, r.value, r.reason) for r in result.rejected}
    assert found == {
        ("dm_placements placement_id=7020, split_number=1", "start_date", "31/12/2023", "is not a date"),
        (
            "dm_placements placement_id=7021, split_number=1",
            "placement_type",
            "Q9",
            "is not a valid placement type code",
        ),
        (
            "dm_placements placement_id=7022, split_number=1",
            "reason_episode_ceased",
            "E99",
            "is not a reason-episode-ceased code",
        ),
        ("dm_legal_statuses legal_status_id=8010", "legal_status", "X9", "is not a valid legal status code"),
    }
    assert all(r.child_id == "101" for r in result.rejected)
    assert len(_by_id(result)["101"].placements) == 2


def test_bad_identifiers_and_gender_are_reported_and_the_child_still_loads(warehouse: Warehouse, rows) -> None:
    persons = [
        (101, "Amberly", "Testcase", "not-a-upn", "1234567890", "2016-04-02", None, "X", "WBRI"),
        *rows["persons"][1:],
    ]

    result = read(warehouse(persons=persons), MosaicConfig())

    child = _by_id(result)["101"].child
    assert (child.identifiers.upn, child.identifiers.nhs_number, child.sex) == (None, None, None)
    assert child.date_of_birth == dt.date(2016, 4, 2)
    assert sorted(r.field for r in result.rejected) == ["gender", "nhs_id", "upn_id"]
    assert all(r.reason.endswith("; loaded without it") for r in result.rejected)


def test_rows_of_unknown_people_are_rejected(warehouse: Warehouse, rows) -> None:
    periods = [*rows["periods"], (5999, 555, "2024-01-01", None)]

    result = read(warehouse(periods=periods), MosaicConfig())

    [rejection] = result.rejected
    assert (rejection.source, rejection.child_id, rejection.reason) == (
        "dm_periods_of_care period_of_care_id=5999",
        "555",
        "no such person in dm_persons",
    )


def test_a_missing_table_is_an_input_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "partial.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE dm_persons (person_id INTEGER)")
    connection.close()

    with pytest.raises(InputError, match="dm_periods_of_care, dm_placements, dm_legal_statuses") as raised:
        read(f"sqlite:///{path}", MosaicConfig())
    # The message names the source as the user gave it, not the read-only URI it was opened through.
    assert str(raised.value).startswith(f"sqlite:///{path}: ")
    assert "mode" not in str(raised.value)


def test_a_missing_care_column_is_an_input_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        for table in TABLES:
            connection.execute(f"CREATE TABLE {table} (person_id INTEGER)")
    connection.close()

    with pytest.raises(InputError, match=r"dm_periods_of_care\.period_of_care_id, dm_periods_of_care\.start_date"):
        read(f"sqlite:///{path}", MosaicConfig())


def test_the_schema_and_attached_sqlite_files_come_from_the_config(warehouse: Warehouse, tmp_path: Path) -> None:
    data = Path(warehouse().removeprefix("sqlite:///"))
    main = tmp_path / "main.db"
    sqlite3.connect(main).close()
    config = tmp_path / "council.toml"
    config.write_text(f'[mosaic]\nschema = "dbo"\nsqlite_attach = {{ dbo = "{data.name}" }}\n', encoding="utf-8")

    result = Plugins().load("mosaic", f"sqlite:///{main}", {"config": str(config)})

    assert sorted(_by_id(result)) == ["101", "102", "103"]
    assert load_config({"config": str(config)}).sqlite_attach == {"dbo": data}


_ids = st.sampled_from([101, 102, 103, None])
_dates = st.sampled_from(["2022-01-01", "2023-06-30 00:00:00", "2024-02-29", None, "", "not a date", "2021-13-01"])
_codes = st.sampled_from(["U4", "U6", "A5", "Q9", None, " U3 "])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    persons=st.lists(
        st.tuples(
            _ids,
            st.just("Synthetic"),
            st.just("Child"),
            st.none(),
            st.none(),
            _dates,
            st.none(),
            st.sampled_from(["M", "F", "Z", None]),
            st.none(),
        ),
        max_size=5,
    ),
    periods=st.lists(st.tuples(st.sampled_from([1, 2, 3, None]), _ids, _dates, _dates), max_size=5),
    placements=st.lists(
        st.tuples(
            st.sampled_from([1, 2, None]),
            st.sampled_from([1, 2]),
            _ids,
            st.sampled_from([1, 2, None]),
            _dates,
            _dates,
            _codes,
            st.none(),
            st.sampled_from([None, "E45", "X1", "E99"]),
            st.none(),
            st.none(),
        ),
        max_size=6,
    ),
)
def test_any_mix_of_nulls_duplicates_and_bad_values_loads_without_crashing(
    warehouse: Warehouse, persons, periods, placements
) -> None:
    others = {name: [] for name in ("legal_statuses", "step_people", "relationships", "allocations", "workers")}
    result = read(warehouse(persons=persons, periods=periods, placements=placements, **others), MosaicConfig())

    ids = [record.child_id for record in result.records]
    assert len(ids) == len(set(ids))
    assert result.read == len(persons) + len(periods) + len(placements)
    loaded_periods = sum(len(record.periods_of_care) for record in result.records)
    # A row can be rejected for two columns at once: count rows, not rejections.
    rejected_periods = {r.row for r in result.rejected if r.source.startswith("dm_periods_of_care")}
    assert loaded_periods + len(rejected_periods) == len(periods)
    for rejection in result.rejected:
        assert rejection.field and rejection.reason and rejection.row


def test_a_legal_status_row_without_its_status_is_rejected_not_loaded_as_no_status(warehouse: Warehouse, rows) -> None:
    # The model's code check lets an empty code through: the row became a spell with no legal status.
    legal = [*rows["legal_statuses"], (8010, 103, 5003, None, "2023-06-01", None, "N")]

    result = read(warehouse(legal_statuses=legal), MosaicConfig())

    [rejected] = result.rejected
    assert (rejected.source, rejected.field, rejected.reason) == (
        "dm_legal_statuses legal_status_id=8010",
        "legal_status",
        "is required",
    )
    assert [spell.code for spell in _by_id(result)["103"].legal_statuses] == ["C1"]


def test_a_placement_row_without_its_start_is_rejected_naming_the_column(warehouse: Warehouse, rows) -> None:
    placements = [*rows["placements"], (7010, 1, 103, 5003, None, None, "U6", "N1", None, None, "N")]

    result = read(warehouse(placements=placements), MosaicConfig())

    [rejected] = result.rejected
    assert (rejected.source, rejected.field, rejected.reason) == (
        "dm_placements placement_id=7010, split_number=1",
        "start_date",
        "is required",
    )
