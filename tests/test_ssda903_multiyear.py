"""Several collection years at once: the stitching rule (later year wins, repeats rejected, episodes repaired)."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from permanence_core.adapters.ssda903 import read_return
from permanence_core.adapters.ssda903.layout import Collection, Layout, collection_year, discover
from permanence_core.model import Facet

D = dt.date
MULTIYEAR = Path(__file__).parent / "data" / "ssda903" / "multiyear"


# Per test, not per module: mutmut runs only the tests that call the mutated code (docs/mutation-testing.md).
@pytest.fixture
def stitched():
    result = read_return(MULTIYEAR)
    return result, {record.child_id: record for record in result.records}


def test_the_later_year_row_replaces_the_earlier_one_with_the_same_key(stitched):
    _, records = stitched
    m1 = records["M1"]
    assert m1.child.ethnicity == "WIRI"  # Header: the 2024-25 row
    assert [(e.start, e.end, e.placement, e.reason_place_change) for e in m1.episodes] == [
        (D(2023, 6, 1), D(2023, 9, 1), "U6", None),
        (D(2023, 9, 1), D(2024, 12, 1), "U6", "CARPL"),  # open in 2023-24, closed by the 2024-25 row
        (D(2024, 12, 1), None, "U4", None),
    ]
    assert [(r.date, r.participation) for r in m1.reviews] == [
        (D(2023, 6, 25), "PN1"),
        (D(2023, 9, 20), "PN2"),  # the same review, re-coded in 2024-25
        (D(2024, 3, 20), "PN1"),
    ]


def test_a_period_runs_across_the_years(stitched):
    _, records = stitched
    m1 = records["M1"]
    assert [(p.start, p.end) for p in m1.periods_of_care] == [(D(2023, 6, 1), None)]
    assert [(s.code, s.start, s.end) for s in m1.legal_statuses] == [
        ("C1", D(2023, 6, 1), D(2023, 9, 1)),
        ("C2", D(2023, 9, 1), None),
    ]
    assert [(s.placement_type, s.start, s.end) for s in m1.placements] == [
        ("U6", D(2023, 6, 1), D(2024, 12, 1)),
        ("U4", D(2024, 12, 1), None),
    ]


def test_an_open_episode_is_closed_at_the_next_start_and_an_overlap_is_cut_back(stitched):
    result, records = stitched
    assert [(e.start, e.end) for e in records["M2"].episodes] == [
        (D(2024, 1, 1), D(2024, 3, 1)),  # open in 2023-24 and not repeated in 2024-25
        (D(2024, 3, 1), D(2024, 6, 1)),  # its DEC 30/06/2024 overlapped the next episode
        (D(2024, 6, 1), None),
    ]
    assert "Episodes: 1 open episodes closed where the child's next episode starts" in result.notices
    assert "Episodes: 1 episodes cut back to end where the child's next episode starts" in result.notices


def test_a_repeat_within_one_year_is_rejected_and_noticed(stitched):
    result, records = stitched
    [rejected] = result.rejected
    assert (rejected.source, rejected.row, rejected.child_id, rejected.field, rejected.value, rejected.reason) == (
        "2024-25/episodes.csv",
        4,
        "M1",
        "DECOM",
        "01/12/2024",
        "repeats an earlier Episodes row of this child with the same DECOM",
    )
    assert Facet.CARE not in records["M1"].coverage
    assert "Episodes: 1 rows replaced by a later collection year's row with the same key" in result.notices
    assert "Header: 2 rows replaced by a later collection year's row with the same key" in result.notices


def test_a_folder_without_a_year_is_passed_over_with_a_notice(stitched):
    result, records = stitched
    assert "OLD1" not in records
    assert "archive/: no year in its name, so not read as a collection year" in result.notices


def test_files_in_the_source_folder_itself_are_the_latest_collection(tmp_path):
    shutil.copytree(MULTIYEAR / "2023-24", tmp_path / "2023-24")
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\nM1,F,01/02/2017,WOTH\n")
    layout = discover(tmp_path)
    assert [c.label for c in layout.collections] == ["2023-24", "."]
    result = read_return(tmp_path)
    assert result.records[0].child.ethnicity == "WOTH"


def test_a_single_file_is_the_one_collection_and_keeps_the_pack_given_beside_it(tmp_path):
    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC\nM1,F,01/02/2017,WOTH\n")
    (tmp_path / "pack").mkdir()
    assert discover(header, pack=tmp_path / "pack") == Layout(
        root=header, collections=(Collection(label=".", csv_files=(header,)),), pack=tmp_path / "pack"
    )


def test_every_folder_is_looked_at_whatever_sorts_before_it(tmp_path):
    # "archive" (no year) and "pack" sort before "year-2024": passing over either must not end the search.
    for folder in ("archive", "pack", "year-2024"):
        (tmp_path / folder).mkdir()
    (tmp_path / "year-2024" / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\nM1,F,01/02/2017,WOTH\n")
    layout = discover(tmp_path)
    assert [c.label for c in layout.collections] == ["year-2024"]
    assert layout.pack == tmp_path / "pack"
    assert layout.ignored == ("archive/: no year in its name, so not read as a collection year",)


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("2025", 2025),
        ("2024-25", 2025),
        ("2024_2025", 2025),
        ("ssda903_2023-24", 2024),
        ("1999-00", 2000),
        ("2024-24", 2024),
    ],
)
def test_collection_year_of_a_folder_name(name, year):
    assert collection_year(name) == year


def test_a_folder_name_without_a_year():
    assert collection_year("archive") is None
