"""Mosaic, Liquidlogic and SSD load time on a national-scale synthetic warehouse (SQLite), through the plugin host.

Run: .venv/bin/python benchmarks/bench_database_adapters.py [--children N] [--episodes-per-child N] [--adapter NAME]
[--profile NAME] [--cohort [--detail]] [--spoil-every N]
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

from permanence_core import api
from permanence_core.plugins.manager import Plugins

START = dt.date(2015, 1, 1)


def _day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def mosaic_warehouse(folder: Path, children: int, spells: int) -> tuple[str, dict[str, str], int]:
    """dm_* tables: per child one period of care, ``spells`` placements and legal statuses, three CLA reviews
    and a PPM with plan answers, a sibling, an allocated worker and a parent; the council's config file."""
    path = folder / "mosaic.db"
    tables = {
        "dm_persons": "person_id INTEGER, first_name TEXT, last_name TEXT, upn_id TEXT, nhs_id TEXT,"
        " date_of_birth TEXT, gender TEXT",
        "dm_periods_of_care": "period_of_care_id INTEGER, person_id INTEGER, start_date TEXT, end_date TEXT",
        "dm_placements": "placement_id INTEGER, split_number INTEGER, person_id INTEGER, period_of_care_id INTEGER,"
        " start_date TEXT, end_date TEXT, placement_type TEXT, reason_episode_ceased TEXT,"
        " reason_for_placement_change TEXT",
        "dm_legal_statuses": "legal_status_id INTEGER, person_id INTEGER, period_of_care_id INTEGER,"
        " legal_status TEXT, start_date TEXT, end_date TEXT, is_respite_care TEXT",
        "dm_workflow_steps": "workflow_step_id INTEGER, workflow_step_type_id INTEGER, subgroup_id INTEGER,"
        " step_status TEXT, incoming_on TEXT, started_on TEXT, completed_on TEXT",
        "dm_subgroup_subjects": "subgroup_id INTEGER, subject_compound_id INTEGER, subject_type_code TEXT",
        "dm_cached_form_answers": "form_id INTEGER, workflow_step_id INTEGER, form_answer_row_id INTEGER,"
        " question_user_code TEXT, text_answer TEXT, date_answer TEXT, subject_person_id INTEGER,"
        " subgroup_id INTEGER, mapping_id INTEGER",
        "dm_cached_form_questions": "mapping_id INTEGER, question_user_code TEXT",
        "dm_workflow_steps_people_vw": "workflow_step_id INTEGER, person_id INTEGER,"
        " adoption_best_interest_date TEXT, adoption_plan_date_ceased TEXT, adoption_plan_reason_cat_code TEXT,"
        " adoption_match_date TEXT",
        "dm_personal_relationships": "person_id INTEGER, other_person_id INTEGER, family_category TEXT,"
        " start_date TEXT, end_date TEXT",
        "dm_allocated_workers": "allocation_id INTEGER, person_id INTEGER, worker_id INTEGER, start_date TEXT,"
        " end_date TEXT",
        "dm_workers": "worker_id INTEGER, full_name TEXT",
    }
    parents = children  # person ids from here on are the children's parents
    with sqlite3.connect(path) as db:
        for name, columns in tables.items():
            db.execute(f"CREATE TABLE {name} ({columns})")
        db.executemany(
            "INSERT INTO dm_persons VALUES (?, ?, ?, NULL, NULL, ?, ?)",
            ((n, "Synthetic", f"Child{n}", _day(n % 3000 - 3000), "MF"[n % 2]) for n in range(children + parents)),
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
        # Steps 4n..4n+3: first, second and subsequent review, and a PPM, in the child's own subgroup.
        db.executemany(
            "INSERT INTO dm_workflow_steps VALUES (?, ?, ?, 'COMPLETED', ?, ?, ?)",
            (
                (4 * n + k, step_type, n, _day(n % 3000 + days), _day(n % 3000 + days), _day(n % 3000 + days + 5))
                for n in range(children)
                for k, (step_type, days) in enumerate(((1242, 25), (1237, 110), (1234, 290), (2210, 14)))
            ),
        )
        db.executemany(
            "INSERT INTO dm_subgroup_subjects VALUES (?, ?, 'PER')",
            ((n, person) for n in range(children) for person in (n, children + n)),
        )
        db.executemany(
            "INSERT INTO dm_cached_form_questions VALUES (?, ?)",
            ((1, "lac.perm.plan"), (2, "lac.perm.contingency"), (3, "lac.perm.decision.date")),
        )
        db.executemany(
            "INSERT INTO dm_cached_form_answers VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)",
            (
                row
                for n in range(children)
                for row in (
                    (4 * n + 3, 4 * n + 3, "lac.perm.plan", "Adoption", None, -1, n, 1),
                    (4 * n + 3, 4 * n + 3, "lac.perm.contingency", "Long-term fostering", None, -1, n, 2),
                    (4 * n + 3, 4 * n + 3, "lac.perm.decision.date", None, _day(n % 3000 + 10), -1, n, 3),
                    (4 * n + 1, 4 * n + 1, "lac.perm.plan", "Adoption", None, n, n, 1),
                )
            ),
        )
        db.executemany(
            "INSERT INTO dm_workflow_steps_people_vw VALUES (?, ?, ?, NULL, NULL, NULL)",
            ((4 * n + 3, n, _day(n % 3000 + 40)) for n in range(0, children, 5)),
        )
        db.executemany(
            "INSERT INTO dm_personal_relationships VALUES (?, ?, 'Child''s Siblings', NULL, NULL)",
            ((n, n + 1) for n in range(0, children - 1, 2)),
        )
        db.executemany(
            "INSERT INTO dm_allocated_workers VALUES (?, ?, ?, ?, NULL)",
            ((n, n, n % 2000, _day(n % 3000)) for n in range(children)),
        )
        db.executemany("INSERT INTO dm_workers VALUES (?, 'Synthetic Worker')", ((w,) for w in range(2000)))
        rows = sum(db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in tables)
    db.close()
    config = folder / "mosaic.toml"
    config.write_text(
        "[mosaic.step_types]\ncla_review = [1242, 1237, 1234]\nppm = [2210]\n"
        '[mosaic.questions]\nplan = "lac.perm.plan"\ncontingency_plan = "lac.perm.contingency"\n'
        'decision_date = "lac.perm.decision.date"\n',
        encoding="utf-8",
    )
    return f"sqlite:///{path}", {"config": str(config)}, rows


def liquidlogic_warehouse(folder: Path, children: int, spells: int) -> tuple[str, dict[str, str], int]:
    """DIM_PERSON and the FACT_* tables the adapter reads, in child_social.db attached as schema Child_Social.

    Per child: ``spells`` care episodes, placements and legal statuses (as DfE descriptions), three CLA
    reviews and a PPM (meetings with their subject), a care plan, a permanence-plan form of three answers,
    an allocated social worker and a parent; every fifth child an adoption row."""
    sqlite3.connect(folder / "hdm.db").close()
    tables = {
        "DIM_PERSON": "DIM_PERSON_ID INTEGER, LEGACY_ID TEXT, UPN TEXT, FORENAME TEXT, SURNAME TEXT, BIRTH_DTTM TEXT,"
        " GENDER_MAIN_CODE TEXT, DUPLICATED_DTTM TEXT",
        "FACT_CARE_EPISODES": "FACT_CARE_EPISODES_ID INTEGER, DIM_PERSON_ID INTEGER, FACT_CLA_ID INTEGER,"
        " CARE_START_DATE TEXT, CARE_END_DATE TEXT, CARE_REASON_END_CODE TEXT",
        "FACT_LEGAL_STATUS": "FACT_LEGAL_STATUS_ID INTEGER, DIM_PERSON_ID INTEGER, DIM_LOOKUP_LGL_STATUS_DESC TEXT,"
        " START_DTTM TEXT, END_DTTM TEXT",
        "FACT_CLA_PLACEMENT": "FACT_CLA_PLACEMENT_ID INTEGER, DIM_PERSON_ID INTEGER, START_DTTM TEXT, END_DTTM TEXT,"
        " DIM_LOOKUP_PLACEMENT_TYPE_CODE TEXT, DIM_LOOKUP_PLACEMENT_PROVIDER_CODE TEXT,"
        " DIM_LOOKUP_PLAC_CHNG_REAS_CODE TEXT",
        "FACT_ADOPTION": "FACT_ADOPTION_ID INTEGER, DIM_PERSON_ID INTEGER, START_DTTM TEXT, DECISION_DTTM TEXT,"
        " PLACEMENT_ORDER_DTTM TEXT, MATCHING_DTTM TEXT, NO_LONGER_PLACED_DTTM TEXT,"
        " DIM_LOOKUP_ADOP_REASON_CEASED_CODE TEXT, ADOPTED_BY_CARER_FLAG TEXT",
        "FACT_CARE_PLANS": "FACT_CARE_PLAN_ID INTEGER, DIM_PERSON_ID INTEGER, START_DTTM TEXT, END_DTTM TEXT,"
        " DIM_LOOKUP_PLAN_STATUS_ID_CODE TEXT",
        "FACT_FORMS": "FACT_FORM_ID INTEGER, DIM_PERSON_ID INTEGER",
        "FACT_FORM_ANSWERS": "FACT_FORM_ANSWER_ID INTEGER, FACT_FORM_ID INTEGER, ANSWER_NO TEXT, ANSWER TEXT,"
        " ANSWERED_DTTM TEXT, DIM_ASSESSMENT_TEMPLATE_ID_DESC TEXT",
        "FACT_MEETINGS": "FACT_MEETING_ID INTEGER, DIM_LOOKUP_MTG_TYPE_ID_CODE TEXT, ACTUAL_DTTM TEXT, CANCELLED TEXT",
        "FACT_MEETING_SUBJECTS": "FACT_MEETINGS_ID INTEGER, DIM_PERSON_ID INTEGER, FACT_OUTCM_FORM_ID INTEGER",
        "FACT_CLA_REVIEW": "FACT_CLA_REVIEW_ID INTEGER, DIM_PERSON_ID INTEGER, FACT_MEETING_ID INTEGER,"
        " DUE_DTTM TEXT, MEETING_DTTM TEXT",
        "FACT_INVOLVEMENTS": "FACT_INVOLVEMENTS_ID INTEGER, DIM_PERSON_ID INTEGER, DIM_WORKER_ID INTEGER,"
        " DIM_LOOKUP_INVOLVEMENT_TYPE_CODE TEXT, START_DTTM TEXT, END_DTTM TEXT, DIM_DEPARTMENT_NAME TEXT",
        "DIM_WORKER": "DIM_WORKER_ID INTEGER, STAFF_ID TEXT, WORKER_ID_CODE TEXT, FORENAME TEXT, SURNAME TEXT,"
        " DEPARTMENT_NAME TEXT",
    }
    parents = children  # person ids from here on are the children's parents

    def spell(n: int, s: int) -> tuple[str, str | None]:
        return _day(n % 3000 + 60 * s), _day(n % 3000 + 60 * s + 60) if s < spells - 1 else None

    with sqlite3.connect(folder / "child_social.db") as db:
        for name, columns in tables.items():
            db.execute(f"CREATE TABLE {name} ({columns})")
        db.executemany(
            "INSERT INTO DIM_PERSON VALUES (?, ?, NULL, 'Synthetic', ?, ?, ?, NULL)",
            ((n, f"L{n}", f"Child{n}", _day(n % 3000 - 3000), "MF"[n % 2]) for n in range(children + parents)),
        )
        db.executemany(
            "INSERT INTO FACT_CARE_EPISODES VALUES (?, ?, ?, ?, ?, ?)",
            (
                (n * spells + s, n, n, *spell(n, s), "X1" if s < spells - 1 else None)
                for n in range(children)
                for s in range(spells)
            ),
        )
        db.executemany(
            "INSERT INTO FACT_LEGAL_STATUS VALUES (?, ?, 'C2 - Full Care Order', ?, ?)",
            ((n * spells + s, n, *spell(n, s)) for n in range(children) for s in range(spells)),
        )
        db.executemany(
            "INSERT INTO FACT_CLA_PLACEMENT VALUES (?, ?, ?, ?, 'U4', 'PR1', NULL)",
            ((n * spells + s, n, *spell(n, s)) for n in range(children) for s in range(spells)),
        )
        db.executemany(
            "INSERT INTO FACT_ADOPTION VALUES (?, ?, ?, ?, NULL, NULL, NULL, NULL, 'N')",
            ((n, n, _day(n % 3000 + 30), _day(n % 3000 + 40)) for n in range(0, children, 5)),
        )
        db.executemany(
            "INSERT INTO FACT_CARE_PLANS VALUES (?, ?, ?, NULL, 'A')",
            ((n, n, _day(n % 3000 + 20)) for n in range(children)),
        )
        # Form 2n is the permanence section of the care plan, 2n+1 the second review's outcome form.
        db.executemany(
            "INSERT INTO FACT_FORMS VALUES (?, ?)", ((2 * n + k, n) for n in range(children) for k in range(2))
        )
        db.executemany(
            "INSERT INTO FACT_FORM_ANSWERS VALUES (?, ?, ?, ?, ?, ?)",
            (
                row
                for n in range(children)
                for row in (
                    (4 * n, 2 * n, "CPFUP9", "Primary", _day(n % 3000 + 14), "Care Plan"),
                    (4 * n + 1, 2 * n, "CPFUP6", "Contingency", _day(n % 3000 + 14), "Care Plan"),
                    (4 * n + 2, 2 * n, "CPFUP4", "N", _day(n % 3000 + 14), "Care Plan"),
                    (4 * n + 3, 2 * n + 1, "CPFUP9", "Y", _day(n % 3000 + 110), "CLA Review Outcome"),
                )
            ),
        )
        # Meetings 4n..4n+3: three CLA reviews and a PPM about child n.
        meetings = [
            (4 * n + k, kind, _day(n % 3000 + days))
            for n in range(children)
            for k, (kind, days) in enumerate((("CLAReview", 25), ("CLAReview", 110), ("CLAReview", 290), ("PPM", 14)))
        ]
        db.executemany("INSERT INTO FACT_MEETINGS VALUES (?, ?, ?, 'N')", meetings)
        db.executemany(
            "INSERT INTO FACT_MEETING_SUBJECTS VALUES (?, ?, ?)",
            ((m, m // 4, 2 * (m // 4) + 1 if m % 4 == 1 else None) for m, _kind, _day_ in meetings),
        )
        db.executemany(
            "INSERT INTO FACT_CLA_REVIEW VALUES (?, ?, ?, ?, ?)",
            ((m, m // 4, m, day, day) for m, kind, day in meetings if kind == "CLAReview"),
        )
        db.executemany(
            "INSERT INTO FACT_INVOLVEMENTS VALUES (?, ?, ?, 'CW', ?, NULL, 'Team')",
            ((n, n, n % 2000, _day(n % 3000)) for n in range(children)),
        )
        db.executemany(
            "INSERT INTO DIM_WORKER VALUES (?, ?, NULL, 'Synthetic', 'Worker', 'Team')",
            ((w, f"S{w}") for w in range(2000)),
        )
        rows = sum(db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in tables)
    db.close()
    config = folder / "council.toml"
    config.write_text(
        '[liquidlogic]\nsqlite_attach = { Child_Social = "child_social.db" }\nppm_meeting_types = ["PPM"]\n'
        'involvement_roles = { CW = "social_worker" }\n',
        encoding="utf-8",
    )
    return f"sqlite:///{folder / 'hdm.db'}", {"config": str(config)}, rows


def ssd_warehouse(folder: Path, children: int, spells: int) -> tuple[str, dict[str, str], int]:
    """ssd_* tables as the Liquidlogic build fills them: per child ``spells`` episodes with placements, a legal
    status as a DfE description, three reviews, a care plan's Annex A JSON, an allocated worker and a family;
    every tenth child an adoption row. No config: the SSD adapter's defaults read it."""
    path = folder / "ssd.db"
    plan = '{"REMAINSUP": "N", "RETURN1M": "N", "RETURN6M": "N", "RETURNEV": "N", "LTRELFR": "N",'
    plan += ' "LTFOST18": "Y", "RESPLMT": "N", "SUPPLIV": "N", "ADOPTION": "N", "OTHERPLN": "N"}'
    with sqlite3.connect(path) as db:
        for ddl in (
            "ssd_person (pers_person_id TEXT, pers_legacy_id TEXT, pers_upn TEXT, pers_forename TEXT,"
            " pers_surname TEXT, pers_sex TEXT, pers_dob TEXT, pers_ethnicity TEXT)",
            "ssd_cla_episodes (clae_cla_episode_id TEXT, clae_person_id TEXT, clae_cla_id TEXT,"
            " clae_cla_placement_id TEXT, clae_cla_episode_start_date TEXT, clae_cla_episode_start_reason TEXT,"
            " clae_cla_primary_need_code TEXT, clae_cla_episode_ceased_date TEXT, clae_cla_episode_ceased_reason TEXT)",
            "ssd_legal_status (lega_legal_status_id TEXT, lega_person_id TEXT, lega_legal_status TEXT,"
            " lega_legal_status_start_date TEXT, lega_legal_status_end_date TEXT)",
            "ssd_cla_placement (clap_cla_placement_id TEXT, clap_cla_placement_type TEXT,"
            " clap_cla_placement_provider TEXT, clap_cla_placement_urn TEXT, clap_cla_placement_postcode TEXT,"
            " clap_cla_placement_change_reason TEXT)",
            "ssd_cla_reviews (clar_cla_review_id TEXT, clar_cla_id TEXT, clar_cla_review_date TEXT,"
            " clar_cla_review_due_date TEXT, clar_cla_review_cancelled TEXT, clar_cla_review_participation TEXT)",
            "ssd_cla_care_plan (lacp_table_id TEXT, lacp_person_id TEXT, lacp_cla_care_plan_start_date TEXT,"
            " lacp_cla_care_plan_end_date TEXT, lacp_cla_care_plan_json TEXT)",
            "ssd_permanence (perm_table_id TEXT, perm_person_id TEXT, perm_adm_decision_date TEXT,"
            " perm_placement_order_date TEXT, perm_matched_date TEXT, perm_placed_for_adoption_date TEXT,"
            " perm_adopted_by_carer_flag TEXT, perm_decision_reversed_date TEXT, perm_decision_reversed_reason TEXT,"
            " perm_permanence_order_date TEXT, perm_permanence_order_type TEXT)",
            "ssd_involvements (invo_involvements_id TEXT, invo_person_id TEXT, invo_professional_id TEXT,"
            " invo_professional_role_id TEXT, invo_professional_team TEXT, invo_involvement_start_date TEXT,"
            " invo_involvement_end_date TEXT)",
            "ssd_professionals (prof_professional_id TEXT, prof_professional_name TEXT,"
            " prof_professional_department TEXT)",
            "ssd_family (fami_table_id TEXT, fami_family_id TEXT, fami_person_id TEXT)",
        ):
            db.execute(f"CREATE TABLE {ddl}")
        db.executemany(
            "INSERT INTO ssd_person VALUES (?, NULL, NULL, 'Synthetic', ?, ?, ?, 'WBRI')",
            ((str(n), f"Child{n}", "MF"[n % 2], _day(n % 3000 - 3000)) for n in range(children)),
        )
        episodes = [
            (
                f"{n}-{s}",
                str(n),
                str(n),
                f"{n}-{s}",
                _day(n % 3000 + 60 * s),
                "Started to be looked after" if s == 0 else "Change of placement and carer(s) only",
                "N1",
                _day(n % 3000 + 60 * s + 60) if s < spells - 1 else None,
                "Episode ceases, and new episode begins on same day, for any reason" if s < spells - 1 else None,
            )
            for n in range(children)
            for s in range(spells)
        ]
        db.executemany("INSERT INTO ssd_cla_episodes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", episodes)
        db.executemany(
            "INSERT INTO ssd_cla_placement VALUES (?, 'U4', 'PR1', NULL, NULL, NULL)", ((e[0],) for e in episodes)
        )
        db.executemany(
            "INSERT INTO ssd_legal_status VALUES (?, ?, 'Full care order', ?, NULL)",
            ((str(n), str(n), _day(n % 3000)) for n in range(children)),
        )
        db.executemany(
            "INSERT INTO ssd_cla_reviews VALUES (?, ?, ?, NULL, 'N', 'PN1')",
            ((f"{n}-{r}", str(n), _day(n % 3000 + 20 + 120 * r)) for n in range(children) for r in range(3)),
        )
        db.executemany(
            "INSERT INTO ssd_cla_care_plan VALUES (?, ?, ?, NULL, ?)",
            ((str(n), str(n), _day(n % 3000 + 30), plan) for n in range(children)),
        )
        db.executemany(
            "INSERT INTO ssd_permanence VALUES (?, ?, ?, NULL, ?, NULL, NULL, NULL, NULL, NULL, NULL)",
            ((str(n), str(n), _day(n % 3000 + 40), _day(n % 3000 + 200)) for n in range(0, children, 10)),
        )
        db.executemany(
            "INSERT INTO ssd_involvements VALUES (?, ?, ?, 'CW', 'Team', ?, NULL)",
            ((str(n), str(n), f"W{n % 900}", _day(n % 3000)) for n in range(children)),
        )
        db.executemany(
            "INSERT INTO ssd_professionals VALUES (?, ?, 'Team')",
            ((f"W{w}", f"Synthetic Worker {w}") for w in range(900)),
        )
        db.executemany(
            "INSERT INTO ssd_family VALUES (?, ?, ?)", ((str(n), str(n // 2), str(n)) for n in range(children))
        )
    db.close()
    rows = children * (1 + 2 * spells + 1 + 3 + 1 + 1 + 1) + children // 10 + 900
    return f"sqlite:///{path}", {}, rows


def spoil(folder: Path, adapter: str, every: int, spells: int) -> None:
    """One care episode (Liquidlogic) or placement (Mosaic) of every ``every``-th child gets a start date that is
    not a date."""
    table, start, key, db_file = {
        "liquidlogic": ("FACT_CARE_EPISODES", "CARE_START_DATE", "FACT_CARE_EPISODES_ID", "child_social.db"),
        "mosaic": ("dm_placements", "start_date", "placement_id", "mosaic.db"),
    }[adapter]
    with sqlite3.connect(folder / db_file) as db:
        db.execute(f"UPDATE {table} SET {start} = 'soon' WHERE {key} % ? = 1", (every * spells,))
    db.close()


def timed(label: str, rows: int, load) -> None:
    start, cpu_start = time.perf_counter(), time.process_time()
    result = load()
    seconds = time.perf_counter() - start
    # A load gives records; a cohort load (--cohort) gives the cohort tables.
    children = len(result.records) if hasattr(result, "records") else len(result.cohort)
    # CPU time as well as wall time: on a shared machine the wall clock also counts other processes' turns.
    cpu = time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label:<12} {children:>7} children {rows:>8} rows  {seconds:6.2f} s (cpu {cpu:6.2f} s)"
        f"  {rows / seconds:9.0f} rows/s  peak RSS {peak:6.0f} MiB  rejected {len(result.rejected)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=85_000)
    parser.add_argument("--episodes-per-child", type=int, default=4)
    parser.add_argument(
        "--adapter",
        action="append",
        choices=["mosaic", "liquidlogic", "ssd"],
        help="Load only this adapter (repeatable); peak RSS is the process's, so one adapter a run isolates it.",
    )
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
        " api.load_cohort as the nightly job and the tracker ask (an adapter without its own detail tables: records).",
    )
    parser.add_argument(
        "--spoil-every",
        type=int,
        metavar="N",
        help="Liquidlogic and Mosaic: give one care episode (placement) of every Nth child an unreadable start date"
        " (a rejection; with --cohort that child, and a Mosaic child's sibling, goes through the record path).",
    )
    args = parser.parse_args()
    if args.detail and not args.cohort:
        parser.error("--detail needs --cohort")
    wanted = set(args.adapter or ["mosaic", "liquidlogic", "ssd"])
    facets: dict[str, list[str]] = {}
    needed = None
    if args.profile:
        from permanence_core.rules import load_profile, profile_facets

        needed = profile_facets(load_profile(args.profile))
        facets["facets"] = sorted(facet.value for facet in needed)
    plugins = Plugins()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        builders = {"mosaic": mosaic_warehouse, "liquidlogic": liquidlogic_warehouse, "ssd": ssd_warehouse}
        for name, build in builders.items():
            if name in wanted:
                source, options, rows = build(folder, args.children, args.episodes_per_child)
                if name in ("liquidlogic", "mosaic") and args.spoil_every:
                    spoil(folder, name, args.spoil_every, args.episodes_per_child)
                if args.detail:
                    detailed = {**options, "detail": True}
                    timed(
                        f"{name} detail",
                        rows,
                        lambda name=name, s=source, o=detailed: api.load_cohort(name, s, o, needed, plugins),
                    )
                elif args.cohort:
                    cohort = f"{name} cohort"
                    timed(cohort, rows, lambda name=name, s=source, o=options: plugins.load_cohort(name, s, o, needed))
                else:
                    options = {**options, **facets}
                    timed(name, rows, lambda name=name, s=source, o=options: plugins.load(name, s, o))


if __name__ == "__main__":
    main()
