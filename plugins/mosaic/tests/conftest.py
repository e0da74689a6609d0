"""Synthetic Mosaic warehouses: SQLite files with the real dm_* table and column names, and made-up children."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

DDL = {
    "dm_persons": """CREATE TABLE dm_persons (
        person_id INTEGER, first_name VARCHAR(100), last_name VARCHAR(100), upn_id VARCHAR(13),
        nhs_id VARCHAR(10), date_of_birth DATETIME, date_of_death DATETIME, gender VARCHAR(1),
        full_ethnicity_code VARCHAR(4))""",
    "dm_periods_of_care": """CREATE TABLE dm_periods_of_care (
        period_of_care_id INTEGER, person_id INTEGER, start_date DATETIME, end_date DATETIME)""",
    "dm_placements": """CREATE TABLE dm_placements (
        placement_id INTEGER, split_number INTEGER, person_id INTEGER, period_of_care_id INTEGER,
        start_date DATETIME, end_date DATETIME, placement_type VARCHAR(2), category_of_need VARCHAR(2),
        reason_episode_ceased VARCHAR(3), reason_for_placement_change VARCHAR(5), is_adopted VARCHAR(1))""",
    "dm_legal_statuses": """CREATE TABLE dm_legal_statuses (
        legal_status_id INTEGER, person_id INTEGER, period_of_care_id INTEGER, legal_status VARCHAR(2),
        start_date DATETIME, end_date DATETIME, is_respite_care VARCHAR(1))""",
}

# Two looked-after children and a parent who is not looked after. Names and dates are invented.
PERSONS = [
    (101, "Amberly", "Testcase", "A123456789012", "9434765919", "2016-04-02 00:00:00", None, "F", "WBRI"),
    (102, "Brennock", "Samplewood", None, None, "2019-11-23 00:00:00", None, "M", "MWBC"),
    (900, "Corvina", "Testcase", None, None, "1990-01-15 00:00:00", None, "F", "WBRI"),
]
PERIODS = [
    (5001, 101, "2023-03-01 00:00:00", None),
    (5002, 102, "2021-06-10 00:00:00", "2023-01-20 00:00:00"),
]
PLACEMENTS = [
    (7001, 1, 101, 5001, "2023-03-01", "2023-09-14", "U6", "N1", None, None, "N"),
    (7002, 1, 101, 5001, "2023-09-14", None, "U4", "N1", None, "CARPL", "N"),
    (7003, 1, 102, 5002, "2021-06-10", "2023-01-20", "U3", "N2", "E45", None, "N"),
]
LEGAL_STATUSES = [
    (8001, 101, 5001, "C1", "2023-03-01", "2023-10-02", "N"),
    (8002, 101, 5001, "C2", "2023-10-02", None, "N"),
    (8003, 102, 5002, "V2", "2021-06-10", "2023-01-20", "N"),
]


def build_warehouse(
    path: Path,
    *,
    persons: Sequence[tuple] = PERSONS,
    periods: Sequence[tuple] = PERIODS,
    placements: Sequence[tuple] = PLACEMENTS,
    legal_statuses: Sequence[tuple] = LEGAL_STATUSES,
) -> str:
    """Write a SQLite warehouse at ``path`` holding the given rows; return its SQLAlchemy URL."""
    with sqlite3.connect(path) as connection:
        for table, ddl in DDL.items():
            connection.execute(ddl)
            rows = {
                "dm_persons": persons,
                "dm_periods_of_care": periods,
                "dm_placements": placements,
                "dm_legal_statuses": legal_statuses,
            }[table]
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    connection.close()
    return f"sqlite:///{path}"


@pytest.fixture
def rows() -> dict[str, list[tuple]]:
    """The sample warehouse's rows by table keyword, to extend in a test."""
    return {
        "persons": list(PERSONS),
        "periods": list(PERIODS),
        "placements": list(PLACEMENTS),
        "legal_statuses": list(LEGAL_STATUSES),
    }


@pytest.fixture
def warehouse(tmp_path: Path) -> Callable[..., str]:
    """Build a warehouse in tmp_path: ``warehouse(placements=[...])`` replaces one table's rows."""
    counter = iter(range(1000))

    def build(**rows: Sequence[tuple]) -> str:
        return build_warehouse(tmp_path / f"mosaic-{next(counter)}.db", **rows)

    return build
