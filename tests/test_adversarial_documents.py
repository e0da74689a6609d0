"""Adversarial Word uploads: mangled, bombed, DTD-laden or oversized .docx files end in a form or a FormReadError."""

import io
import struct
import tracemalloc
import zipfile

import pytest
from documents_helpers import D, WordUser, sample_record, sibling_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_adversarial_ssda903 import SECRET, Watched, mangled

from permanence_core.documents import (
    CompletedRecord,
    FormReadError,
    OutputFormat,
    UnsafeDocumentError,
    meeting_record,
    read_form,
    render,
    safety,
)
from permanence_core.documents import record as labels
from permanence_core.errors import PermanenceError
from permanence_core.model import MeetingKind

TODAY = D(2024, 5, 10)
RECORDS = {"C100": sample_record(), "C101": sibling_record()}
KIND = MeetingKind.MONITORING_GROUP
NAME = "upload.docx"
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
XML_TOKENS = [
    b"<",
    b">",
    b"&",
    b"&#0;",
    b'"',
    b"<!--",
    b"<w:p>",
    b"</w:tc>",
    b"<w:tc>",
    b"w:gridSpan",
    b"\x00",
    b"\xff",
]
#: A word that is no date word: text holding it is never repeated in an error message.
PRIVATE = "Zebedee"


def blank() -> WordUser:
    document = render(meeting_record(KIND, "C100", RECORDS, generated_on=TODAY), OutputFormat.DOCX, generated_on=TODAY)
    return WordUser(document)


def completed() -> bytes:
    user = blank()
    user.type(labels.date_label(KIND), "14/05/2024")
    user.type(labels.SUMMARY, "Contact going well.")
    actions = user.table_with_header(labels.ACTION_NO, labels.ACTION_TEXT)
    user.fill_rows(actions, [("", "Viability assessment", "Sam Worker", "2 weeks", "", "")])
    return user.save()


COMPLETED = completed()
_ARCHIVE = zipfile.ZipFile(io.BytesIO(COMPLETED))
MEMBERS = {info.filename: _ARCHIVE.read(info) for info in _ARCHIVE.infolist()}


def packed(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def outcome(data: bytes) -> CompletedRecord | PermanenceError:
    """Read an upload; only a completed form or the library's own error naming the upload passes."""
    try:
        form = read_form(data, name=NAME)
    except PermanenceError as exc:
        assert str(exc).startswith(NAME), exc
        return exc
    assert isinstance(form, CompletedRecord)
    return form


def test_the_fixture_reads_back():
    form = outcome(COMPLETED)
    assert isinstance(form, CompletedRecord)
    assert "Viability assessment" in [action.description for action in form.meeting.actions]


@pytest.mark.parametrize(
    ("part", "namespace"),
    [
        ("word/document.xml", b"schemas.openxmlformats.org/wordprocessingml/2006/main"),
        ("word/_rels/document.xml.rels", b"schemas.openxmlformats.org/package/2006/relationships"),
        ("[Content_Types].xml", b"schemas.openxmlformats.org/package/2006/content-types"),
    ],
)
def test_a_part_whose_namespace_is_mangled_is_refused_with_the_library_error(part, namespace):
    members = dict(MEMBERS)
    assert namespace in members[part]
    members[part] = members[part].replace(namespace, namespace[:-1] + b"x")
    assert isinstance(outcome(packed(members)), FormReadError)


@FUZZ
@given(data=st.data())
def test_a_mangled_upload_is_read_or_refused_with_the_library_error(data):
    outcome(data.draw(mangled(COMPLETED, [b"PK\x03\x04", b"PK\x01\x02", b"\x00" * 4, b"\xff" * 4])))


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(MEMBERS)), stored=st.booleans())
def test_a_mangled_part_is_read_or_refused_with_the_library_error(data, name, stored):
    members = dict(MEMBERS)
    members[name] = data.draw(mangled(MEMBERS[name], XML_TOKENS), label=name)
    outcome(packed(members, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED))


TYPED = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30) | st.sampled_from(
    ["14/05/2024", "31/02/2024", "2 weeks", "next Friday", "Done", "", "0", "99999999", "1,2", "3"]
)


@FUZZ
@given(
    date=TYPED,
    rows=st.lists(st.tuples(TYPED, TYPED, TYPED, TYPED, TYPED, TYPED), max_size=4),
    private=st.booleans(),
)
def test_anything_typed_into_the_boxes_is_read_or_refused_without_repeating_private_text(date, rows, private):
    user = blank()
    suffix = f" {PRIVATE}" if private else ""
    if date or suffix:
        user.type(labels.date_label(KIND), date + suffix)
    if rows:
        typed = [tuple(value + suffix if value else value for value in row) for row in rows]
        user.fill_rows(user.table_with_header(labels.ACTION_NO, labels.ACTION_TEXT), typed)
    result = outcome(user.save())
    if isinstance(result, FormReadError):
        assert PRIVATE not in str(result)


# --- zip bombs and damaged archives -----------------------------------------------------------------------


def test_many_parts_each_under_the_ratio_check_are_refused_by_their_total_size():
    members = dict(MEMBERS)
    members.update({f"word/media/filler{n}.xml": b"\0" * (1 << 20) for n in range(120)})
    bomb = packed(members)
    assert len(bomb) < 1 << 20
    with pytest.raises(UnsafeDocumentError, match="unpacks to"):
        read_form(bomb, name=NAME)


