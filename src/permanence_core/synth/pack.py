"""Writing a cohort's permanence pack: the documented CSV tables (or one compact ``pack.json``), streamed."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import attrs

from permanence_core.adapters.pack import DOCUMENTS_JSON, PACK_JSON, documents_only, files
from permanence_core.model import CaseRecord, Child, Identifiers
from permanence_core.serialization import INTERCHANGE_VERSION, record_to_dict
from permanence_core.synth.cohort import PACK_FACETS

PACK_FOLDER = Path("pack")
PACK_FILE = PACK_FOLDER / PACK_JSON
#: Every file a pack folder may hold: cleared before a cohort is written, so a folder never mixes two cohorts.
PACK_FILES = (PACK_JSON, DOCUMENTS_JSON, *(file.name for file in files.FILES))


def pack_record(record: CaseRecord) -> CaseRecord:
    """Only what the return lacks: names and NHS number, proceedings, plans, meetings, people, views."""
    child = record.child
    return attrs.evolve(
        record,
        child=Child(
            identifiers=Identifiers(case_id=child.child_id, nhs_number=child.identifiers.nhs_number),
            first_name=child.first_name,
            surname=child.surname,
        ),
        coverage=PACK_FACETS,
        periods_of_care=(),
        reviews=(),
        previous_permanence=None,
        adoption=None,
    )


def documents_record(record: CaseRecord) -> CaseRecord | None:
    """What the pack's CSV tables cannot hold (family, views, narrative, sign-offs), or None when there is none."""
    if not (record.family or record.views or record.narrative or record.signoffs):
        return None
    return documents_only(record)


def clear_pack(folder: Path) -> None:
    """Remove an earlier cohort's pack files from ``folder/pack``."""
    for name in PACK_FILES:
        (folder / PACK_FOLDER / name).unlink(missing_ok=True)


