"""A document that is not one of our forms, or a section that cannot be read, is refused with a clear error."""

import copy
import io
import zipfile

import docx
import pytest
from documents_helpers import D, WordUser, bare_record, ppm, sample_record, sibling_record

from permanence_core.documents import (
    FormReadError,
    NotAFormError,
    OutputFormat,
    UnsafeDocumentError,
    meeting_record,
    read_form,
    referral_form,
    render,
    safety,
)
from permanence_core.documents import record as labels
from permanence_core.errors import InputError
from permanence_core.model import MeetingKind

TODAY = D(2024, 5, 10)
RECORDS = {"C100": sample_record(), "C101": sibling_record()}
KIND = MeetingKind.MONITORING_GROUP


def blank_record():
    return render(meeting_record(KIND, "C100", RECORDS, generated_on=TODAY), OutputFormat.DOCX, generated_on=TODAY)


def dated_record():
    user = WordUser(blank_record())
    user.type(labels.date_label(KIND), "14/05/2024")
    return user


def refused(data, name="upload.docx"):
    with pytest.raises(FormReadError) as info:
        read_form(data, name=name)
    return info.value


def test_an_ordinary_word_document_is_not_a_form():
    document = docx.Document()
    document.add_paragraph("Minutes of a meeting")
    out = io.BytesIO()
    document.save(out)
    error = refused(out.getvalue(), "minutes.docx")
    assert isinstance(error, NotAFormError)
    assert str(error).startswith("minutes.docx")
    assert "form marker" in str(error)


def test_a_referral_is_recognised_but_not_read_back():
    data = render(referral_form(sample_record(), as_of=TODAY, records=RECORDS), OutputFormat.DOCX, generated_on=TODAY)
    error = refused(data, "referral.docx")
    assert isinstance(error, NotAFormError)
    assert "is a referral" in str(error)


