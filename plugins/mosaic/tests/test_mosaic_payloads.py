"""Mosaic's request bodies: documents filed by category with an 80-character name, case notes with Mosaic's fields."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st
from permanence_mosaic.config import DocumentCategory, DocumentSettings
from permanence_mosaic.payloads import MAX_NAME, display_name, file_name, mosaic_payload

from permanence_core.writeback import CaseNote, DocumentUpload, HttpGateway, ReceiptStatus, WorkTrayAlert

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SETTINGS = DocumentSettings(
    default=DocumentCategory(category="Permanence", sub_category="Permanence planning"),
    types={"pro-forma": DocumentCategory(category="Permanence", sub_category="Tracking meeting pro-forma")},
    allowed_extensions=frozenset({"docx", "pdf"}),
)


def document(**fields) -> DocumentUpload:
    values = {
        "child_id": "101",
        "document_type": "pro-forma",
        "filename": "101-pro-forma.docx",
        "content": b"PK\x03\x04 synthetic",
        "title": "Permanence Tracker Meeting pro-forma",
    }
    return DocumentUpload(**{**values, **fields})


def test_a_document_is_filed_under_its_types_category_with_the_file() -> None:
    payload = mosaic_payload(document(), documents=SETTINGS)

    assert json.loads(payload.fields["metadata"]) == {
        "person_id": "101",
        "category": "Permanence",
        "sub_category": "Tracking meeting pro-forma",
        "display_name": "Permanence Tracker Meeting pro-forma",
        "file_name": "101-pro-forma.docx",
        "document_type": "pro-forma",
    }
    assert payload.files == {"file": ("101-pro-forma.docx", b"PK\x03\x04 synthetic", DOCX)}
    assert payload.json is None


def test_other_types_take_the_default_category_and_an_items_own_category_wins() -> None:
    minutes = json.loads(mosaic_payload(document(document_type="ppm-minutes"), documents=SETTINGS).fields["metadata"])
    own = json.loads(mosaic_payload(document(category="Court"), documents=SETTINGS).fields["metadata"])

    assert (minutes["category"], minutes["sub_category"]) == ("Permanence", "Permanence planning")
    assert (own["category"], own["sub_category"]) == ("Court", "Tracking meeting pro-forma")


def test_a_document_without_a_title_is_named_after_its_file() -> None:
    metadata = json.loads(mosaic_payload(document(title="  "), documents=SETTINGS).fields["metadata"])

    assert metadata["display_name"] == "101-pro-forma"


def test_long_names_are_cut_to_80_characters() -> None:
    title = "Permanence Tracker Meeting pro-forma for the sibling group, with the chair's directions " * 2
    name = "x" * 120 + ".docx"

    metadata = json.loads(mosaic_payload(document(title=title, filename=name), documents=SETTINGS).fields["metadata"])

    assert len(metadata["display_name"]) <= MAX_NAME
    assert title.startswith(metadata["display_name"])
    assert not metadata["display_name"].endswith(" ")
    assert metadata["file_name"] == "x" * 75 + ".docx"


@given(st.text(min_size=1, max_size=300))
def test_a_display_name_is_one_line_of_at_most_80_characters(text: str) -> None:
    name = display_name(text)

    assert len(name) <= MAX_NAME
    assert "\n" not in name and "\r" not in name
    if len(" ".join(text.split())) <= MAX_NAME:
        assert name == " ".join(text.split())


@given(st.text(st.characters(categories=("L", "N")), min_size=1, max_size=200), st.sampled_from([".docx", ".pdf"]))
def test_a_file_name_keeps_its_extension_within_80_characters(stem: str, extension: str) -> None:
    name = file_name(stem + extension)

    assert len(name) <= MAX_NAME
    assert name.endswith(extension)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (document(filename="minutes.html"), "Mosaic does not accept .html files here (allowed: docx, pdf)"),
        (document(content=b""), "Mosaic refuses empty (zero-byte) documents"),
    ],
)
@responses.activate
def test_a_document_mosaic_would_refuse_fails_without_being_sent(item: DocumentUpload, reason: str) -> None:
    gateway = HttpGateway("https://gateway.test/mosaic", payloads=lambda i: mosaic_payload(i, documents=SETTINGS))

    receipt = gateway.deliver(item)

    assert receipt.status is ReceiptStatus.FAILED
    assert reason in receipt.detail
    assert len(responses.calls) == 0


def test_a_case_note_carries_mosaics_fields() -> None:
    note = CaseNote(
        child_id="101",
        note_type="PERMALERT",
        title="Second looked-after review: overdue",
        contact_date=dt.date(2024, 1, 15),
        body="<p>Synthetic body</p>",
        significant=True,
        recipients=("17", "22"),
    )

    payload = mosaic_payload(note)

    assert payload.json == {
        "person_id": "101",
        "note_type": "PERMALERT",
        "title": "Second looked-after review: overdue",
        "contact_date": "2024-01-15",
        "body": "<p>Synthetic body</p>",
        "significant_event": True,
        "alert_recipients": ["17", "22"],
        "status": "complete",
    }
    assert payload.path is None


def test_a_work_tray_alert_is_posted_as_a_case_note_to_its_recipient() -> None:
    alert = WorkTrayAlert(
        child_id="101",
        recipient_role="team_manager",
        title="PPM overdue",
        body="The PPM was due <soon> & is late.",
        due_date=dt.date(2024, 2, 1),
        recipient_id="40",
    )

    payload = mosaic_payload(alert, case_note_path="/people/{child_id}/case-notes")

    assert payload.path == "/people/{child_id}/case-notes"
    assert payload.json["alert_recipients"] == ["40"]
    assert payload.json["recipient_role"] == "team_manager"
    assert payload.json["note_type"] == "PERMANENCE"
    assert payload.json["body"] == "<p>The PPM was due &lt;soon&gt; &amp; is late.</p><p>Due: 2024-02-01</p>"
