"""Liquidlogic load time on a national-scale synthetic warehouse with every table the adapter reads (SQLite).

Run: .venv/bin/python plugins/liquidlogic/benchmarks/bench_full_warehouse.py [--children N] [--profile NAME]
[--cohort [--detail]]
Per child: 4 episodes and placements, a legal status, 2 care plans, 2 forms of 10 CPFUP answers, a PPM,
3 reviews (with their meetings), a child-protection conference and a key-agency involvement the adapter
filters out, a social worker and a team manager; one child in ten has an adoption row. Prints figures only;
nothing asserts a speed. Peak memory is the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from permanence_core import api
from permanence_core.plugins.manager import Plugins

START = dt.date(2015, 1, 1)
SPELLS = 4
WORKERS = 1000

TABLES = {
    "DIM_PERSON": "DIM_PERSON_ID, LEGACY_ID, UPN, FORENAME, SURNAME, BIRTH_DTTM, GENDER_MAIN_CODE, DUPLICATED_DTTM",
    "FACT_CARE_EPISODES": "FACT_CARE_EPISODES_ID, DIM_PERSON_ID, FACT_CLA_ID, CARE_START_DATE, CARE_END_DATE,"
    " CARE_REASON_END_CODE",
    "FACT_LEGAL_STATUS": "FACT_LEGAL_STATUS_ID, DIM_PERSON_ID, DIM_LOOKUP_LGL_STATUS_DESC, START_DTTM, END_DTTM",
    "FACT_CLA_PLACEMENT": "FACT_CLA_PLACEMENT_ID, DIM_PERSON_ID, START_DTTM, END_DTTM, DIM_LOOKUP_PLACEMENT_TYPE_CODE,"
    " DIM_LOOKUP_PLACEMENT_PROVIDER_CODE, DIM_LOOKUP_PLAC_CHNG_REAS_CODE",
    "FACT_ADOPTION": "FACT_ADOPTION_ID, DIM_PERSON_ID, START_DTTM, DECISION_DTTM, PLACEMENT_ORDER_DTTM, MATCHING_DTTM,"
    " NO_LONGER_PLACED_DTTM, DIM_LOOKUP_ADOP_REASON_CEASED_CODE, ADOPTED_BY_CARER_FLAG",
    "FACT_CARE_PLANS": "FACT_CARE_PLAN_ID, DIM_PERSON_ID, START_DTTM, END_DTTM, DIM_LOOKUP_PLAN_STATUS_ID_CODE",
    "FACT_FORMS": "FACT_FORM_ID, DIM_PERSON_ID",
    "FACT_FORM_ANSWERS": "FACT_FORM_ANSWER_ID, FACT_FORM_ID, ANSWER_NO, ANSWER, ANSWERED_DTTM,"
    " DIM_ASSESSMENT_TEMPLATE_ID_DESC",
    "FACT_MEETINGS": "FACT_MEETING_ID, DIM_LOOKUP_MTG_TYPE_ID_CODE, ACTUAL_DTTM, CANCELLED",
    "FACT_MEETING_SUBJECTS": "FACT_MEETINGS_ID, DIM_PERSON_ID, FACT_OUTCM_FORM_ID",
    "FACT_CLA_REVIEW": "FACT_CLA_REVIEW_ID, DIM_PERSON_ID, FACT_MEETING_ID, DUE_DTTM, MEETING_DTTM",
    "FACT_INVOLVEMENTS": "FACT_INVOLVEMENTS_ID, DIM_PERSON_ID, DIM_WORKER_ID, DIM_LOOKUP_INVOLVEMENT_TYPE_CODE,"
    " START_DTTM, END_DTTM, DIM_DEPARTMENT_NAME",
    "DIM_WORKER": "DIM_WORKER_ID, STAFF_ID, WORKER_ID_CODE, FORENAME, SURNAME, DEPARTMENT_NAME",
}


def _day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def _rows(table: str, children: int) -> Iterator[tuple]:
    """The rows of ``table`` for ``children`` synthetic children (ids and dates only; names are placeholders)."""
    for n in range(children):
        begin = n % 3000
        spells = [(begin + 60 * s, begin + 60 * s + 60 if s < SPELLS - 1 else None) for s in range(SPELLS)]
        if table == "DIM_PERSON":
            yield (n, f"L{n}", None, "Synthetic", f"Child{n}", _day(begin - 3000), "MF"[n % 2], None)
        elif table == "FACT_CARE_EPISODES":
            for s, (a, b) in enumerate(spells):
                yield (n * SPELLS + s, n, n, _day(a), b and _day(b), "X1" if b else None)
        elif table == "FACT_LEGAL_STATUS":
            yield (n, n, "C2 - Full Care Order", _day(begin), None)
        elif table == "FACT_CLA_PLACEMENT":
            for s, (a, b) in enumerate(spells):
                yield (n * SPELLS + s, n, _day(a), b and _day(b), "U4", "PR1", "CARPL" if b else None)
        elif table == "FACT_ADOPTION" and n % 10 == 0:
            yield (n, n, _day(begin + 30), _day(begin + 30), _day(begin + 90), None, None, None, "N")
        elif table == "FACT_CARE_PLANS":
            yield from ((2 * n + k, n, _day(begin + 40 + 100 * k), None, "A") for k in range(2))
        elif table == "FACT_FORMS":
            yield from ((2 * n + k, n) for k in range(2))
        elif table == "FACT_FORM_ANSWERS":
            for k in range(2):
                for q in range(10):
                    answer = "Y" if q == (n + k) % 10 else "N"
                    yield (
                        20 * n + 10 * k + q,
                        2 * n + k,
                        f"CPFUP{q + 1}",
                        answer,
                        _day(begin + 35 + 100 * k),
                        "Care Plan",
                    )
        elif table == "FACT_MEETINGS":
            yield (5 * n, "PPM", _day(begin + 50), "N")
            yield from ((5 * n + 1 + r, "CLAReview", _day(begin + 25 + 120 * r), "N") for r in range(3))
            yield (5 * n + 4, "CPConference", _day(begin - 20), "N")
        elif table == "FACT_MEETING_SUBJECTS":
            yield (5 * n, n, None)
            yield from ((5 * n + 1 + r, n, 2 * n + 1 if r == 1 else None) for r in range(3))
            yield (5 * n + 4, n, None)
        elif table == "FACT_CLA_REVIEW":
            yield from (
                (3 * n + r, n, 5 * n + 1 + r, _day(begin + 28 + 120 * r), _day(begin + 25 + 120 * r)) for r in range(3)
            )
        elif table == "FACT_INVOLVEMENTS":
            yield (3 * n, n, n % WORKERS, "CW", _day(begin), None, "Team")
            yield (3 * n + 1, n, (n + 1) % WORKERS, "TM", _day(begin), None, "Team")
            yield (3 * n + 2, n, (n + 2) % WORKERS, "KA1", _day(begin), None, None)
    if table == "DIM_WORKER":
        yield from ((w, f"S{w}", None, "Synthetic", f"Worker{w}", "Team") for w in range(WORKERS))


def build(folder: Path, children: int) -> tuple[str, dict[str, str], int]:
    """The warehouse in child_social.db, attached as Child_Social by a config file; returns source, options, rows."""
    sqlite3.connect(folder / "hdm.db").close()
    total = 0
    with sqlite3.connect(folder / "child_social.db") as db:
        for table, columns in TABLES.items():
            db.execute(f"CREATE TABLE {table} ({columns})")
            marks = ", ".join("?" * len(columns.split(",")))
            total += db.executemany(f"INSERT INTO {table} VALUES ({marks})", _rows(table, children)).rowcount
    db.close()
    config = folder / "council.toml"
    config.write_text(
        '[liquidlogic]\nsqlite_attach = { Child_Social = "child_social.db" }\nppm_meeting_types = ["PPM"]\n'
        'involvement_roles = { CW = "social_worker", TM = "team_manager" }\n',
        encoding="utf-8",
    )
    return f"sqlite:///{folder / 'hdm.db'}", {"config": str(config)}, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=85_000)
    parser.add_argument(
        "--profile",
        help="Load only the facets this rules profile needs (the facets load option), as permanence alerts does.",
    )
    parser.add_argument(
        "--cohort",
        action="store_true",
        help="Time load_cohort (the cohort tables permanence alerts evaluates) instead of load (the records).",
    )
    parser.add_argument(
        "--detail",
        action="store_true",
        help="With --cohort: the detail tables too (names, meeting detail, actions, plan ids, workers), through"
        " api.load_cohort as the nightly job and the tracker ask.",
    )
    args = parser.parse_args()
    if args.detail and not args.cohort:
        parser.error("--detail needs --cohort")
    needed = None
    if args.profile:
        from permanence_core.rules import load_profile, profile_facets

        needed = profile_facets(load_profile(args.profile))
    plugins = Plugins()
    with tempfile.TemporaryDirectory() as tmp:
        source, options, rows = build(Path(tmp), args.children)
        start, cpu_start = time.perf_counter(), time.process_time()
        if args.cohort:
            if args.detail:
                loaded = api.load_cohort("liquidlogic", source, {**options, "detail": True}, needed, plugins)
            else:
                loaded = plugins.load_cohort("liquidlogic", source, options, needed)
            children, read, rejected = len(loaded.cohort), loaded.read, len(loaded.rejected)
        else:
            facets = {"facets": sorted(facet.value for facet in needed)} if needed else {}
            result = plugins.load("liquidlogic", source, {**options, **facets})
            children, read, rejected = len(result.records), result.read, len(result.rejected)
        seconds = time.perf_counter() - start
        # CPU time as well as wall time: on a shared machine the wall clock also counts other processes' turns.
        cpu = time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = "liquidlogic detail" if args.detail else "liquidlogic cohort" if args.cohort else "liquidlogic"
    print(
        f"{label} (all tables) {children:>7} children {rows:>8} rows in the warehouse,"
        f" {read:>8} read  {seconds:6.2f} s (cpu {cpu:6.2f} s)  {read / seconds:9.0f} rows/s"
        f"  peak RSS {peak:6.0f} MiB  rejected {rejected}"
    )


if __name__ == "__main__":
    main()
