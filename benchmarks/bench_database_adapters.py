"""Mosaic and Liquidlogic load time on a national-scale synthetic warehouse (SQLite), through the plugin host.

Run: .venv/bin/python benchmarks/bench_database_adapters.py [--children N] [--episodes-per-child N]
Prints figures only; nothing here asserts a speed. Peak memory is the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from permanence_core.plugins.manager import Plugins

START = dt.date(2015, 1, 1)


def _day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def mosaic_warehouse(path: Path, children: int, spells: int) -> int:
    """dm_* tables: one period of care per child, ``spells`` placements and legal statuses each."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE dm_persons (person_id INTEGER, first_name TEXT, last_name TEXT, upn_id TEXT,"
            " nhs_id TEXT, date_of_birth TEXT, gender TEXT)"
        )
        db.execute(
            "CREATE TABLE dm_periods_of_care (period_of_care_id INTEGER, person_id INTEGER, start_date TEXT,"
            " end_date TEXT)"
        )
        db.execute(
            "CREATE TABLE dm_placements (placement_id INTEGER, split_number INTEGER, person_id INTEGER,"
            " period_of_care_id INTEGER, start_date TEXT, end_date TEXT, placement_type TEXT,"
            " reason_episode_ceased TEXT, reason_for_placement_change TEXT)"
        )
        db.execute(
            "CREATE TABLE dm_legal_statuses (legal_status_id INTEGER, person_id INTEGER,"
            " period_of_care_id INTEGER, legal_status TEXT, start_date TEXT, end_date TEXT,"
            " is_respite_care TEXT)"
        )
        db.executemany(
            "INSERT INTO dm_persons VALUES (?, ?, ?, NULL, NULL, ?, ?)",
            ((n, "Synthetic", f"Child{n}", _day(n % 3000 - 3000), "MF"[n % 2]) for n in range(children)),
        )
        db.executemany(
            "INSERT INTO dm_periods_of_care VALUES (?, ?, ?, NULL)",
            ((n, n, _day(n % 3000)) for n in range(children)),
        )
        db.executemany(
            "INSERT INTO dm_placements VALUES (?, 1, ?, ?, ?, ?, 'U4', NULL, NULL)",
            (
                (
                    n * spells + s,
                    n,
                    n,
                    _day(n % 3000 + 60 * s),
                    _day(n % 3000 + 60 * s + 60) if s < spells - 1 else None,
                )
                for n in range(children)
                for s in range(spells)
            ),
        )
        db.executemany(
            "INSERT INTO dm_legal_statuses VALUES (?, ?, ?, 'C2', ?, ?, 'N')",
            (
                (
                    n * spells + s,
                    n,
                    n,
                    _day(n % 3000 + 60 * s),
                    _day(n % 3000 + 60 * s + 60) if s < spells - 1 else None,
                )
                for n in range(children)
                for s in range(spells)
            ),
        )
    db.close()
    return children * (2 + 2 * spells)


def liquidlogic_warehouse(folder: Path, children: int, spells: int) -> tuple[str, dict[str, str], int]:
    """DIM_PERSON and FACT_* tables in child_social.db, attached as schema Child_Social by a config file."""
    sqlite3.connect(folder / "hdm.db").close()
    with sqlite3.connect(folder / "child_social.db") as db:
        db.execute(
            "CREATE TABLE DIM_PERSON (DIM_PERSON_ID INTEGER, LEGACY_ID TEXT, UPN TEXT, FORENAME TEXT,"
            " SURNAME TEXT, BIRTH_DTTM TEXT, GENDER_MAIN_CODE TEXT, DUPLICATED_DTTM TEXT)"
        )
        db.execute(
            "CREATE TABLE FACT_CARE_EPISODES (FACT_CARE_EPISODES_ID INTEGER, DIM_PERSON_ID INTEGER,"
            " FACT_CLA_ID INTEGER, CARE_START_DATE TEXT, CARE_END_DATE TEXT, CARE_REASON_END_CODE TEXT)"
        )
        db.execute(
            "CREATE TABLE FACT_LEGAL_STATUS (FACT_LEGAL_STATUS_ID INTEGER, DIM_PERSON_ID INTEGER,"
            " DIM_LOOKUP_LGL_STATUS_DESC TEXT, START_DTTM TEXT, END_DTTM TEXT)"
        )
        db.executemany(
            "INSERT INTO DIM_PERSON VALUES (?, ?, NULL, 'Synthetic', ?, ?, ?, NULL)",
            ((n, f"L{n}", f"Child{n}", _day(n % 3000 - 3000), "MF"[n % 2]) for n in range(children)),
        )
        db.executemany(
            "INSERT INTO FACT_CARE_EPISODES VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    n * spells + s,
                    n,
                    n,
                    _day(n % 3000 + 60 * s),
                    _day(n % 3000 + 60 * s + 60) if s < spells - 1 else None,
                    "X1" if s < spells - 1 else None,
                )
                for n in range(children)
                for s in range(spells)
            ),
        )
        db.executemany(
            "INSERT INTO FACT_LEGAL_STATUS VALUES (?, ?, 'C2 - Full Care Order', ?, NULL)",
            ((n, n, _day(n % 3000)) for n in range(children)),
        )
    db.close()
    config = folder / "council.toml"
    config.write_text('[liquidlogic]\nsqlite_attach = { Child_Social = "child_social.db" }\n', encoding="utf-8")
    return f"sqlite:///{folder / 'hdm.db'}", {"config": str(config)}, children * (2 + spells)


def timed(label: str, rows: int, load) -> None:
    start = time.perf_counter()
    result = load()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label:<12} {len(result.records):>7} children {rows:>8} rows  {seconds:6.2f} s"
        f"  {rows / seconds:9.0f} rows/s  peak RSS {peak:6.0f} MiB  rejected {len(result.rejected)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=85_000)
    parser.add_argument("--episodes-per-child", type=int, default=4)
    args = parser.parse_args()
    plugins = Plugins()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = mosaic_warehouse(folder / "mosaic.db", args.children, args.episodes_per_child)
        timed("mosaic", rows, lambda: plugins.load("mosaic", f"sqlite:///{folder / 'mosaic.db'}"))
        source, options, rows = liquidlogic_warehouse(folder, args.children, args.episodes_per_child)
        timed("liquidlogic", rows, lambda: plugins.load("liquidlogic", source, options))


if __name__ == "__main__":
    main()
