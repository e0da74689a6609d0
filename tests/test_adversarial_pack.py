"""Adversarial permanence packs: fuzzed pack CSV files and pack.json end in data or rejections naming the place."""

import copy
import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path

import pytest
from documents_helpers import sample_record, sibling_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permanence_core import api, serialization
from permanence_core.adapters import ssda903
from permanence_core.adapters.base import LoadResult
from permanence_core.adapters.pack import FILES, read_pack
from permanence_core.errors import PermanenceError
from permanence_core.model import Facet

DATA = Path(__file__).parent / "data" / "ssda903"
RETURN = {path.name: path.read_bytes() for path in sorted((DATA / "basic").glob("*.csv"))}
PACK = {path.name: path.read_bytes() for path in sorted((DATA / "pack").glob("*.csv"))}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AS_OF = dt.date(2024, 9, 1)
CSV_TOKENS = [b'"', b",", b";", b"*", b"\r", b"\n", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\x81", b"\xe9"]
#: Personal facts in the pack.json record: none may reach a rejection, whatever else is wrong with the file.
PERSONAL = ["Ada", "Mia Example", "Neglect", "unwell", "brother", "parenting", "2019-05-14", "1995-06-01", "Town A"]


@st.composite
def mangled(draw, data: bytes, tokens: list[bytes]) -> bytes:
    """``data`` after a few truncations, byte flips, insertions, deletions and repeats."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(out)))
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "repeat"]))
        if kind == "truncate":
            del out[at:]
        elif kind == "flip" and at < len(out):
            out[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            out[at:at] = draw(st.sampled_from(tokens) | st.binary(min_size=1, max_size=6))
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 40))]
        elif kind == "repeat":
            out[at:at] = out[at : at + draw(st.integers(1, 200))]
    return bytes(out)


def load(folder: Path) -> LoadResult:
    """Load the return with its pack; only a LoadResult whose every rejection names its place passes."""
    try:
        result = ssda903.load(str(folder), {})
    except PermanenceError as exc:
        raise AssertionError(f"a readable return with a damaged pack is still loaded: {exc}") from None
    check_rejections(result.rejected)
    api.evaluate(result.records, as_of=AS_OF)
    return result


def check_rejections(rejected) -> None:
    """Each rejection names its file, its place and why; a value comes with its field."""
    for rejection in rejected:
        assert rejection.source and rejection.reason, rejection
        whole_file = rejection.reason.endswith("none of its records loaded")
        assert whole_file or rejection.row is not None or rejection.element is not None, rejection
        assert rejection.value is None or rejection.field, rejection
        assert str(rejection)


def folder_with(folder: Path, pack: dict[str, bytes]) -> Path:
    for name, data in RETURN.items():
        (folder / name).write_bytes(data)
    (folder / "pack").mkdir()
    for name, data in pack.items():
        (folder / "pack" / name).write_bytes(data)
    return folder


# --- pack CSV files ---------------------------------------------------------------------------------------


@FUZZ
@given(data=st.data(), names=st.lists(st.sampled_from(sorted(PACK)), min_size=1, max_size=4, unique=True))
def test_mangled_pack_files_load_or_are_rejected_by_row(data, names):
    pack = dict(PACK)
    for name in names:
        pack[name] = data.draw(mangled(PACK[name], CSV_TOKENS), label=name)
    with tempfile.TemporaryDirectory() as folder:
        result = load(folder_with(Path(folder), pack))
    assert {record.child_id for record in result.records} >= {"C001", "C002"}  # the return is untouched


VALUE = st.text(max_size=10) | st.sampled_from(
    ["", "C001", "C002", "*", "P1", "M1", "PR1", "2024-02-30", "01/01/2024", "ppm", "adoption", "yes", "plans", "8"]
)


@FUZZ
@given(
    file=st.sampled_from(FILES),
    rows=st.lists(st.lists(VALUE, min_size=11, max_size=11), max_size=6),
)
def test_random_values_in_every_pack_column_are_loaded_or_rejected_by_field(file, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(file.columns)
    writer.writerows(row[: len(file.columns)] for row in rows)
    with tempfile.TemporaryDirectory() as folder:
        result = load(folder_with(Path(folder), {file.name: out.getvalue().encode()}))
    for rejection in result.rejected:
        if rejection.source == f"pack/{file.name}":
            assert rejection.field is None or rejection.field in file.columns, rejection


@pytest.mark.parametrize(
    ("encoding", "line_end"), [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("cp1252", "\r\n"), ("utf-16", "\n")]
)
def test_names_with_accents_and_pound_signs_are_read_in_every_encoding(tmp_path, encoding, line_end):
    children = "child_id,first_name,surname\r\nC001,Zoé,Brontë\r\n"
    plans = "child_id,plan_id,primary_route,description\r\nC001,P9,adoption,£40 a week for the carers\r\n"
    pack = {name: text.replace("\r\n", line_end).encode(encoding) for name, text in [("children.csv", children)]}
    pack["plans.csv"] = plans.replace("\r\n", line_end).encode(encoding)
    result = load(folder_with(tmp_path, pack))
    amy = next(record for record in result.records if record.child_id == "C001")
    assert (amy.child.first_name, amy.child.surname) == ("Zoé", "Brontë")
    assert [plan.description for plan in amy.plans] == ["£40 a week for the carers"]
    assert [r for r in result.rejected if r.source.startswith("pack/")] == []


def test_an_unreadable_rest_of_a_pack_file_withholds_its_facet_from_every_child(tmp_path):
    plans = PACK["plans.csv"] + b'C003,P3,adoption,,,,,"' + b"x" * 200_000 + b'",,,\nC004,P4,adoption,,,,,,,,\n'
    pack = {"plans.csv": plans, "coverage.csv": b"facet,child_id\nplans,*\nmeetings,*\n"}
    result = load(folder_with(tmp_path, pack))
    *_bad_rows, unreadable = [r for r in result.rejected if r.source == "pack/plans.csv"]
    assert unreadable.row == 5
    assert "field larger than field limit" in unreadable.reason
    by_id = {record.child_id: record for record in result.records}
    assert [plan.plan_id for plan in by_id["C001"].plans] == ["P1"]  # the rows before the fault still load
    # Which children the unread rows were about is unknown: none of them is said to have a complete plan record.
    assert all(Facet.PLANS not in record.coverage for record in result.records)
    assert all(Facet.MEETINGS in record.coverage for record in result.records)


def test_a_pack_file_of_binary_noise_is_one_rejection_and_the_rest_of_the_pack_loads(tmp_path):
    pack = dict(PACK)
    pack["meetings.csv"] = b"\xff\xfe" + bytes(range(256)) * 4
    result = load(folder_with(tmp_path, pack))
    meeting_rejections = [r for r in result.rejected if r.source == "pack/meetings.csv"]
    assert len(meeting_rejections) >= 1
    assert any(record.plans for record in result.records)


# --- pack.json --------------------------------------------------------------------------------------------

DOCUMENT = json.loads(serialization.dumps([sample_record(), sibling_record()]))
CHILDREN = ["C100", "C101"]
JSON_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["2024-02-30", "ppm", "adoption", "C100", "1.0", "2.0"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _places(node, into: list) -> list:
    """Every (container, key) in a JSON document, for a mutation to pick from."""
    keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
    for key in keys:
        into.append((node, key))
        _places(node[key], into)
    return into


@st.composite
def reshaped(draw, document: dict) -> dict:
    """``document`` with a few values replaced by random JSON, keys removed, or keys added."""
    out = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 4))):
        places = _places(out, [])
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            container[key] = draw(JSON_VALUE)
        elif action == "delete":
            del container[key]
        elif isinstance(container, dict):
            container[draw(st.text(max_size=6))] = draw(JSON_VALUE)
        else:
            container.insert(key, draw(JSON_VALUE))
    return out


def read_json_pack(text: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.json"
        path.write_bytes(text)
        pack = read_pack(path, CHILDREN)
    check_rejections(pack.rejected)
    shown = " ".join(str(rejection) for rejection in pack.rejected)
    for fact in PERSONAL:
        assert fact not in shown, f"{fact!r} reached a rejection: {shown}"
    api.evaluate(pack.records.values(), as_of=AS_OF)
    return pack


@FUZZ
@given(document=reshaped(DOCUMENT))
def test_reshaped_pack_json_loads_record_by_record(document):
    pack = read_json_pack(json.dumps(document).encode())
    assert set(pack.records) <= set(CHILDREN)


@FUZZ
@given(data=st.data())
def test_mangled_pack_json_loads_or_is_one_rejection_without_personal_data(data):
    text = data.draw(
        mangled(
            json.dumps(DOCUMENT, indent=1).encode(), [b"{", b"}", b"[", b"]", b'"', b",", b":", b"\\", b"\x00", b"\xff"]
        )
    )
    pack = read_json_pack(text)
    [count] = pack.tables
    whole = [r for r in pack.rejected if r.reason.endswith("none of its records loaded")]
    try:
        json.loads(text)
    except ValueError:  # UnicodeDecodeError included: not a JSON document at all
        assert whole, "a document that is not JSON must be rejected as a whole"
    if whole:
        # One rejection for the whole document, naming no record, and nothing from before the fault kept.
        assert pack.rejected == (whole[0],)
        assert (whole[0].source, whole[0].row, whole[0].child_id, whole[0].field) == (
            "pack/pack.json",
            None,
            None,
            None,
        )
        assert pack.records == {}
        assert (count.read, count.rejected) == (1, 1)
    else:
        # Loaded record by record: each record either loaded or is one rejection naming it.
        assert all(r.row is not None and r.element == f"records[{r.row - 1}]" for r in pack.rejected)
        assert count.rejected == len(pack.rejected)
        assert count.loaded == len(pack.records)


def test_a_broken_pack_json_does_not_quote_the_text_around_the_fault(tmp_path):
    text = json.dumps(DOCUMENT).replace('"Neglect; mother unwell."', '"Neglect; mother unwell." x')
    pack = read_json_pack(text.encode())
    [rejection] = pack.rejected
    assert (rejection.source, rejection.child_id, rejection.field) == ("pack/pack.json", None, None)
    assert rejection.reason.startswith("is not a readable interchange document (")
    assert pack.records == {}
