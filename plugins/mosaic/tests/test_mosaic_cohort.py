"""The fast cohort reader against the object reader: the same tables, rejections, rows read and notices.

Warehouses have the documented dm_* tables (conftest's DDL, research/case_systems.md 1.2) filled from a seeded
random generator: families in care and out of it, sibling groups sharing a subgroup, group and per-child forms,
several forms per step, steps of every configured type and status. Each is read by ``load_cohort`` and by
``cohort_from_records(read(...))``, for several facet sets, its detail tables (``detail=True``) held to
``detail_from_records`` of the records; then every optional table and column is removed in turn, and rows of each kind
the object reader rejects are added (their children then go the object way, and for the workflow tables' kinds the
whole warehouse).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sqlite3
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

import polars as pl
import pytest
from permanence_mosaic.cohort import MosaicCohortLoad, read_cohort
from permanence_mosaic.config import load_config
from permanence_mosaic.reader import read
from permanence_mosaic.warehouse import TABLES, layout
from polars.testing import assert_frame_equal

from permanence_core.api import load_cohort
from permanence_core.cohort import DETAIL_SCHEMAS, SCHEMAS, cohort_from_records, detail_from_records

Rows = dict[str, list[tuple]]
Warehouse = Callable[..., str]
CARE_TABLES = ("dm_persons", "dm_periods_of_care", "dm_placements", "dm_legal_statuses")
FACET_SETS: list[list[str] | None] = [None, ["reviews"], ["plans", "meetings", "adoption"], ["plans"], []]
DAY0 = dt.date(2016, 1, 1)
ROUTES = ["Adoption", "ADOPTION", "SGO", "Long term foster care", "Return home to parents", "adoption", "LTFOST18"]
PLACEMENT_TYPES = ["U1", "U3", "U4", "U6", "A3", "A4", "A5", "A6", "R1"]
LEGAL = ["C1", "C2", "E1", "V2", "V3", "V4", "J2"]
ENDINGS = ["E11", "E12", "E41", "E45", "E13", "E4A", "X1"]
STEP_TYPES = [1242, 1237, 1234, 2210, 2211, 2212, 2213, 9999]
STATUSES = ["COMPLETED", "STARTED", "INCOMING", "CANCELLED", "PROPOSED", "reopened", None]


def _day(rng: random.Random, since: dt.date, most: int = 400) -> dt.date:
    return since + dt.timedelta(days=rng.randint(0, most))


def _text(day: dt.date | None, rng: random.Random) -> str | None:
    # SQLite keeps DATETIME as text, with or without the time.
    if day is None:
        return None
    return f"{day.isoformat()} 00:00:00" if rng.random() < 0.5 else day.isoformat()


def synthetic(seed: int, families: int = 14) -> Rows:
    """A warehouse's rows: ``families`` families of one to three children, their parent, and people not in care."""
    rng = random.Random(seed)
    rows: Rows = {name: [] for name in TABLE_KEYWORDS}
    rows["questions"] = [
        (1, "lac.perm.plan"),
        (2, "lac.perm.contingency"),
        (3, "lac.perm.decision.date"),
        (4, "perm.meeting.date"),
        (5, "perm.referral.received"),
        (6, "perm.minutes.issued"),
        (9, "lac.health.gp"),
    ]
    rows["workers"] = [(w, f"Synthetic Worker {w}") for w in range(1, 6)]
    ids = iter(range(1, 100_000))
    for family in range(families):
        parent = 5000 + family
        rows["persons"].append((parent, "Parent", f"F{family}", None, None, "1985-01-01", None, "F", None))
        children = [1000 + 10 * family + n for n in range(rng.randint(1, 3))]
        for child in children:
            born = _day(rng, dt.date(2008, 1, 1), 3000)
            gender = rng.choice(["M", "F", "U", "m", None])
            # Some children with no first name or surname (or one of blanks): the tracker then shows their id.
            first, surname = ("Synthetic", None, "  ")[child % 3], None if child % 5 == 0 else f"C{child}"
            rows["persons"].append((child, first, surname, None, None, _text(born, rng), None, gender, None))
            _care(rng, rows, child, ids)
            rows["allocations"].append((next(ids), child, rng.randint(1, 5), _text(_day(rng, DAY0), rng), None))
            if rng.random() < 0.4:
                best = _day(rng, DAY0, 1500)
                ceased = _day(rng, best, 300) if rng.random() < 0.3 else None
                reason = rng.choice(["RD1", "RD2", "RD4", None]) if ceased else None
                match = _day(rng, best - dt.timedelta(days=100), 300) if rng.random() < 0.6 else None
                rows["step_people"].append(
                    (next(ids), child, 2210, "COMPLETED", _text(best, rng), _text(ceased, rng), reason,
                     _text(match, rng), "N", "N")
                )  # fmt: skip
        for a, b in itertools.pairwise(children):
            ended = _text(_day(rng, DAY0), rng) if rng.random() < 0.2 else None
            rows["relationships"].append((a, b, "Child's Siblings", "N", "2018-01-01", ended))
        rows["relationships"].append((children[0], parent, "Child's Parents", "N", "2018-01-01", None))
        subgroup = 60 + family
        rows["subjects"] += [(subgroup, person, "PER") for person in [*children, parent]]
        rows["subjects"].append((subgroup, 70_000 + family, "ORG"))
        for _ in range(rng.randint(1, 6)):
            _step(rng, rows, subgroup, children, ids)
    # People who are not looked after, and a step about a parent alone.
    rows["persons"] += [(9000 + n, None, None, None, None, None, None, None, None) for n in range(4)]
    rows["subjects"].append((99, 5000, "PER"))
    rows["steps"].append((next(ids), 2210, 99, "COMPLETED", None, "2020-01-01", None, None, None))
    rows["non_la"].append((next(ids), 5000, "SGO", "2010-01-01", None))
    return rows


