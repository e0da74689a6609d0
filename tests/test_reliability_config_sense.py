"""Configuration rules enforced and values checked for sense: each a rejection or error naming the place
(issue #14, class 6). Every case is generated: the values, where they sit and how they are spelled."""

import datetime as dt
import io
import json
import shutil
import string
import tempfile
import zipfile
from pathlib import Path

import pytest
from documents_helpers import D, sample_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permanence_core import serialization
from permanence_core.adapters.pack import read_pack
from permanence_core.adapters.ssda903 import read_return
from permanence_core.documents import OutputFormat, UnsafeDocumentError, meeting_record, read_form, render
from permanence_core.errors import ConfigError
from permanence_core.model import CaseRecord, Child, Identifiers, MeetingKind
from permanence_core.writeback import CaseNote, Outbox
from permanence_core.writeback.settings import WriteBackSettings

BASIC = Path(__file__).parent / "data" / "ssda903" / "basic"
SOME = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CONTROL = st.sampled_from([chr(c) for c in (*range(0, 32), *range(127, 160))])


@SOME
@given(outbox=st.text(string.ascii_letters, min_size=1, max_size=8), host=st.sampled_from(["gw.council.test", "x.org"]))
def test_an_endpoint_and_an_outbox_together_are_refused_naming_the_setting(outbox, host):
    with pytest.raises(ConfigError) as caught:
        WriteBackSettings.from_mapping({"endpoint": f"https://{host}/api", "outbox": outbox}, source="council.toml")
    assert "council.toml, write_back.endpoint" in str(caught.value)
    assert "not both" in str(caught.value)


@SOME
@given(
    name=st.sampled_from(["token", "access_token", "api_key", "apiKey", "client_secret", "password", "auth"]),
    case=st.sampled_from([str.lower, str.upper, str]),
    secret=st.text(string.ascii_letters + string.digits, min_size=8, max_size=20),
    before=st.sampled_from(["", "page=1&"]),
)
def test_a_credential_in_the_endpoint_query_is_refused_without_repeating_it(name, case, secret, before):
    name = case(name)
    with pytest.raises(ConfigError) as caught:
        WriteBackSettings.from_mapping({"endpoint": f"https://gw.council.test/api?{before}{name}={secret}"})
    assert "write_back.endpoint" in str(caught.value)
    assert name in str(caught.value) and secret not in str(caught.value)


def test_an_ordinary_query_is_kept():
    settings_ = WriteBackSettings.from_mapping({"endpoint": "https://gw.council.test/api?tenant=north"})
    assert settings_.endpoint == "https://gw.council.test/api?tenant=north"


def copy_basic(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(BASIC, folder)
    return folder


def replace_cell(path: Path, row: int, column: str, value: str) -> str:
    """Put ``value`` in ``column`` of data row ``row`` (1-based); the child id of that row."""
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return cells[0]


@SOME
@given(
    table_column=st.sampled_from([("header.csv", "DOB"), ("episodes.csv", "DECOM"), ("reviews.csv", "REVIEW")]),
    day=st.one_of(
        st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(1899, 12, 31)),
        st.dates(min_value=dt.date.today() + dt.timedelta(days=367), max_value=dt.date(2999, 12, 31)),
    ),
    form=st.sampled_from(["%d/%m/%Y", "%Y-%m-%d"]),
)
def test_dates_before_1900_or_over_a_year_ahead_are_rejected_naming_the_cell(tmp_path, table_column, day, form):
    folder = copy_basic(tmp_path / "r")
    name, column = table_column
    child = replace_cell(folder / name, 1, column, day.strftime(form))
    result = read_return(folder)
    found = [r for r in result.rejected if (r.source, r.row, r.field) == (name, 2, column)]
    assert len(found) == 1, result.rejected
    assert found[0].child_id == child
    assert "before 1900" in found[0].reason or "cannot have happened yet" in found[0].reason


