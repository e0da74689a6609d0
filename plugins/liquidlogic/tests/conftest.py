"""Synthetic LCS warehouses: SQLite files attached as schema Child_Social, with made-up children."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

DDL = {
    "DIM_PERSON": """CREATE TABLE DIM_PERSON (
        DIM_PERSON_ID INTEGER, LEGACY_ID VARCHAR(48), UPN VARCHAR(13), FORENAME VARCHAR(100), SURNAME VARCHAR(100),
        BIRTH_DTTM DATETIME, DOB_ESTIMATED CHAR(1), GENDER_MAIN_CODE VARCHAR(10), ETHNICITY_MAIN_CODE VARCHAR(10),
        DUPLICATED_DTTM DATETIME, IS_CLIENT CHAR(1))""",
    "FACT_CARE_EPISODES": """CREATE TABLE FACT_CARE_EPISODES (
        FACT_CARE_EPISODES_ID INTEGER, DIM_PERSON_ID INTEGER, FACT_CLA_ID INTEGER, FACT_CLA_PLACEMENT_ID INTEGER,
        CARE_START_DATE DATETIME, CARE_END_DATE DATETIME, PLACEND DATETIME, CARE_REASON_END_CODE VARCHAR(3),
        OFSTED_URN VARCHAR(8))""",
    "FACT_LEGAL_STATUS": """CREATE TABLE FACT_LEGAL_STATUS (
        FACT_LEGAL_STATUS_ID INTEGER, DIM_PERSON_ID INTEGER, DIM_LOOKUP_LGL_STATUS_DESC VARCHAR(255),
        START_DTTM DATETIME, END_DTTM DATETIME)""",
}
# Only the columns the adapter reads are given; the others stay NULL as in a sparse warehouse.
INSERT = {
    "DIM_PERSON": "(DIM_PERSON_ID, LEGACY_ID, UPN, FORENAME, SURNAME, BIRTH_DTTM, GENDER_MAIN_CODE, DUPLICATED_DTTM)",
    "FACT_CARE_EPISODES": (
        "(FACT_CARE_EPISODES_ID, DIM_PERSON_ID, FACT_CLA_ID, CARE_START_DATE, CARE_END_DATE, CARE_REASON_END_CODE)"
    ),
    "FACT_LEGAL_STATUS": "(FACT_LEGAL_STATUS_ID, DIM_PERSON_ID, DIM_LOOKUP_LGL_STATUS_DESC, START_DTTM, END_DTTM)",
}

# Names and dates are invented. 203 is a duplicate record of 201; 950 is a parent, not in care.
PERSONS = [
    (-1, None, None, "Unknown", "Unknown", None, "U", None),
    (201, "L201", "B123456789012", "Dafyddine", "Examplefield", "2014-07-19 00:00:00", "M", None),
    (202, "L202", None, "Eirlysa", "Fakenham", "2018-02-03 00:00:00", "F", None),
    (203, "L203", None, "Dafyddine", "Examplefield", "2014-07-19 00:00:00", "M", "2022-05-01 10:00:00"),
    (950, "L950", None, "Parentia", "Fakenham", "1988-10-10 00:00:00", "F", None),
]
EPISODES = [
    (1, 201, 31, "2022-09-05 00:00:00", "2023-02-01 00:00:00", "X1"),
    (2, 201, 31, "2023-02-01 00:00:00", None, None),
    (3, 202, 32, "2020-01-10 00:00:00", "2021-03-31 00:00:00", "E11"),
]
LEGAL_STATUSES = [
    (11, 201, "C1 - Interim Care Order", "2022-09-05 00:00:00", "2023-02-01 00:00:00"),
    (12, 201, "Full care order", "2023-02-01 00:00:00", None),
    (13, 202, "Placement Order Granted", "2020-01-10 00:00:00", "2021-03-31 00:00:00"),
]


def build_warehouse(
    folder: Path,
    *,
    persons: Sequence[tuple] = PERSONS,
    episodes: Sequence[tuple] = EPISODES,
    legal_statuses: Sequence[tuple] = LEGAL_STATUSES,
    schema: str = "Child_Social",
    settings: str = "",
) -> tuple[str, dict[str, Any]]:
    """Write an empty main database, the warehouse tables in ``child_social.db`` and a config attaching it.

    Returns the source URL and the load options (the config file).
    """
    folder.mkdir(parents=True)
    sqlite3.connect(folder / "hdm.db").close()
    with sqlite3.connect(folder / "child_social.db") as connection:
        for table, rows in (
            ("DIM_PERSON", persons),
            ("FACT_CARE_EPISODES", episodes),
            ("FACT_LEGAL_STATUS", legal_statuses),
        ):
            connection.execute(DDL[table])
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                connection.executemany(f"INSERT INTO {table} {INSERT[table]} VALUES ({marks})", rows)
    connection.close()
    config = folder / "council.toml"
    config.write_text(
        f'[liquidlogic]\nschema = "{schema}"\nsqlite_attach = {{ {schema} = "child_social.db" }}\n{settings}',
        encoding="utf-8",
    )
    return f"sqlite:///{folder / 'hdm.db'}", {"config": str(config)}


@pytest.fixture
def rows() -> dict[str, list[tuple]]:
    """The sample warehouse's rows by table keyword, to extend in a test."""
    return {"persons": list(PERSONS), "episodes": list(EPISODES), "legal_statuses": list(LEGAL_STATUSES)}


@pytest.fixture
def warehouse(tmp_path: Path) -> Callable[..., tuple[str, Mapping[str, Any]]]:
    """Build a warehouse in tmp_path: ``warehouse(episodes=[...])`` replaces one table's rows."""
    counter = iter(range(1000))

    def build(**kwargs: Any) -> tuple[str, Mapping[str, Any]]:
        return build_warehouse(tmp_path / f"lcs-{next(counter)}", **kwargs)

    return build
