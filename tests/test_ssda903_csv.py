"""The CSV route: tables recognised by header, encodings, BOM and CRLF, date formats, malformed rows."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permanence_core.adapters.ssda903 import csvsource, read_return, rows, tables
from permanence_core.adapters.ssda903.values import RowError, date, flag
from permanence_core.model import Review

D = dt.date
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


@pytest.mark.parametrize("table", tables.TABLES, ids=lambda t: t.name)
def test_each_table_is_recognised_by_its_header_in_any_column_order_and_case(table):
    columns = list(reversed(table.columns))
    found = tables.recognise([c.lower() for c in columns])
    assert found.table is table
    assert [columns[i].upper() for i in found.positions] == list(table.columns)
    assert found.extra == found.absent == ()


def test_a_header_that_matches_no_table_is_not_recognised():
    assert tables.recognise(["TEAM", "NOTE"]) is None


def test_extra_and_absent_columns_are_noticed_and_absent_ones_read_as_blank(tmp_path):
    (tmp_path / "h.csv").write_text("CHILD,SEX,DOB,ETHNIC,LA,YEAR\nK1,F,01/01/2015,WBRI,Barset,2025\n")
    result = read_return(tmp_path)
    assert result.records[0].child.sex == "F"
    assert "h.csv (Header): extra columns ignored: columns 5, 6" in result.notices
    assert "h.csv (Header): no column UPN, MOTHER, MC_DOB; read as blank" in result.notices


def test_bom_and_crlf_are_handled(tmp_path):
    (tmp_path / "header.csv").write_bytes(
        b"\xef\xbb\xbf" + (HEADER + "K1,M,2015-01-01,WBRI,,,\n").replace("\n", "\r\n").encode()
    )
    result = read_return(tmp_path)
    assert [(r.child_id, r.child.sex) for r in result.records] == [("K1", "M")]
    assert result.rejected == ()
    assert not [n for n in result.notices if "not UTF-8" in n]  # a BOM is still UTF-8


@pytest.mark.parametrize(("encoding", "noticed"), [("cp1252", "cp1252"), ("utf-16", "utf-16")])
def test_windows_encodings_are_read_and_noticed(tmp_path, encoding, noticed):
    (tmp_path / "header.csv").write_text(HEADER + "Kö1,M,01/01/2015,WBRI,,,\n", encoding=encoding)
    result = read_return(tmp_path)
    assert [r.child_id for r in result.records] == ["Kö1"]
    assert f"header.csv (Header): not UTF-8, read as {noticed}" in result.notices


def test_values_are_trimmed_and_codes_upper_cased(tmp_path):
    (tmp_path / "episodes.csv").write_text(EPISODES + " K1 , 01/04/2024 , s , c1 ,n1, u6 ,pr1,,,,,,\n")
    episode = read_return(tmp_path).records[0].episodes[0]
    assert (episode.reason_new_episode, episode.legal_status, episode.placement) == ("S", "C1", "U6")


def test_a_row_of_the_wrong_width_is_rejected_and_blank_lines_are_skipped(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER + "K1,M,01/01/2015,WBRI,,,\n   \n,,,,,,\nK2,F,01/01/2016\n")
    result = read_return(tmp_path)
    [rejected] = result.rejected
    assert (rejected.row, rejected.child_id, rejected.field, rejected.reason) == (
        5,
        "K2",
        None,
        "has 3 fields where the header has 7",
    )
    assert result.tables[0].read == 2


def test_a_row_without_a_child_id_is_rejected(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER + ",M,01/01/2015,WBRI,,,\n")
    [rejected] = read_return(tmp_path).rejected
    assert (rejected.field, rejected.value, rejected.reason) == ("CHILD", "", "is required")


def test_required_episode_columns(tmp_path):
    (tmp_path / "episodes.csv").write_text(EPISODES + "K1,,S,C1,N1,U6,PR1,,,,,,\nK1,01/05/2024,S,,N1,U6,PR1,,,,,,\n")
    found = {(r.field, r.reason) for r in read_return(tmp_path).rejected}
    assert found == {("DECOM", "is required"), ("LS", "is required")}


def test_personal_values_are_withheld_from_rejections(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER + "K1,M,32/01/2015,WBRI,,,\n")
    [rejected] = read_return(tmp_path).rejected
    assert (rejected.field, rejected.value, rejected.reason) == (
        "DOB",
        "[withheld: personal data]",
        "is not a real calendar date",
    )


SW = ("K1", "01/01/2015", "SW1")
DOLO = ("K1", "01/01/2015")


@pytest.mark.parametrize(
    ("parse", "values", "said"),
    [
        (rows.header, (" ", "M", "01/01/2015", "WBRI", "", "", ""), ("CHILD", " ", "must be a non-empty string")),
        (rows.social_worker, ("K1", "", "", "01/05/2024", "", ""), ("SW_ID", "", "is required")),
        (rows.social_worker, (*SW, "", "", ""), ("SW_DECOM", "", "is required")),
        (rows.social_worker, (*SW, "2024-13-01", "", ""), ("SW_DECOM", "2024-13-01", "is not a real calendar date")),
        (
            rows.social_worker,
            (*SW, "01/05/2024", "31/02/2024", ""),
            ("SW_DEC", "31/02/2024", "is not a real calendar date"),
        ),
        # The model's field names are put back as the columns they came from, in the reason too.
        (
            rows.social_worker,
            (*SW, "01/05/2024", "01/04/2024", ""),
            ("SW_DEC", "01/04/2024", "is before SW_DECOM 2024-05-01"),
        ),
        (
            rows.episode,
            ("K1", "01/05/2024", "S", "C1", "N1", "U6", "PR1", "01/04/2024", "E11", "", "", "", ""),
            ("DEC", "01/04/2024", "is before DECOM 2024-05-01"),
        ),
        (rows.episode, ("K1", "01/05/2024", "S", "C1", "N1", "", "PR1", *("",) * 6), ("PLACE", "", "is required")),
        (rows.episode, ("K1", "01/05/2024", "", "C1", "N1", "U6", "PR1", *("",) * 6), ("RNE", "", "is required")),
        (
            rows.episode,
            ("K1", "01/05/2024", "S", "C1", "N1", "U6", "PR1", "2024-13-01", *("",) * 5),
            ("DEC", "2024-13-01", "is not a real calendar date"),
        ),
        (rows.review, ("K1", "", "", "PN1"), ("REVIEW", "", "is required")),
        (
            rows.review,
            ("K1", "", "01/02/2024", "PN8"),
            ("REVIEW_CODE", "PN8", "is not a valid review participation code"),
        ),
        (rows.decision, ("K1", "", "", "", ""), ("DATE_PLACED", "", "is required")),
        (
            rows.decision,
            ("K1", "", "01/02/2024", "2024-13-01", ""),
            ("DATE_PLACED_CEASED", "2024-13-01", "is not a real calendar date"),
        ),
        (
            rows.decision,
            ("K1", "", "01/02/2024", "", "XX"),
            ("REASON_PLACED_CEASED", "XX", "is not a valid reversal reason code"),
        ),
        (
            rows.previous_permanence,
            ("K1", "", "Q9", "", ""),
            ("PREV_PERM", "Q9", "is not a valid previous permanence code"),
        ),
        (rows.uasc, ("K1", "M", "01/01/2015", "32/01/2030"), ("DUC", "32/01/2030", "is not a real calendar date")),
        (rows.episode, ("K1", "", "S", "C1", "N1", "U6", *("",) * 7), ("DECOM", "", "is required")),
        # Of several blank required columns, the first in the table's order is named.
        (rows.episode, ("K1", "", "", "", "N1", "", *("",) * 7), ("DECOM", "", "is required")),
        (
            rows.episode,
            ("K1", "31/12/1899", "S", "C1", "N1", "U6", *("",) * 7),
            ("DECOM", "31/12/1899", "is before 1900: not a date in a child's record"),
        ),
        (
            rows.episode,
            ("K1", "01/01/2099", "S", "C1", "N1", "U6", *("",) * 7),
            ("DECOM", "01/01/2099", "is more than a year from today: it cannot have happened yet"),
        ),
        (
            rows.adopted,
            ("K1", "", "", "2024-13-01", "", "", "", ""),
            ("DATE_MATCH", "2024-13-01", "is not a real calendar date"),
        ),
        (
            rows.adopted,
            ("K1", "", "", "", "maybe", "", "", ""),
            ("FOSTER_CARE", "maybe", "is not a yes/no value (1/0, Y/N, yes/no, true/false)"),
        ),
        (
            rows.adopted,
            ("K1", "", "32/01/2024", "", "", "", "", ""),
            ("DATE_INT", "32/01/2024", "is not a real calendar date"),
        ),
        (rows.PARSERS["DoLo"], (*DOLO, "32/01/2024", ""), ("DOLO_START", "32/01/2024", "is not a real calendar date")),
        (
            rows.PARSERS["DoLo"],
            (*DOLO, "01/01/2024", "2024-13-01"),
            ("DOLO_END", "2024-13-01", "is not a real calendar date"),
        ),
        (
            rows.PARSERS["Missing"],
            (*DOLO, "M", "32/01/2024", ""),
            ("MIS_START", "32/01/2024", "is not a real calendar date"),
        ),
        (
            rows.PARSERS["Missing"],
            (*DOLO, "M", "", "2024-13-01"),
            ("MIS_END", "2024-13-01", "is not a real calendar date"),
        ),
    ],
)
def test_each_parser_names_the_column_the_value_as_given_and_why(parse, values, said):
    with pytest.raises(RowError) as caught:
        parse(values)
    assert (caught.value.column, caught.value.value, caught.value.reason) == said


def test_each_parser_gives_the_facts_of_its_row_and_dolo_dates_are_only_checked():
    worker = rows.social_worker((*SW, "01/05/2024", "2024-06-30", "MANAG"))
    assert (worker.worker_id, worker.start, worker.end) == ("SW1", D(2024, 5, 1), D(2024, 6, 30))
    assert rows.PARSERS["DoLo"]((*DOLO, "01/05/2024", "")) is None
    episode = rows.episode(
        ("K1", "01/05/2024", "S", "C1", "n1", "U6", "pr1", "30/06/2024", "e11", "", "AB1 2CD", "CD3 4EF", "SC123456")
    )
    assert (episode.category_of_need, episode.placement_provider, episode.end, episode.reason_ceased) == (
        "N1",
        "PR1",
        D(2024, 6, 30),
        "E11",
    )
    assert (episode.home_postcode, episode.placement_postcode, episode.urn) == ("AB1 2CD", "CD3 4EF", "SC123456")
    assert rows.review(("K1", "", "01/02/2024", "pn1")) == Review(date=D(2024, 2, 1), participation="PN1")
    assert rows.decision(("K1", "", "01/02/2024", "03/04/2024", "rd1")) == rows.Decision(
        D(2024, 2, 1), D(2024, 4, 3), "RD1"
    )
    kept = rows.previous_permanence(("K1", "", "z1", "E09", "zz/05/2020"))
    assert (kept.code, kept.date, kept.local_authority) == ("Z1", "zz/05/2020", "E09")
    adopted = rows.adopted(("K1", "", "01/03/2024", "2024-06-01", "Y", "1", "F", "L0"))
    assert adopted == rows.Adopted(D(2024, 3, 1), D(2024, 6, 1), True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01/04/2024", D(2024, 4, 1)), ("1/4/2024", D(2024, 4, 1)), ("2024-04-01", D(2024, 4, 1)), ("", None)],
)
def test_dates_in_either_form(text, expected):
    assert date(text, "DECOM") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2024/04/01", "is not a date in dd/mm/YYYY or YYYY-MM-DD form"),
        ("01-04-2024", "is not a date in dd/mm/YYYY or YYYY-MM-DD form"),
        ("29/02/2023", "is not a real calendar date"),
        ("2024-13-01", "is not a real calendar date"),
    ],
)
def test_bad_dates_say_why(text, reason):
    with pytest.raises(RowError) as caught:
        date(text, "DECOM")
    assert (caught.value.column, caught.value.value, caught.value.reason) == ("DECOM", text, reason)


@given(st.dates(min_value=D(1900, 1, 1), max_value=dt.date.today() + dt.timedelta(days=365)))
def test_both_forms_give_back_the_date(day):
    assert date(day.strftime("%d/%m/%Y"), "X") == day == date(day.isoformat(), "X")


@pytest.mark.parametrize(
    ("text", "expected"), [("1", True), ("y", True), ("Yes", True), ("0", False), ("f", False), ("", None)]
)
def test_yes_no_values(text, expected):
    assert flag(text, "FOSTER_CARE") is expected


def test_a_value_that_is_neither_yes_nor_no_says_so():
    with pytest.raises(RowError) as caught:
        flag("maybe", "FOSTER_CARE")
    said = (caught.value.column, caught.value.value, caught.value.reason)
    assert said == ("FOSTER_CARE", "maybe", "is not a yes/no value (1/0, Y/N, yes/no, true/false)")


def test_an_episode_or_review_before_the_child_was_born_is_rejected_and_counts_keep_table_order(tmp_path):
    # K2 came into care on the day it was born: that is no error.
    (tmp_path / "header.csv").write_text(HEADER + "K1,M,01/06/2015,WBRI,,,\nK2,F,01/06/2015,WBRI,,,\n")
    (tmp_path / "episodes.csv").write_text(
        EPISODES + "K1,01/01/2015,S,C1,N1,U6,PR1,,,,,,\nK2,01/06/2015,S,C1,N1,U6,PR1,,,,,,\n"
    )
    (tmp_path / "reviews.csv").write_text("CHILD,DOB,REVIEW,REVIEW_CODE\nK1,,31/05/2015,PN1\n")
    result = read_return(tmp_path)
    before = "is before the child's date of birth (DOB in the Header)"
    assert [(r.source, r.field, r.value, r.reason) for r in result.rejected] == [
        ("episodes.csv", "DECOM", "01/01/2015", before),
        ("reviews.csv", "REVIEW", "31/05/2015", before),
    ]
    [newborn] = [r for r in result.records if r.child_id == "K2"]
    assert [e.start for e in newborn.episodes] == [dt.date(2015, 6, 1)]
    # Nothing in the return is about adoption for K2: it has no adoption milestones at all, not empty ones.
    assert newborn.adoption is None
    assert [c.table for c in result.tables] == ["Header", "Episodes", "Reviews"]
    assert "1 children have rejected rows" in " ".join(result.notices)


def test_of_several_decisions_to_place_for_adoption_the_latest_placed_is_the_childs_whatever_the_row_order(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER + "K1,M,01/06/2015,WBRI,,,\n")
    (tmp_path / "episodes.csv").write_text(EPISODES + "K1,01/01/2019,S,C1,N1,U6,PR1,,,,,,\n")
    (tmp_path / "placed_for_adoption.csv").write_text(
        "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\n"
        "K1,,01/03/2020,01/06/2020,RD1\nK1,,01/09/2021,01/10/2021,RD4\nK1,,01/01/2021,01/02/2021,RD1\n"
    )
    [record] = read_return(tmp_path).records
    assert record.adoption is not None
    assert (record.adoption.decision, record.adoption.reversal, record.adoption.reversal_reason) == (
        dt.date(2021, 9, 1),
        dt.date(2021, 10, 1),
        "RD4",
    )


def test_overlapping_and_open_episodes_of_every_child_are_counted_in_the_notices(tmp_path):
    spells = "{0},01/01/2020,S,C1,N1,U6,PR1,01/06/2020,E11,,,,\n{0},01/03/2020,P,C1,N1,U4,PR1,,,,,,\n"
    spells += "{0},01/07/2020,P,C1,N1,U4,PR1,,,,,,\n"
    later = "K3,01/01/2021,P,C1,N1,U4,PR1,,,,,,\n"  # care began before the episodes loaded
    (tmp_path / "episodes.csv").write_text(EPISODES + spells.format("K1") + spells.format("K2") + later)
    notices = read_return(tmp_path).notices
    assert (
        "1 children's earliest episode is not a start of care (RNE S): their first period of care began before the "
        "episodes loaded; add earlier collection years to see its start"
    ) in notices
    assert "Episodes: 2 open episodes closed where the child's next episode starts" in notices
    assert "Episodes: 2 episodes cut back to end where the child's next episode starts" in notices
    assert "3 children have no Header row that loaded (none, or it was rejected): their details are unknown, " in (
        " ".join(notices)
    )


def test_a_table_separated_by_semicolons_is_read_and_noticed(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER.replace(",", ";") + "K1;F;01/01/2015;WBRI;;;\n")
    result = read_return(tmp_path)
    assert [(r.child_id, r.child.sex) for r in result.records] == [("K1", "F")]
    assert "header.csv (Header): separated by semicolons, read as such" in result.notices


def test_another_separator_is_taken_when_it_gives_a_903_header_of_two_columns_and_not_when_it_gives_another(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER + "K1,F,01/01/2015,WBRI,,,\n")
    # Two columns are enough when they are the table's identifying ones.
    (tmp_path / "reviews.csv").write_text("CHILD\tREVIEW\nK1\t01/02/2020\n")
    # Split by semicolons this header has two cells, but no 903 table's: it stays the one field it is.
    (tmp_path / "oc3.csv").write_text("NOTE;TEAM\nA;B\n")
    result = read_return(tmp_path)
    assert "reviews.csv (Reviews): separated by tabs, read as such" in result.notices
    assert {c.table: (c.read, c.rejected) for c in result.tables}["Reviews"] == (1, 0)
    assert [(r.source, r.reason) for r in result.rejected] == [
        (
            "oc3.csv",
            "looks like the OC3 table but its header line is one field: it is not separated by commas "
            "(nor by semicolon, tab, pipes giving its columns), so the whole file was not read",
        )
    ]


def test_a_header_line_the_csv_module_cannot_read_is_the_whole_file_unread(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER + "K1,F,01/01/2015,WBRI,,,\n")
    (tmp_path / "episodes.csv").write_text('CHILD,"' + "x" * 200_000 + '"\n')
    result = read_return(tmp_path)
    [unreadable] = result.rejected
    assert (unreadable.source, unreadable.row) == ("episodes.csv", 1)
    assert unreadable.reason.startswith("the header line cannot be read: field larger than field limit")
    assert {c.table: (c.read, c.rejected) for c in result.tables}["Unreadable"] == (1, 1)
    assert [r.child_id for r in result.records] == ["K1"]  # the files after it are still read


def test_a_file_given_alone_that_is_no_903_table_is_refused_not_passed_over(tmp_path):
    (tmp_path / "notes.csv").write_text("TEAM\nA\n")
    result = read_return(tmp_path / "notes.csv")
    assert [(r.source, r.row, r.reason) for r in result.rejected] == [
        ("notes.csv", 1, "is not an SSDA903 table (1 column), so nothing was read")
    ]
    assert [n for n in result.notices if "notes.csv" in n] == []


def test_a_table_naming_a_column_twice_is_refused_whole_with_the_positions(tmp_path):
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,CHILD,ETHNIC,DOB\nK1,F,01/01/2015,K1,WBRI,01/01/2015\n")
    result = read_return(tmp_path)
    assert [(r.source, r.row, r.reason) for r in result.rejected] == [
        (
            "header.csv",
            1,
            "looks like the Header table but names a column twice (CHILD in columns 1, 4; DOB in columns 3, 6), "
            "so the whole file was not read",
        ),
    ]


def test_a_utf8_lead_byte_cut_off_at_the_end_makes_the_file_windows_1252(tmp_path):
    (tmp_path / "header.csv").write_bytes("CHILD,SEX,DOB,ETHNIC\nK1,F,01/01/2015,WBRIÃ".encode("cp1252"))
    result = read_return(tmp_path)
    assert [r.child.ethnicity for r in result.records] == ["WBRIÃ"]
    assert "header.csv (Header): not UTF-8, read as cp1252" in result.notices


def test_a_date_that_happened_may_be_from_1900_to_a_year_and_a_day_ahead():
    today = dt.date.today()
    for day in (D(1900, 1, 1), today - dt.timedelta(days=30), today + dt.timedelta(days=366)):
        assert date(day.isoformat(), "DECOM") == day
    with pytest.raises(RowError, match="cannot have happened yet"):
        date((today + dt.timedelta(days=367)).isoformat(), "DECOM")


def test_a_header_holding_two_tables_identifying_columns_is_the_table_it_shares_most_columns_with():
    found = tables.recognise(["CHILD", "SEX", "DOB", "ETHNIC", "DATE_INT", "DATE_MATCH", "FOSTER_CARE"])
    assert found.table is tables.AD1
    assert found.extra == ("SEX", "ETHNIC") and found.absent == ("NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")


def test_a_byte_the_files_encoding_leaves_undefined_is_named_with_its_line(tmp_path):
    (tmp_path / "header.csv").write_bytes((HEADER + "K1,F,01/01/2015,WBRI,,,").encode("cp1252") + b"\x81\n")
    [unreadable] = read_return(tmp_path).rejected
    assert (unreadable.source, unreadable.row, unreadable.reason) == (
        "header.csv",
        1,
        "the file is not valid cp1252 text from about this line (character maps to <undefined>), "
        "so the rest was not read",
    )


def test_a_repeated_header_row_and_an_id_with_a_control_character_are_rejected_saying_why(tmp_path):
    rows = "K1,F,01/01/2015,WBRI,,,\n"
    (tmp_path / "header.csv").write_text(HEADER + rows + rows + "K\x01,F,01/01/2015,WBRI,,,\n")
    assert [(r.row, r.field, r.value, r.reason) for r in read_return(tmp_path).rejected] == [
        (3, "CHILD", "K1", "repeats an earlier Header row of this child"),
        (4, "CHILD", "K\x01", "holds a control character: not an id"),
    ]


def test_progress_is_reported_every_so_many_rows_of_a_table(tmp_path, monkeypatch):
    monkeypatch.setattr(csvsource, "_PROGRESS_EVERY", 3)
    (tmp_path / "header.csv").write_text(HEADER + "".join(f"K{i},F,01/01/2015,WBRI,,,\n" for i in range(7)))
    calls = []
    read_return(tmp_path, progress=lambda done, total: calls.append(done))
    assert len(calls) == 3  # after rows 3 and 6, and at the end of the file
