"""Bolton end to end (seed 004): warehouse → records → ``bolton`` profile → Team Manager work-tray task → PPM record.

At four weeks looked after, the allocated Team Manager gets one work-tray task to convene the PPM; a rerun
that day sends nothing; the next day it is overdue and sent again, once; once the PPM is on the record the
prompt is resolved and the PPM record (a .docx) and a case note go to LCS through the same gateway.
Gateway faults (timeouts, 500s, 429, lost answers, a partly failed batch) lose nothing and send nothing twice.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from permanence_liquidlogic.alerts import work_tray_tasks

from permanence_core import api
from permanence_core.documents import CompletedRecord, OutputFormat, meeting_record, read_form, render
from permanence_core.model import MeetingKind
from permanence_core.writeback import CaseNote, DocumentUpload, ReceiptStatus

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]

START = dt.date(2025, 3, 3)  # a Monday
FOUR_WEEKS = START + dt.timedelta(weeks=4)
SETTINGS = 'person_id_field = "LEGACY_ID"\ncasenote_type_code = "PERM"\ndocument_category = "Permanence"\n'


def _child(person_id: int, manager: int) -> dict[str, list[tuple]]:
    """A child who became looked after on START, with a first review held and a Team Manager allocated."""
    meeting = 900 + person_id
    return {
        "persons": [(person_id, f"L{person_id}", None, "Synthia", f"Testwell{person_id}", "2019-05-05", "F", None)],
        "episodes": [(person_id, person_id, 60 + person_id, START.isoformat(), None, None)],
        "legal_statuses": [(person_id, person_id, "C1 - Interim Care Order", START.isoformat(), None)],
        "meetings": [(meeting, "CLAReview", "2025-03-27 10:00:00", "N")],
        "subjects": [(meeting, person_id, None)],
        "reviews": [(person_id, meeting, person_id, "2025-03-31", "2025-03-27 10:00:00")],
        "involvements": [
            (2 * person_id, person_id, 301, "CW", START.isoformat(), None, "Team A"),
            (2 * person_id + 1, person_id, manager, "TM", START.isoformat(), None, "Team A"),
        ],
    }


def _build(warehouse: Warehouse, rows: dict[str, list[tuple]], settings: str, *children: dict[str, list[tuple]]):
    tables = {key: [] for key in rows}
    tables.update(persons=[rows["persons"][0]], workers=rows["workers"])
    for child in children:
        for key, values in child.items():
            tables[key] = tables[key] + values
    return warehouse(**tables, settings=SETTINGS + settings)


def _nightly(source: str, options: Mapping[str, Any], as_of: dt.date):
    """What the council's nightly job does: load, evaluate Bolton's profile, raise what changed."""
    loaded = api.load("liquidlogic", source, options)
    evaluation = api.evaluate(loaded.records, profile="bolton", as_of=as_of)
    with api.writer("liquidlogic", options) as writer:
        run = writer.raise_alerts(
            evaluation.alerts,
            work_tray_tasks(loaded.records, as_of),
            resolved_in=[record.child_id for record in loaded.records],
        )
    return loaded, evaluation, run


def test_bolton_from_warehouse_to_work_tray_task_and_ppm_record(
    warehouse: Warehouse, rows, gateway_settings, lcs_gateway
) -> None:
    source, options = _build(warehouse, rows, gateway_settings, _child(501, manager=302))

    loaded, evaluation, run = _nightly(source, options, FOUR_WEEKS)

    assert not loaded.rejected
    assert [(a.rule, a.status.value, a.due_date) for a in evaluation.alerts] == [
        ("ppm.convene_prompt", "upcoming", FOUR_WEEKS)
    ]
    assert run.summary()["sent"] == 1
    [task] = lcs_gateway.created
    assert task["kind"] == "work-tray"
    assert task["body"]["personId"] == "L501"
    assert (task["body"]["recipientWorkerId"], task["body"]["recipientRole"]) == ("302", "team_manager")
    assert task["body"]["dueDate"] == FOUR_WEEKS.isoformat()
    assert task["body"]["subject"] == "Team Manager to convene the PPM (child looked after 4 weeks): upcoming"
    assert lcs_gateway.requests[0].url == "https://lcs-gateway.example.test/permanence/people/L501/work-tray"
    assert lcs_gateway.requests[0].headers["Authorization"] == "Bearer synthetic-token"

    # The same night again: nothing is sent.
    _, _, again = _nightly(source, options, FOUR_WEEKS)
    assert (again.summary()["sent"], again.summary()["unchanged"], len(lcs_gateway.requests)) == (0, 1, 1)

    # The next day the prompt is overdue: raised again, once.
    for _ in range(2):
        _, _, later = _nightly(source, options, FOUR_WEEKS + dt.timedelta(days=1))
    assert len(lcs_gateway.created) == 2
    assert lcs_gateway.created[1]["body"]["subject"].endswith(": overdue")
    assert later.summary()["unchanged"] == 1

    # The PPM is held: the prompt is resolved (recorded, not sent) and the PPM record goes to the child's file.
    ppm_day = dt.date(2025, 4, 24)
    with sqlite3.connect(Path(source.removeprefix("sqlite:///")).parent / "child_social.db") as db:
        db.execute("INSERT INTO FACT_MEETINGS VALUES (93, 'PPM', ?, 'N')", (f"{ppm_day} 14:00:00",))
        db.execute("INSERT INTO FACT_MEETING_SUBJECTS (FACT_MEETINGS_ID, DIM_PERSON_ID) VALUES (93, 501)")
    db.close()
    loaded, evaluation, resolved = _nightly(source, options, ppm_day + dt.timedelta(days=1))
    assert (resolved.summary()["resolved"], resolved.summary()["sent"]) == (1, 0)
    assert evaluation.alerts == ()

    records = {record.child_id: record for record in loaded.records}
    [meeting] = records["L501"].meetings
    layout = meeting_record(MeetingKind.PPM, "L501", records, meeting=meeting, generated_on=ppm_day)
    document = DocumentUpload(
        child_id="L501",
        document_type="ppm-record",
        filename=f"L501_ppm_{meeting.meeting_id}.docx",
        content=render(layout, OutputFormat.DOCX, generated_on=ppm_day),
        title="Permanence Planning Meeting record",
    )
    note = CaseNote(
        child_id="L501",
        note_type="permanence",
        title="Permanence Planning Meeting held",
        contact_date=ppm_day,
        body="The PPM record is on the child's file.",
        recipients=("302",),
    )
    with api.writer("liquidlogic", options) as writer:
        receipts = writer.deliver([document, note])
    assert [r.status for r in receipts] == [ReceiptStatus.DELIVERED] * 2
    uploaded, case_note = lcs_gateway.created[2:]
    assert (uploaded["kind"], uploaded["body"]["category"], uploaded["body"]["fileName"]) == (
        "documents",
        "Permanence",
        "L501_ppm_93.docx",
    )
    completed = read_form(uploaded["content"], name="uploaded PPM record")
    assert isinstance(completed, CompletedRecord)
    assert (completed.meeting.meeting_id, completed.meeting.kind, completed.meeting.date) == (
        "93",
        MeetingKind.PPM,
        ppm_day,
    )
    assert (case_note["kind"], case_note["body"]["caseNoteTypeCode"]) == ("case-notes", "PERM")

    # Uploading again (a rerun of the job) sends nothing.
    with api.writer("liquidlogic", options) as writer:
        assert [r.status for r in writer.deliver([document, note])] == [ReceiptStatus.DUPLICATE] * 2
    assert len(lcs_gateway.created) == 4


def test_gateway_faults_lose_nothing_and_send_nothing_twice(
    warehouse: Warehouse, rows, gateway_settings, lcs_gateway
) -> None:
    source, options = _build(
        warehouse, rows, gateway_settings, _child(501, manager=302), _child(502, manager=302), _child(503, manager=303)
    )
    lcs_gateway.fail("L501", "lost")  # created, but the answer never arrives: the retry must not create again
    lcs_gateway.fail("L502", "timeout", "429")  # delivered on the third try
    lcs_gateway.fail("L503", "500", "500", "500")  # fails all three tries this run

    _, _, first = _nightly(source, options, FOUR_WEEKS)

    assert first.summary() | {"unchanged": 0} == {
        "new": 3,
        "changed": 0,
        "resolved": 0,
        "unchanged": 0,
        "sent": 2,
        "duplicate": 0,
        "held": 0,
        "failed": 1,
        "recorded": 0,
    }
    failed = next(r for r in first.receipts if r.status is ReceiptStatus.FAILED)
    assert failed.detail == "HTTP 500 Internal Server Error after 3 attempts"
    assert sorted(item["body"]["personId"] for item in lcs_gateway.created) == ["L501", "L502"]

    # The next run raises the failed one again; the delivered ones are not sent.
    _, _, second = _nightly(source, options, FOUR_WEEKS)
    assert (second.summary()["sent"], second.summary()["unchanged"], second.summary()["failed"]) == (1, 2, 0)
    _, _, third = _nightly(source, options, FOUR_WEEKS)
    assert third.summary()["sent"] == 0

    # Tries: L501 twice (the answer lost, then the first answer again), L502 three times, L503 three plus one.
    tries = [request.url.split("/")[-2] for request in lcs_gateway.requests]
    assert {child: tries.count(child) for child in ("L501", "L502", "L503")} == {"L501": 2, "L502": 3, "L503": 4}
    created = [(item["body"]["personId"], item["body"]["recipientWorkerId"]) for item in lcs_gateway.created]
    assert sorted(created) == [("L501", "302"), ("L502", "302"), ("L503", "303")]
    assert len({item["key"] for item in lcs_gateway.created}) == 3


def test_a_partly_failed_document_batch_is_completed_by_the_rerun(
    warehouse: Warehouse, rows, gateway_settings, lcs_gateway
) -> None:
    _source, options = _build(warehouse, rows, gateway_settings, _child(501, manager=302), _child(502, manager=302))
    documents = [
        DocumentUpload(child_id="L501", document_type="ppm-record", filename="L501_ppm.html", content=b"<p>1</p>"),
        DocumentUpload(child_id="L502", document_type="ppm-record", filename="L502_ppm.html", content=b"<p>2</p>"),
        DocumentUpload(child_id="L501", document_type="ppm-minutes", filename="L501_minutes.html", content=b"<p>3</p>"),
    ]
    lcs_gateway.fail("L502", "500", "timeout", "500")

    with api.writer("liquidlogic", options) as writer:
        first = writer.deliver(documents)
    with api.writer("liquidlogic", options) as writer:
        second = writer.deliver(documents)
        assert [record.child_id for record in writer.failed()] == []

    assert [r.status for r in first] == [ReceiptStatus.DELIVERED, ReceiptStatus.FAILED, ReceiptStatus.DELIVERED]
    assert [r.status for r in second] == [ReceiptStatus.DUPLICATE, ReceiptStatus.DELIVERED, ReceiptStatus.DUPLICATE]
    assert sorted(item["body"]["fileName"] for item in lcs_gateway.created) == [
        "L501_minutes.html",
        "L501_ppm.html",
        "L502_ppm.html",
    ]
