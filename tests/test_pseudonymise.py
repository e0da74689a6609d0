"""--pseudonymise: keyed hashes of child ids, names and free text dropped, birth dates to the month, no key no run."""

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import re
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from permanence_core import api
from permanence_core.adapters import Rejection
from permanence_core.cli import cli
from permanence_core.errors import ConfigError
from permanence_core.pseudonymise import KEY_ENV, Pseudonymiser
from permanence_core.synth import demo_folder

KEY = "synthetic-council-key-0123456789"
AS_OF = "2026-11-02"
PSEUDONYM = re.compile(r"P-[0-9a-f]{16}")


@pytest.fixture(scope="module")
def demo():
    loaded = api.load("ssda903", str(demo_folder()))
    return {r.child_id: r for r in loaded.records}


@pytest.fixture
def keyed(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return Pseudonymiser(KEY.encode())


def run(*args):
    return CliRunner().invoke(cli, list(args))


def demo_args(source=None):
    return ["--adapter", "ssda903", "--source", str(source or demo_folder()), "--as-of", AS_OF]


def raw_ids_in(text, ids):
    return sorted(i for i in ids if re.search(rf"(?<![0-9A-Za-z]){re.escape(i)}(?![0-9A-Za-z])", text))


# -- the pseudonymiser --------------------------------------------------------------------------------------------


def test_a_pseudonym_is_the_truncated_hmac_of_the_id_under_the_key():
    expected = "P-" + hmac.new(KEY.encode(), b"1000001", hashlib.sha256).hexdigest()[:16]
    assert Pseudonymiser(KEY.encode()).child_id("1000001") == expected
    assert Pseudonymiser(b"another-council-key-000").child_id("1000001") != expected
    # Not a plain hash, which anyone could compute over every possible id.
    assert expected[2:] != hashlib.sha256(b"1000001").hexdigest()[:16]


@given(st.sets(st.text(alphabet="ABCZ0123456789-/", min_size=1, max_size=10), min_size=2, max_size=40))
def test_distinct_ids_get_distinct_pseudonyms_and_are_found_inside_text(ids):
    pseudonyms = Pseudonymiser(KEY.encode(), ids)
    mapped = {i: pseudonyms.child_id(i) for i in ids}
    assert len(set(mapped.values())) == len(ids)
    for child_id, pseudonym in mapped.items():
        assert PSEUDONYM.fullmatch(pseudonym)
        assert pseudonyms.text(child_id) in (pseudonym, *(p for i, p in mapped.items() if i in child_id))


def test_ids_inside_other_ids_and_messages_are_replaced_whole_only(keyed):
    pseudonyms = keyed.with_ids(["1000001", "C-7/2"])
    one, awkward = pseudonyms.child_id("1000001"), pseudonyms.child_id("C-7/2")
    assert pseudonyms.text("PPM-1000001-1 for C-7/2; not 10000011 or X1000001") == (
        f"PPM-{one}-1 for {awkward}; not 10000011 or X1000001"
    )


def test_a_cohort_evaluation_keeps_no_child_id_in_its_alerts_or_its_table(demo):
    from permanence_core.cohort import cohort_from_records

    evaluation = api.evaluate_cohort(cohort_from_records(demo.values()), "panel-tor", dt.date(2026, 11, 2))
    pseudonyms = Pseudonymiser(KEY.encode(), demo)
    hidden = pseudonyms.cohort_evaluation(evaluation)
    assert hidden.table.height == evaluation.table.height
    assert len(hidden.alerts) == len(evaluation.alerts) > 0
    assert all(PSEUDONYM.fullmatch(i) for i in hidden.table["child_id"].unique())
    text = " ".join(
        [*(a.message + a.child_id + a.anchor_event for a in hidden.alerts), *hidden.table["anchor_event"].drop_nulls()]
    )
    assert raw_ids_in(text, demo) == []
    assert hidden.summary() == evaluation.summary()


def test_a_date_of_birth_is_kept_to_the_month():
    assert Pseudonymiser.date_of_birth(dt.date(2015, 2, 22)) == "2015-02"


def test_a_rejection_keeps_where_and_why_but_not_who_or_what(keyed):
    pseudonyms = keyed.with_ids(["1000001"])
    bad_dob = Rejection(
        source="header.csv", row=2, child_id="1000001", field="DOB", value="22/02/2015", reason="22/02/2015 is late"
    )
    assert pseudonyms.rejection(bad_dob) == Rejection(
        source="header.csv",
        row=2,
        child_id=keyed.child_id("1000001"),
        field="DOB",
        value="2015-02",
        reason="[withheld] is late",
    )
    name = Rejection(source="pack.json", child_id="1000001", field="surname", value="Protocombe", reason="too long")
    assert pseudonyms.rejection(name).value == "[withheld]"
    code = Rejection(source="episodes.csv", row=7, child_id="1000001", field="LS", value="Q1", reason="not Q1 or C2")
    assert pseudonyms.rejection(code).reason == "not Q1 or C2"


@pytest.mark.parametrize(("value", "message"), [(None, "is not set"), ("short", "is too short")])
def test_no_key_no_pseudonymiser_and_the_error_names_the_variable(value, message):
    environ = {} if value is None else {KEY_ENV: value}
    with pytest.raises(ConfigError, match=message) as error:
        Pseudonymiser.from_environment(environ=environ)
    assert str(error.value).startswith(f"environment, {KEY_ENV}:")


def test_the_key_never_shows(keyed):
    assert KEY not in repr(keyed) and KEY not in str(vars(keyed).get("_known"))


# -- the exports ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_alerts_carry_pseudonyms_only(keyed, demo, fmt):
    plain = run("alerts", *demo_args(), "--format", "json")
    hidden = run("alerts", *demo_args(), "--format", fmt, "--pseudonymise")
    assert hidden.exit_code == 0, hidden.output
    assert raw_ids_in(hidden.stdout, demo) == []
    real = json.loads(plain.stdout)["alerts"]
    expected = [{**a, "child_id": keyed.child_id(a["child_id"])} for a in real]
    if fmt == "json":
        assert json.loads(hidden.stdout)["alerts"] == expected
    elif fmt == "csv":
        assert [dict(r) for r in csv.DictReader(io.StringIO(hidden.stdout))] == expected
    else:
        shown = [line.split()[0] for line in hidden.stdout.splitlines()[2:] if line.startswith("P-")]
        assert shown == [a["child_id"] for a in expected if a["status"] == "overdue"] + [
            a["child_id"] for a in expected if a["status"] == "upcoming"
        ]


def test_the_same_key_gives_the_same_export_twice(keyed):
    first = run("alerts", *demo_args(), "--format", "csv", "--pseudonymise")
    assert first.stdout == run("alerts", *demo_args(), "--format", "csv", "--pseudonymise").stdout


def test_without_the_key_nothing_is_exported(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    for command in (["alerts"], ["tracker", "--format", "json"]):
        result = run(*command, *demo_args(), "--pseudonymise")
        assert result.exit_code == 1
        assert result.stdout == ""
        assert f"{KEY_ENV}: is not set" in result.stderr


def personal_text(record):
    """The names and free text of a demo child that a pseudonymised tracker must not show."""
    found = {record.child.first_name, record.child.surname}
    for meeting in record.meetings:
        found |= {a.owner for a in meeting.actions if a.owner} | {a.description for a in meeting.actions}
    return {text for text in found if text and len(text) > 3}


@pytest.mark.parametrize("suffix", [".html", ".xlsx"])
def test_the_tracker_page_and_workbook_carry_pseudonyms_only(keyed, demo, tmp_path, suffix):
    out = tmp_path / f"tracker{suffix}"
    result = run("tracker", *demo_args(), "--out", str(out), "--pseudonymise")
    assert result.exit_code == 0, result.output
    if suffix == ".html":
        text = out.read_text()
    else:
        workbook = openpyxl.load_workbook(out)
        text = "\n".join(
            str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row if cell
        )
    assert raw_ids_in(text, demo) == []
    assert [t for record in demo.values() for t in personal_text(record) if t in text] == []
    shown = set(PSEUDONYM.findall(text))
    assert len(shown) > 100
    assert shown <= {keyed.child_id(child_id) for child_id in demo}


def test_the_tracker_json_drift_names_pseudonyms_in_the_same_numbers(keyed, demo):
    plain = json.loads(run("tracker", *demo_args(), "--format", "json").stdout)
    hidden = run("tracker", *demo_args(), "--format", "json", "--pseudonymise")
    data = json.loads(hidden.stdout)
    assert raw_ids_in(hidden.stdout, demo) == []
    assert data["cohort"] == plain["cohort"]
    assert data["drift"]["totals"] == plain["drift"]["totals"]
    assert sorted(c["child_id"] for c in data["drift"]["children"]) == sorted(
        keyed.child_id(c["child_id"]) for c in plain["drift"]["children"]
    )


def test_rejected_records_are_reported_without_the_child_id_or_the_value(keyed, tmp_path):
    source = tmp_path / "903"
    shutil.copytree(demo_folder(), source)
    episodes = (source / "episodes.csv").read_text().splitlines()
    header = episodes[0].split(",")
    row = episodes[1].split(",")
    row[header.index("LS")] = "Q9"
    episodes[1] = ",".join(row)
    (source / "episodes.csv").write_text("\n".join(episodes) + "\n")
    broken = row[header.index("CHILD")]

    data = json.loads(run("alerts", *demo_args(source), "--format", "json", "--pseudonymise").stdout)
    [rejection] = data["rejected"]
    assert rejection["child_id"] == keyed.child_id(broken)
    assert rejection["field"] == "LS" and rejection["value"] == "[withheld]"
    table = run("alerts", *demo_args(source), "--pseudonymise")
    assert keyed.child_id(broken) in table.stderr and broken not in table.stderr
