"""The columnar SSDA903 reader against the object reader: the same cohort, rejections, count and notices.

The oracle is ``cohort_from_records(ssda903.load(...).records)`` with that load's rejections and rows read; the
columnar ``read_cohort`` must equal it table by table (sorted), rejection by rejection (in order) and in ``read``,
for synthetic cohorts, the bundled demo, the DfE validator's fake return, hand-made bad rows of every kind and
fuzzed files. Asked for the detail tables as well, it must give the same cohort and, table by table,
``detail_from_records`` of the same records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_adversarial_ssda903 import BASIC, CSV_TOKENS, mangled, write_files

from permanence_core.adapters import ssda903
from permanence_core.adapters.ssda903 import rawrows
from permanence_core.adapters.ssda903.cohort import ColumnarLoad, read_cohort
from permanence_core.cohort import (
    DETAIL_KEYS,
    DETAIL_SCHEMAS,
    SCHEMAS,
    Cohort,
    CohortDetail,
    cohort_from_records,
    detail_from_records,
)
from permanence_core.errors import PermanenceError
from permanence_core.model import Facet
from permanence_core.rules import load_profile, profile_facets
from permanence_core.synth import CohortSpec, generate

DATA = Path(__file__).parent / "data" / "ssda903"
DEMO = Path(__file__).parents[1] / "src" / "permanence_core" / "demo_data"
ENGLAND = profile_facets(load_profile("england"))
#: The facet sets a load is asked for: a profile's, the return's only, one pack facet, every facet named (the
#: nightly job), every facet (documents).
FACETS: list[Collection[Facet] | None] = [
    ENGLAND,
    {Facet.CARE},
    {Facet.PLANS},
    {Facet.MEETINGS, Facet.CARE},
    set(Facet),
    None,
]
SEEDS = [1, 7, 903]
#: Fuzzed files per property test (the first two, then the CSV tokenizer's).
EXAMPLES, LINE_EXAMPLES = 40, 300
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ
#: Under mutmut (which sets MUTANT_UNDER_TEST, also when run by hand to check one mutant) one seed and fewer fuzzed
#: files, the same every run, so that a mutant of either reader costs seconds: `make test` runs the whole.
if UNDER_MUTMUT:
    SEEDS, EXAMPLES, LINE_EXAMPLES = [7], 10, 60
#: A mutant that fails an example is killed: under mutmut, shrinking it to the smallest (minutes of the oracle) is
#: left out, as is the example database (derandomized: the same examples every run).
PHASES = (Phase.explicit, Phase.generate) if UNDER_MUTMUT else tuple(Phase)


def sorted_table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def oracle(
    source: Path, facets: Collection[Facet] | None
) -> tuple[Cohort, tuple[object, ...], int, tuple[str, ...], CohortDetail]:
    options = {} if facets is None else {"facets": sorted(facet.value for facet in facets)}
    loaded = ssda903.load(str(source), options)
    records = loaded.records
    return cohort_from_records(records), loaded.rejected, loaded.read, loaded.notices, detail_from_records(records)


def assert_same(source: Path, facets: Collection[Facet] | None) -> ColumnarLoad:
    try:
        expected, rejected, read, notices, detail = oracle(source, facets)
    except PermanenceError as exc:
        with pytest.raises(type(exc)):
            read_cohort(str(source), facets)
        with pytest.raises(type(exc)):
            read_cohort(str(source), facets, detail=True)
        return ColumnarLoad(cohort=Cohort())
    fast = read_cohort(str(source), facets)
    assert fast.detail is None
    with_detail = read_cohort(str(source), facets, detail=True)
    for load in (fast, with_detail):
        for name in SCHEMAS:
            mine, theirs = getattr(load.cohort, name), getattr(expected, name)
            assert sorted_table(mine).equals(sorted_table(theirs)), (name, mine, theirs)
        assert load.cohort.children["child_id"].to_list() == expected.children["child_id"].to_list()
        assert load.rejected == rejected
        assert load.read == read
        assert load.notices == notices
    assert with_detail.detail is not None
    assert set(DETAIL_KEYS) == set(DETAIL_SCHEMAS)
    for name, keys in DETAIL_KEYS.items():
        mine, theirs = getattr(with_detail.detail, name), getattr(detail, name)
        assert mine.sort(keys).equals(theirs.sort(keys)), (name, mine, theirs)
    assert (with_detail.by_object_reader, with_detail.pack_by_object_reader) == (
        fast.by_object_reader,
        fast.pack_by_object_reader,
    )
    return fast


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, str], Path]:
    made: dict[tuple[int, str], Path] = {}

    def cohort(seed: int, pack: str) -> Path:
        if (seed, pack) not in made:
            folder = tmp_path_factory.mktemp(f"synth{seed}{pack}")
            generate(CohortSpec(children=120, seed=seed, as_of=dt.date(2026, 11, 2)), folder, pack_json=pack == "json")
            if pack == "none":
                shutil.rmtree(folder / "pack")
            made[seed, pack] = folder
        return made[seed, pack]

    return cohort


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("pack", ["csv", "none", "json"])
@pytest.mark.parametrize("facets", FACETS)
def test_synthetic_cohorts_read_the_same(synthetic, seed, pack, facets):
    fast = assert_same(synthetic(seed, pack), facets)
    assert len(fast.cohort) == 120
    if pack == "csv" and facets is not None and Facet.CARE in facets:
        # The case the fast path is for reads no child, nor the pack, through the object reader.
        assert fast.by_object_reader == 0
        assert not fast.pack_by_object_reader


@pytest.mark.parametrize(
    "source",
    [
        DEMO,
        DATA / "basic",
        DATA / "external",
        DATA / "multiyear",
        DATA / "small.xml",
        DATA / "external" / "fake_903.xml",
    ],
)
@pytest.mark.parametrize("facets", FACETS)
def test_bundled_returns_read_the_same(source, facets):
    assert_same(source, facets)


def test_the_basic_return_with_the_test_pack_reads_the_same(tmp_path):
    shutil.copytree(DATA / "basic", tmp_path, dirs_exist_ok=True)
    shutil.copytree(DATA / "pack", tmp_path / "pack")
    for facets in FACETS:
        assert_same(tmp_path, facets)


@pytest.mark.parametrize("change", ["as is", "a bad worker row", "a worker ending before starting", "no pack workers"])
def test_the_returns_social_workers_stand_where_the_pack_gives_none(tmp_path, change):
    shutil.copytree(DATA / "basic", tmp_path, dirs_exist_ok=True)
    shutil.copytree(DATA / "pack", tmp_path / "pack")
    sw = tmp_path / "sw_episodes.csv"
    rows = sw.read_text(encoding="utf-8-sig").splitlines()
    rows.append("C009,01/01/2010,SW19,01/03/2024,,")
    if change == "a bad worker row":
        rows.append("C001,12/03/2019,SW20,31/02/2024,,")
    if change == "a worker ending before starting":
        rows.append("C001,12/03/2019,SW21,01/06/2024,01/05/2024,")
    sw.write_text("\n".join(rows) + "\n", encoding="utf-8")
    if change == "no pack workers":
        (tmp_path / "pack" / "workers.csv").unlink()
    for facets in FACETS:
        fast = assert_same(tmp_path, facets)
        assert fast.rejected or change == "as is" or change == "no pack workers"


# --- bad rows of every kind -------------------------------------------------------------------------------


def rewrite(folder: Path, name: str, change: Callable[[list[list[str]]], None]) -> None:
    path = folder / name
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    change(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def cell(name: str, row: int, column: str, value: str) -> tuple[str, Callable[[list[list[str]]], None]]:
    def change(rows: list[list[str]]) -> None:
        rows[row][rows[0].index(column)] = value

    return name, change


def append(name: str, values: list[str]) -> tuple[str, Callable[[list[list[str]]], None]]:
    return name, lambda rows: rows.append(values)


def repeat(name: str, row: int) -> tuple[str, Callable[[list[list[str]]], None]]:
    return name, lambda rows: rows.append(list(rows[row]))


BAD_ROWS = {
    "a date that is no date": [cell("episodes.csv", 3, "DECOM", "31/02/2024")],
    "a date before 1900": [cell("reviews.csv", 2, "REVIEW", "01/01/1899")],
    "a future date that has happened": [cell("episodes.csv", 2, "DEC", "01/01/2099")],
    "an ISO date and a lower-case code": [
        ("episodes.csv", lambda rows: rows[4].__setitem__(1, "-".join(reversed(rows[4][1].split("/"))))),
        cell("episodes.csv", 4, "LS", "c2"),
    ],
    "a bad code in every coded column": [
        cell("episodes.csv", 1, "RNE", "Q"),
        cell("episodes.csv", 5, "LS", "ZZ"),
        cell("episodes.csv", 6, "CIN", "N9"),
        cell("episodes.csv", 7, "PLACE", "X9"),
        cell("episodes.csv", 8, "PLACE_PROVIDER", "PR9"),
        cell("episodes.csv", 9, "REC", "E99"),
        cell("episodes.csv", 10, "REASON_PLACE_CHANGE", "NOPE"),
        cell("reviews.csv", 3, "REVIEW_CODE", "PN99"),
        cell("header.csv", 2, "SEX", "7"),
        cell("placed_for_adoption.csv", 1, "REASON_PLACED_CEASED", "RD9"),
        cell("previous_permanence.csv", 2, "PREV_PERM", "P9"),
        cell("ad1.csv", 1, "FOSTER_CARE", "maybe"),
    ],
    "a required value left blank": [cell("episodes.csv", 2, "PLACE", ""), cell("reviews.csv", 4, "REVIEW", "")],
    "UPNs good, unknown and bad": [
        cell("header.csv", 3, "UPN", "un3"),
        cell("header.csv", 4, "UPN", "A12345678901"),
        cell("header.csv", 5, "UPN", "a123456789012"),
    ],
    "an episode ending before it starts": [cell("episodes.csv", 2, "DEC", "01/01/2000")],
    "care before birth": [cell("header.csv", 1, "DOB", "01/01/2026")],
    "rows repeated": [
        repeat("episodes.csv", 3),
        repeat("reviews.csv", 5),
        repeat("header.csv", 6),
        repeat("uasc.csv", 1),
    ],
    "rows of the wrong width": [
        ("episodes.csv", lambda rows: rows[3].append("extra")),
        ("reviews.csv", lambda rows: rows[2].pop()),
    ],
    "rows with no child": [
        append("episodes.csv", ["", "05/01/2024", "S", "C2", "N1", "U1", "PR1", "", "", "", "", "", ""])
    ],
    "an id with a control character": [append("reviews.csv", ["C\x01X", "", "05/01/2024", "PN1"])],
    "a child in one table only": [append("reviews.csv", ["ONLY-HERE", "", "05/01/2024", "PN1"])],
    "blank rows and padded values": [
        append("reviews.csv", ["", "", "", ""]),
        append("reviews.csv", ["  "]),
        cell("episodes.csv", 2, "LS", " C2 "),
    ],
    "quoted values with commas and newlines": [
        cell("episodes.csv", 2, "HOME_POST", "AB1, 2CD"),
        cell("episodes.csv", 3, "URN", 'SC"1"'),
        cell("episodes.csv", 4, "PL_POST", "line\nbreak"),
    ],
    "a bad pack row of every kind": [
        cell("pack/plans.csv", 1, "primary_route", "nowhere"),
        cell("pack/plans.csv", 2, "child_id", "NOT-A-CHILD"),
        repeat("pack/plans.csv", 3),
        cell("pack/plan_status.csv", 1, "plan_id", "NO-PLAN"),
        cell("pack/plan_status.csv", 2, "status", "dreamt"),
        cell("pack/hearings.csv", 1, "kind", "tea"),
        cell("pack/extensions.csv", 1, "weeks", "9"),
        cell("pack/proceedings.csv", 1, "concluded_on", "01/01/2000"),
        cell("pack/children.csv", 1, "nhs_number", "1234567890"),
        append("pack/coverage.csv", ["nonsense", "*"]),
    ],
    "a bad meetings row of every kind": [
        cell("pack/meetings.csv", 1, "kind", "picnic"),
        cell("pack/meetings.csv", 2, "children", "NOT-A-CHILD"),
        repeat("pack/meetings.csv", 3),
        cell("pack/meetings.csv", 4, "minutes_issued_on", "soon"),
        cell("pack/attendees.csv", 1, "meeting_id", "NO-MEETING"),
        cell("pack/attendees.csv", 2, "attended", "perhaps"),
        cell("pack/attendees.csv", 3, "name", ""),
        repeat("pack/actions.csv", 1),
        cell("pack/actions.csv", 2, "due_date", "31/02/2025"),
        cell("pack/actions.csv", 3, "description", " "),
    ],
    "a bad siblings row of every kind": [
        cell("pack/siblings.csv", 1, "plan", "sometimes"),
        cell("pack/siblings.csv", 2, "in_concurrent_planning", "perhaps"),
        cell("pack/siblings.csv", 3, "sibling_date_of_birth", "31/02/2015"),
        ("pack/siblings.csv", lambda rows: rows[4].__setitem__(1, "") or rows[4].__setitem__(2, "")),
    ],
    "a sibling plan of no kind": [cell("pack/siblings.csv", 1, "plan", "sometimes")],
    "a bad workers row of every kind": [
        cell("pack/workers.csv", 1, "role", "wizard"),
        cell("pack/workers.csv", 2, "end", "01/01/1990"),
        cell("pack/workers.csv", 3, "start", "soon"),
        cell("pack/workers.csv", 4, "child_id", "NOT-A-CHILD"),
    ],
    "a worker of an unknown role": [cell("pack/workers.csv", 1, "role", "wizard")],
    "a worker ending before starting": [cell("pack/workers.csv", 2, "end", "01/01/1990")],
    "a meeting naming a child twice": [
        ("pack/meetings.csv", lambda rows: rows[1].__setitem__(3, f"{rows[1][3]};{rows[1][3]}"))
    ],
    "names, chairs, owners and dependencies blank or padded": [
        cell("pack/children.csv", 1, "first_name", ""),
        cell("pack/children.csv", 2, "surname", ""),
        cell("pack/children.csv", 3, "first_name", ""),
        cell("pack/children.csv", 3, "surname", ""),
        cell("pack/children.csv", 4, "surname", "  Padded  "),
        cell("pack/meetings.csv", 1, "chair", ""),
        cell("pack/meetings.csv", 2, "chair", " Chair  "),
        cell("pack/actions.csv", 1, "owner", ""),
        cell("pack/actions.csv", 2, "owner", "  Sam "),
        cell("pack/actions.csv", 3, "depends_on", " A1 ;; ; A2;"),
        cell("pack/actions.csv", 4, "description", "  Padded  "),
    ],
    "pack coverage for one child and a blank annex route": [
        cell("pack/plans.csv", 1, "primary_route", ""),
        cell("pack/plans.csv", 1, "annex_a_codes", "ADOPTION"),
    ],
}


#: Unusual rows the object reader loads without a rejection.
LOADED_WHOLE = {
    "an ISO date and a lower-case code",
    "blank rows and padded values",
    "quoted values with commas and newlines",
    "pack coverage for one child and a blank annex route",
    "a child in one table only",
    "a meeting naming a child twice",
    "names, chairs, owners and dependencies blank or padded",
}


#: The facet a kind of bad row needs read to be rejected (by a word of its name).
NEEDS = {"meeting": Facet.MEETINGS, "worker": Facet.WORKERS, "sibling": Facet.SIBLINGS}


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
@pytest.mark.parametrize("facets", [ENGLAND, {Facet.CARE, Facet.MEETINGS, Facet.PLANS}, set(Facet), None])
def test_bad_rows_of_every_kind_are_rejected_the_same(synthetic, tmp_path, kind, facets):
    shutil.copytree(synthetic(5, "csv"), tmp_path, dirs_exist_ok=True)
    for name, change in BAD_ROWS[kind]:
        rewrite(tmp_path, name, change)
    fast = assert_same(tmp_path, facets)
    needs = next((facet for word, facet in NEEDS.items() if word in kind), None)
    unread = needs is not None and facets is not None and needs not in facets
    assert bool(fast.rejected) == (kind not in LOADED_WHOLE and not unread)


def test_a_child_with_a_bad_row_alone_goes_to_the_object_reader(synthetic, tmp_path):
    shutil.copytree(synthetic(5, "csv"), tmp_path, dirs_exist_ok=True)
    rewrite(tmp_path, "reviews.csv", cell("reviews.csv", 2, "REVIEW", "never")[1])
    fast = assert_same(tmp_path, ENGLAND)
    assert fast.by_object_reader == 1
    assert len(fast.rejected) == 1


_EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
#: Small hand-written returns of the object reader's edge cases (tests/test_ssda903_csv.py, test_ssda903_load.py).
EDGE_RETURNS = {
    "no header line": {"reviews.csv": "", "missing.csv": "\r\nCHILD,MISSING,MIS_START\nK1,M,01/01/2020\n"},
    "two columns by tabs": {"reviews.csv": "CHILD\tREVIEW\nK1\t01/02/2020\n", "oc3.csv": "NOTE;TEAM\nA;B\n"},
    "in care from birth, a blank RNE": {
        "episodes.csv": _EPISODES + "K1,01/06/2015,S,C1,N1,U6,PR1,,,,,,\nK2,01/01/2019,,C1,N1,U6,PR1,,,,,,\n"
    },
    "several decisions to place": {
        "episodes.csv": _EPISODES + "K1,01/01/2019,S,C1,N1,U6,PR1,,,,,,\n",
        "placed_for_adoption.csv": "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\n"
        "K1,,01/03/2020,01/06/2020,RD1\nK1,,01/09/2021,01/10/2021,RD4\nK1,,01/01/2021,01/02/2021,RD1\n",
    },
}


@pytest.mark.parametrize("case", sorted(EDGE_RETURNS))
def test_the_object_readers_edge_cases_read_the_same(tmp_path, case):
    (tmp_path / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nK1,M,01/06/2015,WBRI,,,\nK2,F,01/06/2015,WBRI,,,\n"
    )
    for name, text in EDGE_RETURNS[case].items():
        (tmp_path / name).write_text(text)
    assert_same(tmp_path, None)


@pytest.mark.parametrize(
    ("encoding", "line_end"), [("utf-8-sig", "\r\n"), ("cp1252", "\r\n"), ("utf-16", "\n"), ("utf-8", "\r")]
)
def test_encodings_and_line_ends_read_the_same(synthetic, tmp_path, encoding, line_end):
    shutil.copytree(synthetic(5, "csv"), tmp_path, dirs_exist_ok=True)
    for name in ("episodes.csv", "header.csv", "pack/plans.csv"):
        text = (tmp_path / name).read_text(encoding="utf-8").replace("\n", line_end)
        (tmp_path / name).write_bytes(text.encode(encoding))
    assert_same(tmp_path, ENGLAND)


def test_a_line_past_the_csv_limit_reads_the_same(synthetic, tmp_path):
    shutil.copytree(synthetic(5, "csv"), tmp_path, dirs_exist_ok=True)
    with (tmp_path / "reviews.csv").open("a", encoding="utf-8") as out:
        out.write("C9," + "x" * 200_000 + ",01/01/2024,PN1\n")
    fast = assert_same(tmp_path, ENGLAND)
    assert any(rejection.child_id is None for rejection in fast.rejected)


# --- fuzzed files -----------------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=UNDER_MUTMUT,
    phases=PHASES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data(), names=st.lists(st.sampled_from(sorted(BASIC)), min_size=1, max_size=4, unique=True))
def test_mangled_tables_read_the_same(data, names):
    files = dict(BASIC)
    for name in names:
        files[name] = data.draw(mangled(BASIC[name], CSV_TOKENS), label=name)
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), files)
        assert_same(Path(folder), ENGLAND)


DAYS = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2026, 6, 1)).map(lambda d: d.strftime("%d/%m/%Y"))
EPISODE = st.tuples(
    st.sampled_from(["C1", "C2", "C3"]),
    DAYS,
    st.sampled_from(["S", "L", "P", "T", "B", "U"]),
    st.sampled_from(["C2", "E1", "V2", "V3", "V4", "J1"]),
    st.sampled_from(["U1", "A3", "P1", "K2"]),
    st.sampled_from(["", "", *([""] * 3)]) | DAYS,
    st.sampled_from(["", "X1", "E11", "E12", "E4A", "E2"]),
)


@FUZZ
@given(episodes=st.lists(EPISODE, max_size=14))
def test_random_episode_histories_read_the_same(episodes):
    """Periods of care, legal status spells and adoption dates: overlapping, open, touching, short-break episodes."""
    header = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,01/01/2014,WBRI,,,\nC2,2,01/01/2016,WBRI,,,\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ]
    )
    for child, start, rne, ls, place, end, rec in episodes:
        writer.writerow([child, start, rne, ls, "N1", place, "PR1", end, rec, "", "", "", ""])
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), {"header.csv": header.encode(), "episodes.csv": out.getvalue().encode()})
        assert_same(Path(folder), ENGLAND)


@pytest.mark.parametrize("block", [1 << 24, 1000])
def test_plain_and_quoted_files_are_read_by_polars_not_row_by_row(synthetic, monkeypatch, block):
    def row_by_row(*_args: object) -> None:
        raise AssertionError("read row by row")

    monkeypatch.setattr(rawrows, "_read_with_csv", row_by_row)
    monkeypatch.setattr(rawrows, "BLOCK", block)
    fast = assert_same(synthetic(7, "csv"), ENGLAND)
    assert fast.by_object_reader == 0


LINE_TOKENS = st.sampled_from(["a", " b ", "", ",", '"', '""', '"x,y"', "\r\n", "\n", "\r", "\t", "é", "\x00", "  "])


@settings(max_examples=LINE_EXAMPLES, derandomize=UNDER_MUTMUT, phases=PHASES, deadline=None)
@given(
    text=st.lists(LINE_TOKENS, max_size=40).map("".join), width=st.integers(1, 4), block=st.sampled_from([4, 1 << 24])
)
def test_polars_reads_what_csv_reader_reads_or_declines(text, width, block):
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(rawrows, "BLOCK", block):
        path = Path(folder) / "t.csv"
        path.write_bytes(("h," * (width - 1) + "h\n" + text).encode())
        positions = [*range(width), None]
        fast = rawrows._with_polars(path, positions, width, ",", ()) if rawrows._plain(path) else None
        exact = rawrows._read_with_csv(path, positions, ",")
        if fast is not None:
            assert exact.unreadable is None
            assert fast.equals(exact.frame), (fast, exact.frame)


def test_lines_holding_a_quote_take_csv_readers_counts_or_are_declined_when_a_quote_runs_on():
    # Polars counted the delimiters of each line; a quoted delimiter is not one, and csv.reader says how many fields
    # the line holds. A line whose quote runs on past its end would swallow the next: the block is declined.
    frame = pl.DataFrame({"line": [2, 3], "fields": [4, 2], "blank": [False, False]})
    cells = pl.DataFrame({"c0": ["a", "c"], "c1": ["b,c", "d"]})
    quoted = pl.DataFrame({"at": pl.Series([0], dtype=pl.UInt32), "text": ['a,"b,c",']})
    counted = rawrows._requoted(frame, cells, [0, 1], quoted, ",")
    assert counted is not None
    assert counted["fields"].to_list() == [3, 2]
    assert counted["blank"].to_list() == [False, False]
    blank = pl.DataFrame({"at": pl.Series([0], dtype=pl.UInt32), "text": ['"",""']})
    assert rawrows._requoted(frame, pl.DataFrame({"c0": ["", "c"], "c1": ["", "d"]}), [0, 1], blank, ",")[
        "blank"
    ].to_list() == [True, False]
    runs_on = pl.DataFrame({"at": pl.Series([0], dtype=pl.UInt32), "text": ['a,"b']})
    assert rawrows._requoted(frame, pl.DataFrame({"c0": ["a", "c"], "c1": ["b", "d"]}), [0, 1], runs_on, ",") is None
