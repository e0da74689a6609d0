"""Reading a reporting database: URLs and passwords, read-only SQLite, missing tables, value coercion, row rejection."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy
from hypothesis import given
from hypothesis import strategies as st

from permanence_core.adapters.database import (
    TableRows,
    connect,
    database_url,
    fetch,
    require_tables,
    row_dicts,
    to_date,
    to_key,
    to_text,
)
from permanence_core.errors import InputError
from permanence_core.model import LegalStatusSpell

ENV = "PERMANENCE_TEST_DB_PASSWORD"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE people (person_id INTEGER, born TEXT)")
        connection.executemany("INSERT INTO people VALUES (?, ?)", [(2, "2020-01-02"), (1, None)])
    connection.close()
    return path


def test_the_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "s3cret")

    url = database_url("mssql+pyodbc://reporter@dwhost/MosaicDW", ENV)

    assert (url.username, url.password, url.host) == ("reporter", "s3cret", "dwhost")


def test_a_password_in_the_url_is_refused_without_repeating_it() -> None:
    with pytest.raises(InputError, match=f"set it in the environment variable {ENV}") as raised:
        database_url("mssql+pyodbc://reporter:hunter22@dwhost/MosaicDW", ENV)

    assert "hunter22" not in str(raised.value)


def test_text_that_is_not_a_url_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a database URL"):
        database_url(str(tmp_path), ENV)


def test_a_missing_sqlite_file_is_an_input_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"

    with pytest.raises(InputError, match="no such database file"), connect(f"sqlite:///{missing}", password_env=ENV):
        pass
    assert not missing.exists()


def test_sqlite_is_opened_read_only(db: Path) -> None:
    with (
        pytest.raises(InputError, match="readonly"),
        connect(f"sqlite:///{db}", password_env=ENV) as connection,
    ):
        connection.execute(sqlalchemy.text("DELETE FROM people"))


def test_rows_come_in_key_order(db: Path) -> None:
    with connect(f"sqlite:///{db}", password_env=ENV) as connection:
        rows = fetch(connection, "people", ("person_id", "born"), schema=None, order_by=("person_id",))

    assert rows == [{"person_id": 1, "born": None}, {"person_id": 2, "born": "2020-01-02"}]


def test_attached_files_are_read_under_their_schema_name(db: Path, tmp_path: Path) -> None:
    main = tmp_path / "main.db"
    sqlite3.connect(main).close()

    with connect(f"sqlite:///{main}", password_env=ENV, attach={"Child_Social": db}) as connection:
        require_tables(connection, ["people"], "Child_Social")
        rows = fetch(connection, "people", ("person_id",), schema="Child_Social", order_by=("person_id",))

    assert [row["person_id"] for row in rows] == [1, 2]


def test_a_missing_attached_file_is_an_input_error(db: Path, tmp_path: Path) -> None:
    with (
        pytest.raises(InputError, match="to attach as schema 'Child_Social'"),
        connect(f"sqlite:///{db}", password_env=ENV, attach={"Child_Social": tmp_path / "gone.db"}),
    ):
        pass


def test_missing_tables_are_named(db: Path) -> None:
    with (
        pytest.raises(InputError, match=r"missing table\(s\): placements, episodes"),
        connect(f"sqlite:///{db}", password_env=ENV) as connection,
    ):
        require_tables(connection, ["people", "placements", "episodes"], None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("2024-02-29 13:45:00", dt.date(2024, 2, 29)),
        (dt.datetime(2024, 2, 29, 13, 45), dt.date(2024, 2, 29)),
        (dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
    ],
)
def test_to_date(value: object, expected: dt.date | None) -> None:
    assert to_date(value) == expected


@pytest.mark.parametrize("value", ["29/02/2024", "2023-02-29", 20240229])
def test_to_date_refuses_what_is_not_a_date(value: object) -> None:
    with pytest.raises(ValueError):
        to_date(value)


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1)))
def test_a_datetime_and_its_text_give_the_same_date(moment: dt.datetime) -> None:
    assert to_date(moment) == to_date(moment.isoformat(sep=" ")) == moment.date()


@pytest.mark.parametrize(("value", "expected"), [(17, "17"), (17.0, "17"), (" 17 ", "17"), ("  ", None), (None, None)])
def test_to_key(value: object, expected: str | None) -> None:
    assert to_key(value) == expected


def test_to_text_strips_char_padding() -> None:
    assert (to_text("C2  "), to_text("   "), to_text(None)) == ("C2", None, None)


def test_table_rows_reject_empty_keys_empty_people_and_duplicates() -> None:
    rejected = []
    rows = TableRows(
        "legal",
        [
            {"id": None, "person": 1},
            {"id": 5, "person": None},
            {"id": 6, "person": 1},
            {"id": 6, "person": 1},
        ],
        keys=("id",),
        person="person",
        rejected=rejected,
    )

    assert rows.unique() == [(3, {"id": 6, "person": 1})]
    assert [(r.source, r.row, r.child_id, r.field) for r in rejected] == [
        ("legal", 1, "1", "id"),
        ("legal id=5", 2, None, "person"),
        ("legal id=6", 4, "1", "id"),
    ]
    assert rejected[2].reason == "duplicate row: the first row with this key was kept"


def test_table_rows_name_the_column_a_model_value_came_from() -> None:
    rejected = []
    rows = TableRows("legal", [], keys=("id",), person="person", rejected=rejected, columns={"code": "status_desc"})
    row = {"id": 9, "person": 3}

    built = rows.build(1, row, lambda: LegalStatusSpell(code="Z9", start=dt.date(2024, 1, 1)), suffix="; skipped")

    assert built is None
    [rejection] = rejected
    assert (rejection.source, rejection.field, rejection.value) == ("legal id=9", "status_desc", "Z9")
    assert rejection.reason == "is not a valid legal status code; skipped"


def test_table_rows_with_a_two_column_key_reject_an_empty_part_and_duplicates() -> None:
    rejected = []
    rows = TableRows(
        "placements",
        [
            {"id": 7, "split": 1, "person": 1},
            {"id": 7, "split": None, "person": 1},
            {"id": 7, "split": 2, "person": None},
            {"id": "7", "split": 1.0, "person": 1},  # the same key as the first row, however the driver types it
            {"id": 7, "split": 2, "person": 1},
        ],
        keys=("id", "split"),
        person="person",
        rejected=rejected,
    )

    assert [position for position, _row in rows.unique()] == [1, 5]
    assert [(r.source, r.row, r.field, r.reason) for r in rejected] == [
        ("placements", 2, "split", "is empty"),
        ("placements id=7, split=2", 3, "person", "is empty"),
        ("placements id=7, split=1", 4, "id", "duplicate row: the first row with this key was kept"),
    ]


def test_the_same_day_is_one_shared_date_object() -> None:
    # A warehouse repeats the same days millions of times: the parsed date is shared, not rebuilt per value.
    assert to_date("2024-03-01") is to_date(" 2024-03-01 00:00:00 ")
    with pytest.raises(ValueError):
        to_date("2024-02-30")


def test_a_fetch_error_after_the_query_ran_is_reported_as_the_source_s_error(db: Path) -> None:
    # SQLite computes the first row (person 1, born NULL) when the query executes and the next as it is
    # fetched: person 2's text is not JSON, so this fails in the fetch, past SQLAlchemy's error handling.
    query = sqlalchemy.text("SELECT person_id, json_extract(born, '$.a') FROM people ORDER BY rowid DESC")
    with pytest.raises(InputError) as raised, connect(f"sqlite:///{db}", password_env=ENV) as connection:
        result = connection.execute(query)
        row_dicts(result)

    assert str(raised.value).endswith("database error: malformed JSON")
