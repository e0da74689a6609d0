"""The SSDA903 adapter on a small hand-written return: every table, derivations, rejections, coverage, notices."""

import datetime as dt
import gc
import os
from pathlib import Path

import pytest

from permanence_core.adapters.ssda903 import load, read_return
from permanence_core.adapters.ssda903.csvsource import MAX_LINE
from permanence_core.errors import InputError
from permanence_core.model import Facet
from permanence_core.plugins.manager import Plugins, get_plugin_manager

D = dt.date
BASIC = Path(__file__).parent / "data" / "ssda903" / "basic"
RETURN_FACETS = {Facet.CARE, Facet.REVIEWS, Facet.ADOPTION}


# Per test, not per module: mutmut runs only the tests that call the mutated code (docs/mutation-testing.md).
@pytest.fixture
def basic():
    return read_return(BASIC)


@pytest.fixture
def records(basic):
    return {record.child_id: record for record in basic.records}


def test_children_from_every_table_in_header_order(basic):
    assert [r.child_id for r in basic.records] == ["C001", "C002", "C003", "C004", "C005", "C006", "C009"]


def test_header_row_gives_identifiers_and_details_in_either_date_format(records):
    amy = records["C001"].child
    assert (amy.identifiers.upn, amy.date_of_birth, amy.sex, amy.ethnicity) == (
        "A12345678901B",
        D(2019, 3, 12),
        "F",
        "WBRI",
    )
    ben = records["C002"].child
    assert ben.date_of_birth == D(2020, 7, 1)  # ISO in the file
    assert ben.identifiers.upn is None  # UN2 is "UPN unknown", not a UPN


def test_a_rejected_header_row_leaves_the_child_known_by_id_only(records):
    c006 = records["C006"]
    assert c006.child.sex is None and c006.child.date_of_birth is None
    assert c006.coverage == RETURN_FACETS  # the header is no facet: care facts still complete


def test_a_child_only_in_another_table_is_loaded_by_id(records):
    assert records["C009"].child.date_of_birth is None
    assert [w.worker_id for w in records["C009"].workers] == ["SW18"]


def test_episodes_become_periods_legal_statuses_and_placements(records):
    amy = records["C001"]
    assert [(p.start, p.end) for p in amy.periods_of_care] == [(D(2024, 1, 5), None)]
    assert [(s.code, s.start, s.end) for s in amy.legal_statuses] == [
        ("C1", D(2024, 1, 5), D(2024, 3, 1)),
        ("C2", D(2024, 3, 1), None),
    ]
    assert [(s.placement_type, s.start, s.end, s.provider, s.urn, s.reason_change) for s in amy.placements] == [
        ("U6", D(2024, 1, 5), D(2024, 6, 1), "PR1", "SC000001", "CARPL"),
        ("U4", D(2024, 6, 1), None, "PR4", "SC000002", None),
    ]
    first = amy.episodes[0]
    assert (first.category_of_need, first.home_postcode, first.placement_postcode) == ("N1", "AB1 2CD", "AB3 4EF")


def test_short_breaks_are_marked_and_skipped_by_period_on(records):
    c003 = records["C003"]
    assert [p.short_break for p in c003.periods_of_care] == [True, True, False]
    assert c003.period_on(D(2024, 2, 2)) is None
    assert c003.period_on(D(2024, 6, 1)).start == D(2024, 5, 1)


def test_adoption_milestones_and_outcome(records):
    ben = records["C002"]
    adoption = ben.adoption
    assert adoption.decision == D(2022, 6, 15)  # AD1 DATE_INT
    assert adoption.placement_order == D(2022, 9, 1)  # DECOM of the first E1 episode
    assert adoption.match == D(2022, 12, 1)  # AD1 DATE_MATCH
    assert adoption.placed == D(2023, 1, 10)  # DECOM of the first A3-A6 episode
    assert adoption.order == D(2023, 8, 20)  # DEC of the E11 episode
    assert adoption.foster_carer_adoption is True
    assert (adoption.reversal, adoption.reversal_reason) == (None, None)
    assert ben.periods_of_care[-1].outcome == "adoption"


def test_reversal_comes_from_the_latest_decision_that_loaded(records):
    adoption = records["C005"].adoption
    # the 2024 decision row has reason XXX and is rejected; the 2023 decision and its reversal remain
    assert (adoption.decision, adoption.reversal, adoption.reversal_reason) == (D(2023, 6, 1), D(2023, 11, 1), "RD3")