def test_a_file_that_is_not_a_word_document_is_refused(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_text("just text")
    with pytest.raises(UnsafeDocumentError) as info:
        read_form(path)
    assert str(path) in str(info.value)


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot be read"):
        read_form(tmp_path / "absent.docx")


def test_a_deleted_row_names_the_section():
    user = dated_record()
    for table in user.document.tables:
        for row in table.rows:
            if row.cells[0].paragraphs[0].text == labels.SUMMARY:
                row._tr.getparent().remove(row._tr)
    error = refused(user.save())
    assert f"upload.docx, {labels.SUMMARY}" in str(error)
    assert "missing" in str(error)


def test_a_changed_table_header_names_the_table():
    user = dated_record()
    user.table_with_header("No.", "Action required").rows[0].cells[2].paragraphs[0].runs[0].text = "Who"
    error = refused(user.save())
    assert labels.ACTIONS in str(error)
    assert "header row" in str(error)


def test_an_empty_meeting_date_is_refused():
    error = refused(blank_record())
    assert labels.date_label(KIND) in str(error)
    assert "empty" in str(error)


@pytest.mark.parametrize("typed", ["March 2024", "14/05", "next Tuesday", "31/02/2024"])
def test_a_date_that_is_not_a_whole_date_names_section_and_value(typed):
    user = WordUser(blank_record())
    user.type(labels.date_label(KIND), typed)
    error = refused(user.save())
    assert labels.date_label(KIND) in str(error)
    assert repr(typed) in str(error)


def test_a_bad_timescale_names_the_row_and_column():
    user = dated_record()
    tasks = user.table_with_header("No.", "Action required")
    user.fill_rows(tasks, [("", "Parenting assessment", "Sam Worker", "by 32 June 2024", "", "")])
    error = refused(user.save())
    assert error.location.element == labels.ACTIONS
    assert error.location.row == 4  # three carried-over tasks, then the new one
    assert error.location.field == labels.ACTION_DUE
    assert "'by 32 June 2024' is not a date" in str(error)


def test_a_task_without_a_description_is_refused():
    user = dated_record()
    user.fill_rows(user.table_with_header("No.", "Action required"), [("", "", "Sam Worker", "1/6/2024", "", "")])
    error = refused(user.save())
    assert "a task needs a description" in str(error)


def test_a_dependency_on_a_task_that_is_not_there_is_refused():
    user = dated_record()
    user.fill_rows(user.table_with_header("No.", "Action required"), [("", "Matching", "Ann", "", "", "9")])
    assert "depends on task 9" in str(refused(user.save()))


def test_a_task_number_used_twice_is_refused():
    user = dated_record()
    user.fill_rows(user.table_with_header("No.", "Action required"), [("2", "Matching", "Ann", "", "", "")])
    assert "used twice" in str(refused(user.save()))


def test_an_attendee_role_without_a_name_is_refused():
    user = dated_record()
    user.fill_rows(user.table_with_header(*labels.PRESENT_COLUMNS), [("", "Foster carer")])
    error = refused(user.save())
    assert error.location.element == labels.PRESENT
    assert error.location.row == 1


@pytest.mark.parametrize("typed", ["when Ada is settled", "after Mia Example's assessment", "14 May 2019 Ada"])
def test_text_typed_into_a_date_box_is_not_repeated_in_the_error(typed):
    user = dated_record()
    user.fill_rows(user.table_with_header("No.", "Action required"), [("", "Contact plan", "Sam", typed, "", "")])
    message = str(refused(user.save()))
    assert f"the text typed ({len(typed)} characters) is not" in message
    for personal in ("Ada", "Mia", "Example", "2019"):
        assert personal not in message


def test_a_label_pasted_twice_is_refused_rather_than_guessed():
    user = dated_record()
    body = user.document.element.body
    table = next(t for t in user.document.tables if t.rows[0].cells[0].text == labels.date_label(KIND))
    body.append(copy.deepcopy(table._tbl))
    assert "appears 2 times" in str(refused(user.save()))


def _zip(members, compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    with pytest.raises(UnsafeDocumentError, match="zip bomb") as info:
        read_form(bomb, name="bomb.docx")
    assert info.value.location.element == "word/document.xml"


def test_a_document_that_unpacks_too_big_is_refused(monkeypatch):
    monkeypatch.setattr(safety, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(UnsafeDocumentError, match="unpacks to"):
        read_form(blank_record(), name="big.docx")


def test_a_huge_file_is_refused_by_its_size(monkeypatch):
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 1000)
    with pytest.raises(UnsafeDocumentError, match="the limit is 1000"):
        read_form(blank_record(), name="huge.docx")


def test_too_many_parts_are_refused(monkeypatch):
    monkeypatch.setattr(safety, "MAX_MEMBERS", 3)
    with pytest.raises(UnsafeDocumentError, match="parts"):
        read_form(blank_record(), name="parts.docx")


def test_xml_with_an_entity_declaration_is_refused():
    source = zipfile.ZipFile(io.BytesIO(blank_record()))
    members = {info.filename: source.read(info.filename) for info in source.infolist()}
    members["word/document.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + members["word/document.xml"].split(b"?>", 1)[1]
    )
    with pytest.raises(UnsafeDocumentError, match="DTD"):
        read_form(_zip(members), name="entity.docx")


def test_a_blank_record_for_a_child_without_siblings_names_only_that_child():
    record = bare_record()
    data = render(
        meeting_record("ppm", record.child_id, {record.child_id: record}, generated_on=TODAY),
        OutputFormat.DOCX,
        generated_on=TODAY,
    )
    user = WordUser(data)
    user.type(labels.date_label(MeetingKind.PPM), "2024-05-21")
    completed = read_form(user.save(), name="ppm.docx")
    assert completed.meeting.children == ("C200",)
    assert completed.meeting.actions == ()
    assert completed.meeting.meeting_id == "ppm-C200-2024-05-21"


def test_a_held_meeting_keeps_its_id_when_edited():
    data = render(
        meeting_record("ppm", "C100", RECORDS, meeting=ppm(), generated_on=TODAY), OutputFormat.DOCX, generated_on=TODAY
    )
    user = WordUser(data)
    user.type(labels.AGREED_PLAN, "Primary: adoption.")
    completed = read_form(user.save(), name="ppm.docx")
    assert completed.meeting.meeting_id == "PPM-7"
    assert completed.meeting.agreed_plan == "Primary: adoption."


def test_a_huge_file_on_disk_is_refused_without_loading_it_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "huge.docx"
    path.write_bytes(blank_record())
    with pytest.raises(UnsafeDocumentError, match="larger than the limit of 1000 bytes") as info:
        read_form(path)
    assert str(info.value).startswith(str(path))