def _patched(data: bytes, member: str, *, size: int | None = None, flags: int | None = None, method: int | None = None):
    """``data`` with one member's header fields rewritten in both the local header and the central directory."""
    out = bytearray(data)
    local = zipfile.ZipFile(io.BytesIO(data)).getinfo(member).header_offset
    central = out.index(b"PK\x01\x02")
    while out[central + 46 : central + 46 + len(member)] != member.encode():
        central = out.index(b"PK\x01\x02", central + 4)
    # Offsets of each field in the local header and in the central directory entry, per the zip specification.
    for value, in_local, in_central, layout in ((flags, 6, 8, "<H"), (method, 8, 10, "<H"), (size, 22, 24, "<I")):
        if value is not None:
            struct.pack_into(layout, out, local + in_local, value)
            struct.pack_into(layout, out, central + in_central, value)
    return bytes(out)


def test_a_part_that_inflates_past_its_declared_size_is_read_no_further_than_declared():
    members = dict(MEMBERS)
    members["word/document.xml"] = b"<x/>" + b" " * (64 << 20)
    lying = _patched(packed(members), "word/document.xml", size=4096)
    tracemalloc.start()
    try:
        result = outcome(lying)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(result, UnsafeDocumentError)
    assert "Bad CRC-32 for file 'word/document.xml'" in str(result)
    assert peak < 16 << 20  # the 64 MB behind the lie is never unpacked


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"flags": 1}, "encrypted"), ({"method": 98}, "compression"), ({"size": 10}, "damaged")],
    ids=["encrypted part", "unknown compression", "declared size too small"],
)
def test_a_damaged_or_encrypted_part_is_refused_by_name(change, reason):
    data = _patched(COMPLETED, "word/document.xml", **change)
    error = outcome(data)
    assert isinstance(error, UnsafeDocumentError)
    assert reason in str(error)


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"PK\x03\x04" + b"\0" * 100, bytes(range(256)) * 8],
    ids=["empty", "pdf", "zip signature only", "noise"],
)
def test_a_file_that_is_not_a_zip_is_refused(data):
    with pytest.raises(UnsafeDocumentError, match="not a zip archive") as info:
        read_form(data, name=NAME)
    assert str(info.value).startswith(NAME)


def test_a_zip_without_the_document_part_is_not_read():
    members = {name: data for name, data in MEMBERS.items() if name != "word/document.xml"}
    error = outcome(packed(members))
    assert isinstance(error, FormReadError)
    assert "is not a readable Word document" in str(error)


# --- DTDs and entities ------------------------------------------------------------------------------------


def _with_doctype(part: bytes, doctype: bytes, *, padding: int = 0) -> bytes:
    declaration, body = part.split(b"?>", 1)
    # Comments may come before a DTD: a check that reads only the first few kilobytes is not enough.
    return declaration + b"?>" + (b"<!--" + b"x" * padding + b"-->" if padding else b"") + doctype + body


@pytest.mark.parametrize("part", ["word/document.xml", "docProps/core.xml", "_rels/.rels", "[Content_Types].xml"])
@pytest.mark.parametrize("padding", [0, 10_000])
def test_a_part_declaring_a_dtd_is_refused_before_it_is_parsed(tmp_path, part, padding):
    with Watched(tmp_path / "evil.dtd", f'<!ENTITY leak "{SECRET}">') as watched:
        doctype = f'<!DOCTYPE x SYSTEM "{watched.path.as_uri()}" [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        members = dict(MEMBERS)
        members[part] = _with_doctype(MEMBERS[part], doctype.encode(), padding=padding)
        with pytest.raises(UnsafeDocumentError, match="declares a DTD") as info:
            read_form(packed(members), name=NAME)
    assert info.value.location.element == part
    assert not watched.opened


def test_billion_laughs_in_a_part_is_refused():
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    members = dict(MEMBERS)
    members["word/document.xml"] = _with_doctype(
        MEMBERS["word/document.xml"], f'<!DOCTYPE d [<!ENTITY l0 "lol">{laughs}]>'.encode()
    )
    with pytest.raises(UnsafeDocumentError, match="declares a DTD"):
        read_form(packed(members), name=NAME)


# --- size -------------------------------------------------------------------------------------------------


def test_an_upload_over_the_size_limit_is_refused_before_it_is_unzipped(tmp_path, monkeypatch):
    def unzipped(*_args, **_kwargs):
        raise AssertionError("the upload was opened as a zip")

    monkeypatch.setattr(safety.zipfile, "ZipFile", unzipped)
    monkeypatch.setattr(safety.zipfile, "is_zipfile", unzipped)
    path = tmp_path / "huge.docx"
    with path.open("wb") as file:
        file.write(COMPLETED)
        file.truncate(1 << 30)  # a sparse gigabyte: no disk space for the NULs
    with pytest.raises(UnsafeDocumentError, match="larger than the limit") as info:
        read_form(path)
    assert str(info.value).startswith(str(path))
    with pytest.raises(UnsafeDocumentError, match="the limit is"):
        read_form(COMPLETED + b"\0" * safety.MAX_FILE_BYTES, name=NAME)