TABLE_KEYWORDS = (
    "persons", "periods", "placements", "legal_statuses", "non_la", "steps", "step_people", "subjects", "questions",
    "answers", "relationships", "allocations", "workers",
)  # fmt: skip


def _care(rng: random.Random, rows: Rows, child: int, ids: Iterator[int]) -> None:
    start = _day(rng, DAY0, 600)
    for _period in range(rng.randint(1, 2)):
        period = next(ids)
        spells = rng.randint(1, 3)
        cuts = sorted(_day(rng, start, 700) for _ in range(spells))
        open_now = rng.random() < 0.5
        end = None if open_now else cuts[-1] + dt.timedelta(days=rng.randint(1, 90))
        reason = None if open_now else rng.choice(ENDINGS[:-1])
        rows["periods"].append((period, child, _text(start, rng), _text(end, rng)))
        bounds = [start, *cuts[1:], end]
        for n in range(spells):
            spell_end = bounds[n + 1]
            ceased = reason if n == spells - 1 else ("X1" if spell_end else None)
            change = rng.choice([None, "CARPL", "CREQB"]) if spell_end else None
            rows["placements"].append(
                (next(ids), 1, child, period, _text(bounds[n], rng), _text(spell_end, rng),
                 rng.choice(PLACEMENT_TYPES), "N1", ceased, change, "N")
            )  # fmt: skip
        for n, code in enumerate(rng.sample(LEGAL, rng.randint(1, 2))):
            respite = rng.choice(["Y", "N", None])
            spell_start = start if n == 0 else cuts[-1]
            rows["legal_statuses"].append(
                (next(ids), child, period, code, _text(spell_start, rng), _text(end, rng), respite)
            )
        if end is not None and rng.random() < 0.3:
            kind = rng.choice(["SGO", "CAO", "OTHER"])
            rows["non_la"].append((next(ids), child, kind, _text(end, rng), None))
        if end is None:
            return
        start = end + dt.timedelta(days=rng.randint(1, 300))


