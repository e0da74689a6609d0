"""Request bodies for the council's Mosaic gateway: document uploads and case notes with Mosaic's own fields.

Mosaic's screens define the fields (research/case_systems.md section 1.1): a document has a category,
sub-category and a display name of at most 80 characters, and only extensions the council's
administrator allows; a case note has a note type, title, contact date, rich-text body, a
"significant event" flag and alert recipients, who are emailed once the note is finished. Mosaic has
no work tray to post to, so a work-tray alert goes to the gateway as a case note with a recipient.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import mimetypes
from pathlib import PurePath

from permanence_core.errors import PayloadRefused
from permanence_core.writeback import CaseNote, DocumentUpload, Payload, WorkTrayAlert, WriteBackItem
from permanence_mosaic.config import DEFAULT_CASE_NOTES, DEFAULT_DOCUMENTS, CaseNoteSettings, DocumentSettings

#: Mosaic cuts document names to 80 characters; cutting them here keeps the cut where we choose.
MAX_NAME = 80

#: Mosaic emails a case note's alert recipients only once the note is finished, so notes are sent complete.
NOTE_STATUS = "complete"


def display_name(text: str, limit: int = MAX_NAME) -> str:
    """``text`` on one line, cut to ``limit`` characters at a word boundary where one is near."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rstrip()
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


def file_name(name: str, limit: int = MAX_NAME) -> str:
    """``name`` with its stem shortened so the whole name, extension included, fits ``limit``."""
    path = PurePath(name)
    stem = path.stem[: max(1, limit - len(path.suffix))]
    return f"{stem}{path.suffix}"


def html_paragraphs(text: str) -> str:
    """Plain text as the rich-text body Mosaic shows: one escaped paragraph a line."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def _note(
    child_id: str,
    note_type: str,
    title: str,
    contact_date: dt.date | None,
    body: str,
    significant: bool,
    recipients: tuple[str, ...],
) -> dict[str, object]:
    return {
        "person_id": child_id,
        "note_type": note_type,
        "title": title,
        "contact_date": contact_date.isoformat() if contact_date else None,
        "body": body,
        "significant_event": significant,
        "alert_recipients": list(recipients),
        "status": NOTE_STATUS,
    }


def mosaic_payload(
    item: WriteBackItem,
    *,
    documents: DocumentSettings = DEFAULT_DOCUMENTS,
    case_notes: CaseNoteSettings = DEFAULT_CASE_NOTES,
    case_note_path: str | None = None,
) -> Payload:
    """The gateway request for ``item``; ValueError (a failed receipt, never sent) when Mosaic would refuse it.

    ``case_note_path`` is where case notes go, so that a work-tray alert is posted there as a note.
    """
    if isinstance(item, DocumentUpload):
        return _document(item, documents)
    if isinstance(item, CaseNote):
        note = _note(
            item.child_id,
            item.note_type,
            item.title,
            item.contact_date,
            item.body,
            item.significant,
            item.recipients,
        )
        return Payload(json=note)
    return _alert_note(item, case_notes, case_note_path)


def _document(item: DocumentUpload, documents: DocumentSettings) -> Payload:
    extension = PurePath(item.filename).suffix.lower().lstrip(".")
    if extension not in documents.allowed_extensions:
        allowed = ", ".join(sorted(documents.allowed_extensions))
        raise PayloadRefused(f"Mosaic does not accept .{extension} files here (allowed: {allowed})")
    if not item.content:
        raise PayloadRefused("Mosaic refuses empty (zero-byte) documents")
    filed = documents.category_for(item.document_type)
    name = file_name(item.filename)
    metadata = {
        "person_id": item.child_id,
        "category": item.category or filed.category,
        "sub_category": filed.sub_category,
        "display_name": display_name(item.title or "") or display_name(PurePath(name).stem),
        "file_name": name,
        "document_type": item.document_type,
    }
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Payload(
        fields={"metadata": json.dumps(metadata, ensure_ascii=False)},
        files={"file": (name, item.content, mime)},
    )


def _alert_note(item: WorkTrayAlert, settings: CaseNoteSettings, path: str | None) -> Payload:
    lines = [item.body]
    if item.due_date:
        lines.append(f"Due: {item.due_date.isoformat()}")
    note = _note(
        item.child_id,
        settings.note_type,
        item.title,
        item.due_date,
        html_paragraphs("\n".join(lines)),
        False,
        (item.recipient_id,) if item.recipient_id else (),
    )
    # Without a worker id the gateway is told the role, to resolve against the child's allocations.
    note["recipient_role"] = item.recipient_role
    return Payload(json=note, path=path)