def test_a_date_that_is_meant_to_be_ahead_is_kept(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\nU1,1,01/01/2015,WBRI\n")
    (folder / "uasc.csv").write_text("CHILD,SEX,DOB,DUC\nU1,1,01/01/2015,01/01/2033\n")
    assert read_return(folder).records[0].child.uasc_until == dt.date(2033, 1, 1)


@SOME
@given(days_before=st.integers(min_value=1, max_value=4000), table=st.sampled_from(["episodes.csv", "reviews.csv"]))
def test_an_episode_or_review_before_birth_is_rejected_naming_the_cell(tmp_path, days_before, table):
    folder = copy_basic(tmp_path / "r")
    header = (folder / "header.csv").read_text().splitlines()
    born = dt.datetime.strptime(header[1].split(",")[2], "%d/%m/%Y").date()
    column = "DECOM" if table == "episodes.csv" else "REVIEW"
    before = (born - dt.timedelta(days=days_before)).strftime("%d/%m/%Y")
    child = replace_cell(folder / table, 1, column, before)
    assert child == header[1].split(",")[0]
    found = [r for r in read_return(folder).rejected if (r.source, r.row, r.field) == (table, 2, column)]
    assert [r.reason for r in found] == ["is before the child's date of birth (DOB in the Header)"]


@SOME
@given(control=CONTROL, at=st.integers(min_value=0, max_value=4), table=st.sampled_from(["header.csv", "episodes.csv"]))
def test_an_id_with_a_control_character_is_rejected_and_never_becomes_a_child(tmp_path, control, at, table):
    if control.isspace():
        control = "\x07"  # whitespace is trimmed from a cell's ends, and a line break splits the row
    folder = copy_basic(tmp_path / "r")
    lines = (folder / table).read_text().splitlines()
    cells = lines[1].split(",")
    bad = cells[0][:at] + control + cells[0][at:]
    lines[1] = ",".join([bad, *cells[1:]])
    (folder / table).write_text("\n".join(lines) + "\n")
    result = read_return(folder)
    assert bad not in {r.child_id for r in result.records}
    [found] = [r for r in result.rejected if (r.source, r.row) == (table, 2)]
    assert found.field == "CHILD" and "control character" in found.reason


@SOME
@given(control=CONTROL)
def test_a_pack_record_whose_id_holds_a_control_character_is_rejected(tmp_path, control):
    document = {"schema_version": serialization.INTERCHANGE_VERSION, "records": [
        serialization.record_to_dict(CaseRecord(child=Child(identifiers=Identifiers(case_id="C001"))))
    ]}  # fmt: skip
    document["records"][0]["child"]["identifiers"]["case_id"] = f"C0{control}01"
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(document))
    [rejected] = read_pack(path, ["C001"]).rejected
    assert rejected.source == "pack/pack.json" and rejected.row == 1
    assert "control character" in rejected.reason


@SOME
@given(
    where=st.sampled_from([["child"], ["child", "identifiers"], []]),
    key=st.sampled_from(["surname", "case_id", "coverage", "note"]),
)
def test_a_key_named_twice_in_a_pack_record_rejects_that_record_naming_the_key(tmp_path, where, key):
    records = [
        serialization.record_to_dict(CaseRecord(child=Child(identifiers=Identifiers(case_id=child))))
        for child in ("C001", "C002")
    ]
    texts = [json.dumps(record) for record in records]
    # The second record gets the key twice, in the object ``where`` points to.
    target = records[1]
    for part in where:
        target = target[part]
    inner = json.dumps(target)
    doubled = inner[:-1] + (", " if inner != "{}" else "") + f'"{key}": 1, "{key}": 2' + "}"
    texts[1] = texts[1].replace(inner, doubled, 1)
    path = tmp_path / "pack.json"
    path.write_text(f'{{"schema_version": "{serialization.INTERCHANGE_VERSION}", "records": [{", ".join(texts)}]}}')
    pack = read_pack(path, ["C001", "C002"])
    assert set(pack.records) == {"C001"}
    [rejected] = pack.rejected
    assert (rejected.source, rejected.row, rejected.field) == ("pack/pack.json", 2, key)
    assert "twice" in rejected.reason


def docx_bytes() -> bytes:
    today = D(2024, 5, 10)
    record = meeting_record(MeetingKind.MONITORING_GROUP, "C100", {"C100": sample_record()}, generated_on=today)
    return render(record, OutputFormat.DOCX, generated_on=today)


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_a_docx_holding_a_part_twice_is_refused_naming_the_part(data):
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    names = source.namelist()
    twice = data.draw(st.sampled_from(names))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            target.writestr(name, source.read(name))
        with pytest.warns(UserWarning, match="Duplicate name"):
            target.writestr(twice, source.read(twice))
    with pytest.raises(UnsafeDocumentError) as caught:
        read_form(out.getvalue(), name="upload.docx")
    assert f"upload.docx, {twice}" in str(caught.value)
    assert "2 times" in str(caught.value)


@settings(max_examples=50, deadline=None)
@given(child=st.text(alphabet=st.sampled_from('. -_/\\:*?"<>|a1é\u200b'), min_size=1, max_size=10))
def test_outbox_file_names_never_start_with_a_dot(child):
    if not child.strip():
        return  # an id must not be blank (the item refuses it)
    note = CaseNote(child_id=child, note_type="PERM", title="t", contact_date=dt.date(2025, 1, 1), body="b")
    with tempfile.TemporaryDirectory() as folder:
        receipt = Outbox(folder).deliver(note)
        written = [p.name for p in Path(folder).iterdir()]
    assert receipt.location is not None
    assert written and not any(name.startswith(".") for name in written)