def _step(rng: random.Random, rows: Rows, subgroup: int, children: list[int], ids: Iterator[int]) -> None:
    step = next(ids)
    started = _day(rng, DAY0, 2500) if rng.random() < 0.85 else None
    rows["steps"].append(
        (step, rng.choice(STEP_TYPES), subgroup, rng.choice(STATUSES), None, _text(started, rng), None, 1, 1)
    )
    forms = [next(ids) for _ in range(rng.randint(1, 2))]
    for form in forms:
        row = iter(range(1, 50))
        # A group form (subject <= 0 or empty: every person subject of the subgroup).
        group = rng.choice([-1, 0, None])
        if rng.random() < 0.8:
            rows["answers"].append(
                (form, step, next(row), "lac.perm.plan", rng.choice(ROUTES), None, group, subgroup, 1)
            )
        for _ in range(rng.randint(0, 2)):
            route = rng.choice(ROUTES)
            rows["answers"].append((form, step, next(row), "lac.perm.contingency", route, None, group, subgroup, 2))
        if rng.random() < 0.5:
            day = _text(_day(rng, DAY0, 2500), rng)
            rows["answers"].append((form, step, next(row), "lac.perm.decision.date", None, day, group, subgroup, 3))
        for code, mapping in (("perm.meeting.date", 4), ("perm.referral.received", 5), ("perm.minutes.issued", 6)):
            if rng.random() < 0.3:
                day = _text(_day(rng, DAY0, 2500), rng)
                rows["answers"].append((form, step, next(row), code, None, day, group, subgroup, mapping))
        rows["answers"].append((form, step, next(row), "lac.health.gp", "Dr Synthetic", None, group, subgroup, 9))
        # A child's own form: its plan for that child alone; an answer about someone not of the subgroup.
        child = rng.choice(children)
        if rng.random() < 0.5:
            rows["answers"].append(
                (form, step, next(row), "lac.perm.plan", rng.choice(ROUTES), None, child, subgroup, 1)
            )
        if rng.random() < 0.2:
            rows["answers"].append((form, step, next(row), "lac.perm.plan", "SGO", None, 1, subgroup, 1))
        if rng.random() < 0.2:
            # Unmapped: the answer's own code stands.
            rows["answers"].append(
                (form, step, next(row), "lac.perm.plan", rng.choice(ROUTES), None, group, subgroup, None)
            )


#: Each detail table's key, to compare them sorted (a child's workers keep the record's order: a stable sort).
DETAIL_KEYS = {
    "names": ["child_id"],
    "meeting_detail": ["child_id", "seq"],
    "actions": ["child_id", "meeting_seq", "position"],
    "plan_ids": ["child_id", "seq"],
    "workers": ["child_id"],
}


def _read_both(url: str, config: Path, facets: Collection[str] | None) -> MosaicCohortLoad:
    """The fast path read without and with the detail tables, each table held to the object reader's records."""
    settings = load_config({"config": str(config)})
    full = read(url, settings, facets=facets)
    expected = cohort_from_records(full.records)
    got = read_cohort(url, settings, facets)
    assert got.detail is None
    with_detail = read_cohort(url, settings, facets, detail=True)
    for load in (got, with_detail):
        for name in SCHEMAS:
            try:
                assert_frame_equal(getattr(load.cohort, name), getattr(expected, name))
            except AssertionError as exc:
                raise AssertionError(f"cohort table {name} differs: {exc}") from None
        assert load.rejected == tuple(full.rejected)
        assert (load.read, load.notices) == (full.read, tuple(full.notices))
    assert (with_detail.by_object_reader, with_detail.whole_warehouse) == (got.by_object_reader, got.whole_warehouse)
    assert with_detail.detail is not None and set(DETAIL_KEYS) == set(DETAIL_SCHEMAS)
    expected_detail = detail_from_records(full.records)
    for name, keys in DETAIL_KEYS.items():
        try:
            assert_frame_equal(
                getattr(with_detail.detail, name).sort(keys, maintain_order=True),
                getattr(expected_detail, name).sort(keys, maintain_order=True),
            )
        except AssertionError as exc:
            raise AssertionError(f"detail table {name} differs: {exc}") from None
    return got


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("facets", FACET_SETS, ids=str)
def test_the_fast_path_gives_the_object_readers_cohort(
    warehouse: Warehouse, config: Path, seed: int, facets: list[str] | None
) -> None:
    url = warehouse(**synthetic(seed))

    got = _read_both(url, config, facets)

    assert got.by_object_reader == 0 and not got.whole_warehouse, "a clean warehouse takes the fast path"
    assert len(got.cohort) > 10
    if facets is None:
        assert got.cohort.plans.height and got.cohort.meetings.height and got.cohort.reviews.height


def _optional_columns() -> list[tuple[str, str]]:
    """Every column no required facet needs (as test_mosaic_optional removes them)."""
    needs = layout(load_config({"config": str(Path(__file__).parents[1] / "examples" / "council.toml")})).needs
    required = {(t, c) for facet in ("identity", "care") for t, cols in needs[facet].items() for c in cols}
    return [(t, c) for t, spec in TABLES.items() for c in spec.columns if (t, c) not in required]