class JsonPackWriter:
    """Streams records into ``path`` as one compact interchange document (``serialization.dumps``'s content,
    without indentation), so a national cohort never has to sit in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: TextIO | None = None
        self._count = 0

    def __enter__(self) -> JsonPackWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("w", encoding="utf-8")
        self._file().write('{"schema_version":' + json.dumps(INTERCHANGE_VERSION) + ',"records":[')
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._file().write("]}\n")
        self._file().close()

    def _file(self) -> TextIO:
        if self._handle is None:
            raise RuntimeError("a pack writer writes only inside its with block")
        return self._handle

    def write(self, record: CaseRecord) -> None:
        """Append ``record`` as it is."""
        text = json.dumps(record_to_dict(record), ensure_ascii=False, separators=(",", ":"))
        self._file().write(("," if self._count else "") + text)
        self._count += 1


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


class CsvPackWriter:
    """Writes each child's pack facts to the pack's CSV tables in ``folder`` as they come.

    A meeting shared by siblings is one row (its ``children`` column lists them): the ids of shared meetings
    already written are remembered, the only state kept between children.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stack = contextlib.ExitStack()
        self._rows: dict[str, Any] = {}
        self._shared_meetings: set[str] = set()

    def __enter__(self) -> CsvPackWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        for file in files.FILES:
            handle = self._stack.enter_context((self.folder / file.name).open("w", newline="", encoding="utf-8"))
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(file.columns)
            self._rows[file.name] = writer
        # Every child of the return has a pack record, so each facet is declared for every child.
        self._rows[files.COVERAGE.name].writerows((facet.value, files.EVERY_CHILD) for facet in sorted(PACK_FACETS))
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._stack.close()

    def write(self, record: CaseRecord) -> None:
        """Write the pack part of ``record`` (see :func:`pack_record`)."""
        rows, cid, child = self._rows, record.child_id, record.child
        rows[files.CHILDREN.name].writerow(
            (cid, _text(child.first_name), _text(child.surname), _text(child.identifiers.nhs_number))
            + ("",) * 6
            + (_day(record.permanence_decision_date), _day(record.referral_date))
        )
        for plan in record.plans:
            aims = plan.residential_aims
            rows[files.PLANS.name].writerow(
                (
                    cid,
                    plan.plan_id,
                    plan.primary,
                    ";".join(plan.contingencies),
                    _day(plan.decided_on),
                    _day(plan.ratified_at_review),
                    ";".join(plan.annex_a_codes),
                    _text(plan.description),
                    _text(aims and aims.short_term),
                    _text(aims and aims.medium_term),
                    _text(aims and aims.long_term),
                )
            )
            rows[files.PLAN_STATUS.name].writerows(
                (plan.plan_id, change.status.value, _day(change.date)) for change in plan.history
            )
        for meeting in record.meetings:
            if len(meeting.children) > 1:
                if meeting.meeting_id in self._shared_meetings:
                    continue
                self._shared_meetings.add(meeting.meeting_id)
            mid = meeting.meeting_id
            rows[files.MEETINGS.name].writerow(
                (
                    mid,
                    meeting.kind.value,
                    _day(meeting.date),
                    ";".join(meeting.children),
                    _text(meeting.chair),
                    _text(meeting.summary),
                    _text(meeting.agreed_plan),
                    _day(meeting.minutes_issued_on),
                    _day(meeting.referral_received_on),
                )
            )
            rows[files.ATTENDEES.name].writerows((mid, p.name, _text(p.role), "yes") for p in meeting.present)
            rows[files.ATTENDEES.name].writerows((mid, name, "", "no") for name in meeting.apologies)
            rows[files.ACTIONS.name].writerows(
                (
                    mid,
                    a.action_id,
                    a.description,
                    _text(a.owner),
                    _day(a.due_date),
                    _day(a.completed_on),
                    ";".join(a.depends_on),
                )
                for a in meeting.actions
            )
        for number, case in enumerate(record.proceedings, start=1):
            # The model keeps no proceedings id: one per child's case is enough to hang hearings off.
            pid = f"{cid}-PR{number}"
            rows[files.PROCEEDINGS.name].writerow(
                (
                    cid,
                    pid,
                    _day(case.issue_date),
                    _text(case.court_reference),
                    _text(case.outcome),
                    _day(case.concluded_on),
                )
            )
            rows[files.HEARINGS.name].writerows((pid, _day(h.date), h.kind.value) for h in case.hearings)
            rows[files.EXTENSIONS.name].writerows((pid, _day(e.granted_on), e.weeks) for e in case.extensions)
        rows[files.SIBLINGS.name].writerows(
            (
                cid,
                _text(s.child_id),
                _text(s.name),
                _day(s.date_of_birth),
                _yes_no(s.in_concurrent_planning),
                s.plan.value,
            )
            for s in record.siblings
        )
        rows[files.WORKERS.name].writerows(
            (cid, w.worker_id, w.role.value, _text(w.name), _text(w.team), _day(w.start), _day(w.end))
            for w in record.workers
        )


class PackWriter:
    """Writes a cohort's pack into ``folder/pack``: by default the CSV tables, plus a compact
    ``documents.json`` of what they cannot hold (family, views, narrative, sign-offs); with ``as_json`` the
    whole pack as one compact ``pack.json`` instead."""

    def __init__(self, folder: Path, *, as_json: bool = False) -> None:
        self.folder = folder / PACK_FOLDER
        self.as_json = as_json
        self._stack = contextlib.ExitStack()
        self._json: JsonPackWriter | None = None
        self._csv: CsvPackWriter | None = None

    def __enter__(self) -> PackWriter:
        clear_pack(self.folder.parent)
        name = PACK_JSON if self.as_json else DOCUMENTS_JSON
        self._json = self._stack.enter_context(JsonPackWriter(self.folder / name))
        if not self.as_json:
            self._csv = self._stack.enter_context(CsvPackWriter(self.folder))
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._stack.close()

    def write(self, record: CaseRecord) -> None:
        """Append the pack part of ``record``."""
        if self._json is None:
            raise RuntimeError("a PackWriter writes only inside its with block")
        if self._csv is None:
            self._json.write(pack_record(record))
            return
        self._csv.write(record)
        documents = documents_record(record)
        if documents is not None:
            self._json.write(documents)