def test_reviews_uasc_previous_permanence_and_social_workers(records):
    assert [(r.date, r.participation) for r in records["C001"].reviews] == [
        (D(2024, 1, 30), "PN0"),
        (D(2024, 4, 25), "PN0"),
    ]
    assert records["C003"].child.uasc_until == D(2030, 11, 4)
    assert records["C003"].previous_permanence.code == "P2"
    assert records["C003"].previous_permanence.date == "zz/05/2016"  # partial dates are kept as given
    assert records["C001"].previous_permanence.code == "Z1"
    worker = records["C001"].workers[0]
    assert (worker.worker_id, worker.role.value, worker.start, worker.end) == (
        "SW17",
        "social_worker",
        D(2024, 1, 5),
        None,
    )


def test_every_bad_row_is_rejected_with_file_row_child_column_value_and_reason(basic):
    found = {(r.source, r.row, r.child_id, r.field, r.value, r.reason) for r in basic.rejected}
    assert found == {
        ("header.csv", 7, "C006", "SEX", "X", "is not a valid sex code"),
        ("episodes.csv", 12, "C004", "LS", "Q9", "is not a valid legal status code"),
        ("episodes.csv", 13, "C004", "DEC", "01/01/2024", "is before DECOM 2024-02-01"),
        ("reviews.csv", 4, "C004", "REVIEW_CODE", "PN9", "is not a valid review participation code"),
        ("reviews.csv", 5, "C004", "REVIEW", "31/02/2024", "is not a real calendar date"),
        ("placed_for_adoption.csv", 4, "C005", "REASON_PLACED_CEASED", "XXX", "is not a valid reversal reason code"),
        ("previous_permanence.csv", 4, "C004", "PREV_PERM", "Q7", "is not a valid previous permanence code"),
        ("missing.csv", 3, "C003", "MIS_END", "yesterday", "is not a date in dd/mm/YYYY or YYYY-MM-DD form"),
    }
    assert all(r.element is None for r in basic.rejected)


def test_the_rest_of_a_child_with_rejected_rows_still_loads_but_its_incomplete_facets_are_withheld(records):
    c004 = records["C004"]
    # two of its three episodes were rejected: the one that loaded is there, but care is not claimed complete
    assert [e.start for e in c004.episodes] == [D(2023, 10, 10)]
    assert c004.coverage == frozenset()
    assert records["C005"].coverage == {Facet.CARE, Facet.REVIEWS}  # a PlacedAdoption row was rejected
    assert records["C001"].coverage == RETURN_FACETS


def test_counts_read_loaded_rejected_per_table(basic):
    counts = {c.table: (c.read, c.loaded, c.rejected) for c in basic.tables}
    assert counts == {
        "Header": (6, 5, 1),
        "Episodes": (13, 11, 2),
        "Reviews": (5, 3, 2),
        "UASC": (1, 1, 0),
        "AD1": (1, 1, 0),
        "PlacedAdoption": (3, 2, 1),
        "PrevPerm": (3, 2, 1),
        "Missing": (2, 1, 1),
        "SWEpisodes": (2, 2, 0),
    }
    assert basic.read == sum(c.read for c in basic.tables) == 36


def test_unknown_table_and_checked_only_tables_are_noticed(basic):
    assert basic.notices == (
        "la_notes.csv: not an SSDA903 table (2 columns); ignored",
        "Header: read 6, loaded 5, rejected 1",
        "Episodes: read 13, loaded 11, rejected 2",
        "Reviews: read 5, loaded 3, rejected 2",
        "UASC: read 1, loaded 1, rejected 0",
        "AD1: read 1, loaded 1, rejected 0",
        "PlacedAdoption: read 3, loaded 2, rejected 1",
        "PrevPerm: read 3, loaded 2, rejected 1",
        "Missing: read 2, loaded 1, rejected 1 (checked only: the permanence model keeps none of its facts)",
        "SWEpisodes: read 2, loaded 2, rejected 0",
        "4 children have rejected rows: their care, reviews or adoption facts are incomplete, so those facets are "
        "withheld from their coverage until the rows are fixed",
        "2 children have no Header row that loaded (none, or it was rejected): their details are unknown, so they "
        "are loaded by id only",
    )


def test_an_unread_rest_of_a_table_that_gives_no_facet_withholds_none(tmp_path):
    (tmp_path / "missing.csv").write_text((BASIC / "missing.csv").read_text() + "x" * (MAX_LINE + 5) + "\n")
    result = read_return(tmp_path)
    assert [r.reason for r in result.rejected][-1].startswith("the line is longer than")
    assert not [n for n in result.notices if "could not be read" in n]


def test_load_through_the_plugin_host_gives_a_load_result():
    result = Plugins(get_plugin_manager(load_entry_points=False)).load("ssda903", str(BASIC), {"unknown": 1})
    assert result.summary() == {"read": 36, "loaded": 28, "rejected": 8, "children": 7}