def _drop(url: str, statement: str) -> str:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        connection.execute(statement)
    connection.close()
    return url


@pytest.mark.parametrize(("table", "column"), _optional_columns(), ids=str)
def test_each_optional_column_removed_in_turn(warehouse: Warehouse, config: Path, table: str, column: str) -> None:
    url = _drop(warehouse(**synthetic(3)), f"ALTER TABLE {table} DROP COLUMN {column}")
    for facets in (None, ["plans", "meetings"]):
        assert not _read_both(url, config, facets).by_object_reader


@pytest.mark.parametrize("table", [t for t in TABLES if t not in CARE_TABLES])
def test_each_optional_table_removed_in_turn(warehouse: Warehouse, config: Path, table: str) -> None:
    url = _drop(warehouse(**synthetic(4)), f"DROP TABLE {table}")
    for facets in (None, ["reviews"]):
        assert not _read_both(url, config, facets).by_object_reader


#: Rows the object reader rejects, one kind at a time: (table keyword, row or a change to the rows).
BAD: dict[str, Callable[[Rows], None]] = {
    "repeated person": lambda r: r["persons"].append(r["persons"][1]),
    "person without an id": lambda r: r["persons"].append((None, "X", "Y", None, None, None, None, None, None)),
    "date of birth not a date": lambda r: _change(r, "persons", 1, 5, "not a date"),
    "sibling's date of birth not a date": lambda r: _sibling_born_when(r, "not a date"),
    "gender not a code": lambda r: _change(r, "persons", 1, 7, "X"),
    "NHS number refused": lambda r: _change(r, "persons", 1, 4, "1234567890"),
    "UPN refused": lambda r: _change(r, "persons", 1, 3, "NOTAUPN"),
    "period without a start": lambda r: _change(r, "periods", 0, 2, None),
    "period of an unknown person": lambda r: r["periods"].append((88_888, 77_777, "2020-01-01", None)),
    "period ending before it starts": lambda r: _change(r, "periods", 0, 3, "2001-01-01"),
    "placement type not a code": lambda r: _change(r, "placements", 0, 6, "Z9"),
    "placement reason ceased not a code": lambda r: _change(r, "placements", 0, 8, "ZZ"),
    "placement change reason not a code": lambda r: _change(r, "placements", 0, 9, "NOPE"),
    "placement of a person never in care": lambda r: r["placements"].append(
        (88_888, 1, 9000, None, "2020-01-01", None, "U1", "N1", None, None, "N")
    ),
    "repeated placement": lambda r: r["placements"].append(r["placements"][0]),
    "legal status without a code": lambda r: _change(r, "legal_statuses", 0, 3, None),
    "legal status not a code": lambda r: _change(r, "legal_statuses", 0, 3, "Q9"),
    "adoption reversal reason not a code": lambda r: r["step_people"].append(
        (77_001, r["periods"][0][1], 2210, "COMPLETED", None, "2020-01-01", "RD9", None, "N", "N")
    ),
    "adoption date not a date": lambda r: r["step_people"].append(
        (77_002, r["periods"][0][1], 2210, "COMPLETED", "soon", None, None, None, "N", "N")
    ),
    "sibling unknown": lambda r: r["relationships"].append(
        (r["periods"][0][1], 66_666, "Child's Siblings", "N", None, None)
    ),
    "sibling themself": lambda r: r["relationships"].append(
        (r["periods"][0][1], r["periods"][0][1], "Child's Siblings", "N", None, None)
    ),
    "worker unknown": lambda r: r["allocations"].append((99_999, r["periods"][0][1], 55, "2020-01-01", None)),
    "order without a date": lambda r: r["non_la"].append((99_998, r["periods"][0][1], "SGO", None, None)),
    "step about nobody": lambda r: r["steps"].append((99_997, 2210, None, "COMPLETED", None, "2020-01-01", None, 1, 1)),
    "step start not a date": lambda r: r["steps"].append((99_996, 2210, 60, "COMPLETED", None, "later", None, 1, 1)),
    "repeated subject": lambda r: r["subjects"].append(r["subjects"][0]),
    "plan naming no route": lambda r: r["answers"].append(
        (99_995, r["steps"][0][0], 1, "lac.perm.plan", "Unknown", None, -1, 60, 1)
    ),
    "date answer not a date": lambda r: r["answers"].append(
        (99_994, r["steps"][0][0], 1, "lac.perm.decision.date", None, "someday", -1, 60, 3)
    ),
    "answer on a step not loaded": lambda r: _answer_on_a_step_not_loaded(r),
    "repeated answer": lambda r: r["answers"].append(r["answers"][0]),
    "a group step dated differently per child": lambda r: _dated_per_child(r),
}


