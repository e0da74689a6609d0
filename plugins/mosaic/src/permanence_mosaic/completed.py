"""Completed pro-formas and meeting records uploaded to Mosaic as .docx, read back through the core's form reader.

Mosaic keeps uploaded documents outside the reporting warehouse, so the council exports them (the bulk
ZIP download of the document list, unpacked, or a document-store sync) into the folder named by
``[mosaic.documents] completed_forms``. Every load reads the folder: a form the reader refuses, or one
about a child this load does not hold, is a rejection naming the file; the rest go into the records.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from permanence_core.adapters import Rejection
from permanence_core.documents import CompletedProForma, CompletedRecord, read_form
from permanence_core.errors import InputError, ModelValueError
from permanence_core.model import CaseRecord

FIELD = "document"


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(str(folder), "no such folder of completed forms ([mosaic.documents] completed_forms)")
    # Word's "~$" owner files and hidden files sit beside documents being edited; they are not forms.
    return sorted(p for p in folder.rglob("*.docx") if p.is_file() and not p.name.startswith(("~$", ".")))


def _when(form: CompletedProForma | CompletedRecord) -> dt.date:
    return form.meeting.date if form.meeting else dt.date.min


def apply_completed_forms(
    records: dict[str, CaseRecord], folder: Path, rejected: list[Rejection]
) -> tuple[int, list[str]]:
    """Put every readable form in ``folder`` into ``records`` (by child id), oldest meeting first; count them."""
    forms: list[tuple[dt.date, str, CompletedProForma | CompletedRecord]] = []
    for path in _files(folder):
        try:
            form = read_form(path, name=str(path))
        except InputError as exc:
            rejected.append(Rejection(source=str(path), reason=exc.reason, field=FIELD))
            continue
        forms.append((_when(form), str(path), form))
    applied = 0
    # A later meeting's pro-forma is the newer account of the child: it is applied last, so it stands.
    for _when_held, source, form in sorted(forms, key=lambda item: (item[0], item[1])):
        children = (form.child_id,) if isinstance(form, CompletedProForma) else form.meeting.children
        used = False
        for child in children:
            if child not in records:
                rejected.append(
                    Rejection(
                        source=source,
                        reason="is about a child this load does not hold as looked after; not read for them",
                        child_id=child,
                        field="child_id",
                        value=child,
                    )
                )
                continue
            try:
                records[child] = form.apply_to(records[child])
            except (ModelValueError, ValueError) as exc:
                rejected.append(Rejection(source=source, reason=str(exc), child_id=child, field=FIELD))
                continue
            used = True
        applied += used
        if not children:
            rejected.append(Rejection(source=source, reason="names no child", field="child_id"))
    notices = [f"{applied} completed forms read from {folder}"] if forms else []
    return applied, notices
