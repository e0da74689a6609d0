"""End to end: warehouse → alerts → pro-forma generated → uploaded → case notes created; a rerun sends nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from permanence_mosaic.alerts import AlertNotes
from permanence_mosaic.config import load_config

from permanence_core import api
from permanence_core.documents import OutputFormat, pro_forma, render
from permanence_core.writeback import DocumentUpload, ReceiptStatus

AS_OF = dt.date(2024, 2, 6)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def nightly(url: str, config: Path) -> tuple[list, object, DocumentUpload]:
    """One night's run as a council would script it: load, evaluate, write the pro-forma, upload, alert."""
    options = {"config": str(config)}
    loaded = api.load("mosaic", url, options)
    evaluation = api.evaluate(loaded.records, profile="tracker-meeting", as_of=AS_OF)
    records = {record.child_id: record for record in loaded.records}
    # The tracking meeting on 8 February needs Amberly's pro-forma: its referral is overdue.
    [referral] = [a for a in evaluation.alerts if a.child_id == "101" and a.rule == "panel.referral"]
    layout = pro_forma(records[referral.child_id], as_of=AS_OF, records=records, meeting_date=referral.anchor_date)
    upload = DocumentUpload(
        child_id=referral.child_id,
        document_type="pro-forma",
        filename=f"{referral.child_id}-pro-forma-{referral.anchor_date.isoformat()}.docx",
        content=render(layout, OutputFormat.DOCX, generated_on=AS_OF),
        title="Permanence Tracker Meeting pro-forma",
    )
    notes = AlertNotes(loaded.records, as_of=AS_OF, settings=load_config(options).case_notes)
    with api.writer("mosaic", options) as writer:
        receipts = writer.deliver([upload])
        run = writer.raise_alerts(evaluation.alerts, notes, resolved_in=list(records))
    return receipts, run, upload


def test_warehouse_to_uploaded_pro_forma_and_case_notes(
    warehouse: Callable[..., str], config: Path, gateway, read_multipart
) -> None:
    url = warehouse()

    receipts, run, upload = nightly(url, config)

    assert [r.status for r in receipts] == [ReceiptStatus.DELIVERED]
    assert run.summary() == {
        "new": 5,
        "changed": 0,
        "resolved": 0,
        "unchanged": 0,
        "sent": 5,
        "duplicate": 0,
        "held": 0,
        "failed": 0,
        "recorded": 0,
    }
    document, *notes = gateway.requests
    # The pro-forma, multipart: Mosaic's filing metadata and the Word file itself.
    assert document.url == "https://gateway.test/mosaic/people/101/documents"
    assert document.headers["Idempotency-Key"] == upload.idempotency_key
    assert document.headers["Authorization"] == "Bearer synthetic-token-0001"
    parts = read_multipart(document)
    assert json.loads(parts["metadata"][1]) == {
        "person_id": "101",
        "category": "Permanence",
        "sub_category": "Tracking meeting pro-forma",
        "display_name": "Permanence Tracker Meeting pro-forma",
        "file_name": "101-pro-forma-2024-02-08.docx",
        "document_type": "pro-forma",
    }
    assert parts["file"] == ("101-pro-forma-2024-02-08.docx", upload.content)
    assert document.headers["Content-Type"].startswith("multipart/form-data")
    # One case note per alert, alerting the child's allocated social worker.
    bodies = {(json.loads(n.body)["person_id"], json.loads(n.body)["title"]): json.loads(n.body) for n in notes}
    assert {n.url for n in notes} == {
        "https://gateway.test/mosaic/people/101/case-notes",
        "https://gateway.test/mosaic/people/103/case-notes",
    }
    assert len({n.headers["Idempotency-Key"] for n in notes}) == 5
    referral = bodies[("101", "Pro-forma to tracking-meeting business support: overdue")]
    assert {key: value for key, value in referral.items() if key != "body"} == {
        "person_id": "101",
        "note_type": "PERMALERT",
        "title": "Pro-forma to tracking-meeting business support: overdue",
        "contact_date": "2024-02-06",
        "significant_event": True,
        "alert_recipients": ["17"],
        "status": "complete",
    }
    assert "3 working days before tracking panel date on 2024-02-08" in referral["body"]
    assert "Amberly" not in referral["body"]

    sent = len(gateway.requests)
    receipts, run, _upload = nightly(url, config)

    assert len(gateway.requests) == sent
    assert [r.status for r in receipts] == [ReceiptStatus.DUPLICATE]
    assert run.summary()["unchanged"] == 5
    assert run.summary()["sent"] == 0