def test_progress_is_reported_in_bytes_up_to_the_total_by_load_and_read_return():
    calls = []
    load(str(BASIC), {"progress": lambda done, total: calls.append((done, total))})
    total = sum(p.stat().st_size for p in BASIC.iterdir() if p.is_file() and p.name != "la_notes.csv")
    assert calls and calls[-1] == (total, total)
    assert all(done <= total for done, _ in calls)
    again = []
    read_return(BASIC, progress=lambda done, total: again.append((done, total)))
    assert again == calls


def test_the_cyclic_garbage_collector_is_left_as_it_was():
    assert gc.isenabled()
    read_return(BASIC)
    assert gc.isenabled()
    gc.disable()
    try:
        read_return(BASIC)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_source_that_cannot_be_read_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load(str(tmp_path / "nowhere"), {})
    with pytest.raises(InputError, match="holds no SSDA903"):
        load(str(tmp_path), {})
    (tmp_path / "return.txt").write_text("x")
    with pytest.raises(InputError, match="neither"):
        load(str(tmp_path / "return.txt"), {})


def test_a_file_meant_as_a_table_but_unreadable_as_one_is_refused_whole_and_others_are_passed_over(tmp_path):
    files = {
        "header.csv": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nK1,F,01/01/2015,WBRI,,,\n",
        # By its file name, or by the table's own name:
        "episodes.csv": "CHILD,RNE,LS\nK1,S,C1\n",
        "placedadoption.csv": "CHILD,DOB,DATE_PLACED_CEASED\nK1,,\n",
        "sw_episodes.csv": "CHILD,TEAM,NOTE\nK1,A,B\n",
        "prevperm.csv": "CHILD,TEAM,NOTE\nK1,A,B\n",
        # By most of its header cells being one table's columns:
        "spells.csv": "CHILD,RNE,LS\nK1,S,C1\n",
        "notes.csv": "CHILD,DOB,REVIEW_CODE\nK1,,PN1\n",
        "extra.csv": "CHILD,DOB,NOTE\nK1,,B\n",
        "uasc.csv": "CHILD:SEX:DOB:ETHNIC\nK1:F::\n",
        # A file with no header line, empty or blank at the top, is refused as the table its name says:
        "reviews.csv": "",
        "missing.csv": "\r\nCHILD,MISSING,MIS_START,MIS_END\nK1,M,01/01/2020,\n",
        # Not meant as one: two of four cells in common is not most; a name with another dot is another name.
        "misc.csv": "CHILD,DOB,TEAM,NOTE\nK1,,A,B\n",
        "episodes.old.csv": "TEAM,NOTE\nA,B\n",
        "la_notes.csv": "Child,Team,Note\nK1,A,B\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = read_return(tmp_path)
    whole = ", so the whole file was not read"
    blank = "the file is empty or its first line is blank"
    assert [(r.source, r.row, r.reason) for r in result.rejected] == [
        ("episodes.csv", 1, f"looks like the Episodes table but has no column DECOM{whole}"),
        ("extra.csv", 1, f"looks like the Header table but has no column SEX, ETHNIC{whole}"),
        ("missing.csv", 1, f"looks like the Missing table but has no header line ({blank}){whole}"),
        ("notes.csv", 1, f"looks like the Reviews table but has no column REVIEW{whole}"),
        ("placedadoption.csv", 1, f"looks like the PlacedAdoption table but has no column DATE_PLACED{whole}"),
        ("prevperm.csv", 1, f"looks like the PrevPerm table but has no column PREV_PERM{whole}"),
        ("reviews.csv", 1, f"looks like the Reviews table but has no header line ({blank}){whole}"),
        ("spells.csv", 1, f"looks like the Episodes table but has no column DECOM{whole}"),
        ("sw_episodes.csv", 1, f"looks like the SWEpisodes table but has no column SW_ID{whole}"),
        (
            "uasc.csv",
            1,
            "looks like the UASC table but its header line is one field: it is not separated by commas "
            f"(nor by semicolon, tab, pipes giving its columns){whole}",
        ),
    ]
    # Columns are named only when they are 903 column names: another header cell may be a child's detail.
    assert [n for n in result.notices if "not an SSDA903 table" in n] == [
        "episodes.old.csv: not an SSDA903 table (2 columns); ignored",
        "la_notes.csv: not an SSDA903 table (3 columns; 903 columns among them: CHILD); ignored",
        "misc.csv: not an SSDA903 table (4 columns; 903 columns among them: CHILD, DOB); ignored",
    ]
    assert {c.table: (c.read, c.rejected) for c in result.tables}["Episodes"] == (2, 2)
    # In table order, whatever order the files were refused in.
    tables = ["Header", "Episodes", "Reviews", "UASC", "PlacedAdoption", "PrevPerm", "Missing", "SWEpisodes"]
    assert [c.table for c in result.tables] == tables


def test_load_passes_the_returns_notices_on_and_reads_only_the_pack_facets_asked_for():
    assert load(str(BASIC), {"progress": "not a callable"}).notices == read_return(BASIC).notices
    pack = str(BASIC.parent / "pack")
    every, care = load(str(BASIC), {"pack": pack}), load(str(BASIC), {"pack": pack, "facets": ["care"]})
    assert care.read < every.read
    first = {r.child_id: r.coverage for r in every.records}["C001"]
    narrowed = {r.child_id: r.coverage for r in care.records}["C001"]
    assert Facet.PLANS in first and Facet.PLANS not in narrowed
    # The pack's rows and rejections are added to the return's.
    returned = read_return(BASIC)
    assert every.read > returned.read and len(every.rejected) > len(returned.rejected)


def test_a_source_that_cannot_be_read_is_an_input_error_naming_it(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "empty").mkdir()
    (tmp_path / "return.txt").write_text("x")
    for name, reason in [
        ("nowhere", "does not exist"),
        ("fifo", "is neither a regular file nor a folder"),
        ("empty", "holds no SSDA903 CSV tables or XML returns"),
        ("return.txt", "is neither an SSDA903 XML return nor a CSV table"),
    ]:
        with pytest.raises(InputError) as caught:
            read_return(tmp_path / name)
        assert str(caught.value) == f"{tmp_path / name}: {reason}"
    with pytest.raises(InputError) as caught:
        load(str(BASIC), {"pack": str(tmp_path / "nowhere")})
    assert str(caught.value) == f"{tmp_path / 'nowhere'}: the permanence pack does not exist"


def test_the_unread_rest_of_a_table_is_one_rejection_and_its_facts_are_withheld_from_every_child(tmp_path):
    (tmp_path / "header.csv").write_bytes((BASIC / "header.csv").read_bytes())
    (tmp_path / "episodes.csv").write_text((BASIC / "episodes.csv").read_text() + "x" * (MAX_LINE + 5) + "\n")
    (tmp_path / "archive").mkdir()
    single = read_return(tmp_path / "header.csv")
    result = read_return(tmp_path)
    lines = len((BASIC / "episodes.csv").read_text().splitlines())
    assert [(r.source, r.row, r.child_id, r.field, r.reason) for r in result.rejected if r.row == lines + 1] == [
        (
            "episodes.csv",
            lines + 1,
            None,
            None,
            f"the line is longer than {MAX_LINE} characters (not a CSV row), so the rest was not read",
        )
    ]
    assert result.notices[0] == "archive/: no year in its name, so not read as a collection year"
    assert {c.table: (c.read, c.rejected) for c in result.tables}["Unreadable"] == (1, 1)
    assert (
        "Episodes: a file of this table could not be read, so adoption, care facts are not in source for any child"
        in result.notices
    )
    # A CSV file given alone is read as the one table it is.
    assert [r.child_id for r in single.records] == ["C001", "C002", "C003", "C004", "C005", "C006"]


def test_an_empty_uasc_or_previous_permanence_row_says_nothing_and_is_no_repeat(tmp_path):
    # A row whose only fact is blank keeps nothing; a later row of the same child with the fact is no repeat of it.
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,05/11/2012,WBRI,,,\n")
    (tmp_path / "uasc.csv").write_text("CHILD,SEX,DOB,DUC\nC1,1,05/11/2012,\nC1,1,05/11/2012,04/11/2030\n")
    (tmp_path / "previous_permanence.csv").write_text(
        "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\nC1,05/11/2012,,,\nC1,05/11/2012,Z1,,\n"
    )
    result = read_return(tmp_path)
    assert result.rejected == ()
    [record] = result.records
    assert record.child.uasc_until == D(2030, 11, 4)
    assert record.previous_permanence is not None and record.previous_permanence.code == "Z1"


def test_a_refused_file_is_named_by_the_table_its_header_is_not_by_its_file_name(tmp_path):
    # An Episodes header in a file called reviews.csv, one column named twice: the header says which table it meant.
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,05/11/2012,WBRI,,,\n")
    (tmp_path / "reviews.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN,URN\n"
        "C1,01/01/2020,S,C2,N1,U1,PR1,,,,,,,\n"
    )
    [refused] = read_return(tmp_path).rejected
    assert refused.reason == (
        "looks like the Episodes table but names a column twice (URN in columns 13, 14), so the whole file was not read"
    )