def _sibling_born_when(rows: Rows, born: str) -> None:
    """A looked-after child's sibling who is not looked after, with this date of birth."""
    child = rows["periods"][0][1]
    rows["persons"].append((7777, "Sibling", "Synthetic", None, None, born, None, "F", None))
    rows["relationships"].append((7777, child, "Child's Siblings", "N", None, None))


def _change(rows: Rows, table: str, at: int, column: int, value: object) -> None:
    row = list(rows[table][at])
    row[column] = value
    rows[table][at] = tuple(row)


def _answer_on_a_step_not_loaded(rows: Rows) -> None:
    rows["steps"].append((99_993, 2210, None, "COMPLETED", None, "2020-01-01", None, 1, 1))
    rows["answers"].append((99_993, 99_993, 1, "lac.perm.plan", "SGO", None, -1, 60, 1))


def _dated_per_child(rows: Rows) -> None:
    # A PPM of a sibling group whose children's own forms give it different meeting dates.
    subgroup, children = next(
        (group, people)
        for group in range(60, 100)
        if len(people := [s[1] for s in rows["subjects"] if s[0] == group and 1000 <= s[1] < 5000]) > 1
    )
    rows["steps"].append((99_980, 2210, subgroup, "COMPLETED", None, "2020-01-01", None, 1, 1))
    for n, child in enumerate(children):
        day = f"2021-0{n + 1}-01"
        rows["answers"].append((99_980, 99_980, n + 1, "perm.meeting.date", None, day, child, subgroup, 4))
        rows["answers"].append((99_980, 99_980, n + 10, "lac.perm.plan", "SGO", None, child, subgroup, 1))


#: Bad rows that name no looked-after child, or leave their person none (their only period of care): the object
#: reader reads them (and rejects them) alone.
NO_CHILD = {
    "person without an id",
    "period of an unknown person",
    "placement of a person never in care",
    "period without a start",
    "period ending before it starts",
}
#: Bad rows of the workflow tables: a step, its subjects and its answers are shared by every child of a subgroup
#: and date each other's meetings, so the whole warehouse goes the object way (docs/mosaic.md section 8).
WHOLE = {
    "step about nobody",
    "step start not a date",
    "repeated subject",
    "plan naming no route",
    "date answer not a date",
    "answer on a step not loaded",
    "repeated answer",
    "a group step dated differently per child",
}


@pytest.mark.parametrize("kind", list(BAD))
def test_rows_the_object_reader_rejects_send_only_their_children_its_way(
    warehouse: Warehouse, config: Path, kind: str
) -> None:
    rows = synthetic(5)
    BAD[kind](rows)
    url = warehouse(**rows)

    got = _read_both(url, config, None)
    _read_both(url, config, ["plans", "meetings", "reviews"])  # the tables of the other facets are not read

    assert got.rejected or kind == "a group step dated differently per child"
    if kind in WHOLE:
        assert got.whole_warehouse and got.by_object_reader == len(got.cohort)
    elif kind in NO_CHILD:
        assert not got.whole_warehouse and got.by_object_reader == 0
    else:
        # The bad row's child (and a sibling whose load reads a bad date of birth); the rest fast.
        assert not got.whole_warehouse and 1 <= got.by_object_reader <= 2 < len(got.cohort)


def _spoilt(seed: int) -> Rows:
    """A warehouse with bad rows of many children at once, a placement key two children share, and care rows
    naming another child's period of care (which decide its ending and respite)."""
    rows = synthetic(seed, families=30)
    rng = random.Random(seed)
    for at in rng.sample(range(len(rows["periods"])), 3):
        _change(rows, "periods", at, 2, "soon")
    for at in rng.sample(range(len(rows["placements"])), 3):
        _change(rows, "placements", at, 6, "Z9")
    for at in rng.sample(range(len(rows["legal_statuses"])), 2):
        _change(rows, "legal_statuses", at, 5, "2001-01-01")
    first, other = rng.sample(range(len(rows["placements"])), 2)
    shared = list(rows["placements"][other])
    shared[:2] = rows["placements"][first][:2]
    rows["placements"].append(tuple(shared))
    for at in rng.sample(range(len(rows["legal_statuses"])), 3):
        _change(rows, "legal_statuses", at, 2, rng.choice(rows["periods"])[0])
    for at in rng.sample(range(len(rows["placements"])), 3):
        _change(rows, "placements", at, 3, rng.choice(rows["periods"])[0])
    _sibling_born_when(rows, "not a date")
    # Two siblings not in care with bad dates of birth, each of several children, recorded from either side, and
    # ended relationships between children with bad rows and others.
    children = sorted({period[1] for period in rows["periods"]})
    a, b, c, d = rng.sample(children, 4)
    for sibling in (7001, 7002):
        rows["persons"].append((sibling, "Sibling", "Synthetic", None, None, "soon", None, "F", None))
    rows["relationships"] += [
        (7001, a, "Child's Siblings", "N", None, None),
        (b, 7001, "Child's Siblings", "N", None, None),
        (a, 7002, "Child's Siblings", "N", None, None),
        (7002, c, "Child's Siblings", "N", None, None),
        (d, a, "Child's Siblings", "N", None, "2020-01-01"),
        (rows["periods"][0][1], d, "Child's Siblings", "N", None, "2020-01-01"),
    ]
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_many_bad_rows_send_only_their_children_and_those_tied_to_them_the_object_way(
    warehouse: Warehouse, config: Path, seed: int
) -> None:
    url = warehouse(**_spoilt(seed))

    for facets in (None, ["plans"]):
        got = _read_both(url, config, facets)

        assert len(got.rejected) >= 10
        assert not got.whole_warehouse and 0 < got.by_object_reader < len(got.cohort)


def test_a_bad_date_of_birth_of_someone_not_read_leaves_the_fast_path(warehouse: Warehouse, config: Path) -> None:
    rows = synthetic(5)
    _change(rows, "persons", 0, 5, "not a date")  # the first family's parent: neither in care nor a sibling
    url = warehouse(**rows)

    assert _read_both(url, config, None).by_object_reader == 0


def test_the_detail_tables_hold_names_workers_meeting_children_and_plan_ids(warehouse: Warehouse, config: Path) -> None:
    url = warehouse(**synthetic(2))

    detail = read_cohort(url, load_config({"config": str(config)}), None, detail=True).detail

    assert detail is not None
    names = dict(detail.names.iter_rows())
    # synthetic(): first name "Synthetic", none or blanks by id modulo 3; no surname when the id is a multiple of 5.
    parts = {
        child: (("Synthetic", None, None)[int(child) % 3], None if int(child) % 5 == 0 else f"C{child}")
        for child in names
    }
    assert names == {child: " ".join(part for part in given if part) or child for child, given in parts.items()}
    kinds = {
        "id" if name == child else "surname" if name == f"C{child}" else name.split()[0]
        for child, name in names.items()
    }
    assert kinds == {"id", "surname", "Synthetic"}, "named in full, by surname alone, and by id when nameless"
    assert detail.workers["name"].str.starts_with("Synthetic Worker ").all()
    assert detail.meeting_detail["children"].list.len().max() > 1, "a sibling group's meeting names each child"
    assert detail.plan_ids["plan_id"].is_not_null().all() and detail.actions.is_empty()


def test_permanence_alerts_reads_the_cohort_through_the_fast_path(warehouse: Warehouse, config: Path) -> None:
    url = warehouse(**synthetic(6))

    loaded = load_cohort("mosaic", url, {"config": str(config)}, None)
    with_detail = load_cohort("mosaic", url, {"config": str(config), "detail": True}, None)

    assert isinstance(loaded, MosaicCohortLoad) and not loaded.by_object_reader
    assert loaded.cohort.children["child_id"].dtype == pl.String
    # The nightly job's load: the detail tables straight from the warehouse, not the records.
    assert isinstance(with_detail, MosaicCohortLoad) and with_detail.detail is not None
    assert with_detail.detail.names.height == len(with_detail.cohort)
