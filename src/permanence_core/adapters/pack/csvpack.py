"""Reading the pack's CSV files into one partial CaseRecord per child, rejecting bad rows with their location."""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator
from pathlib import Path
from sys import intern
from typing import Any

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.pack import files
from permanence_core.adapters.pack.files import EVERY_CHILD, PackFile, Row
from permanence_core.adapters.ssda903.csvsource import bounded_lines, encoding_of
from permanence_core.adapters.ssda903.report import TableCount, Unreadable, rejection
from permanence_core.adapters.ssda903.values import RowError
from permanence_core.errors import ModelValueError
from permanence_core.model import (
    Action,
    Attendee,
    CaseRecord,
    Child,
    Extension,
    Facet,
    Hearing,
    Identifiers,
    Meeting,
    PermanencePlan,
    StatusChange,
)

NOT_IN_RETURN = "is not a child in the SSDA903 return"
# What the pack holds of a plan, a meeting and proceedings until their own files have been read.
_HeldPlan = tuple[str, PermanencePlan, list[StatusChange]]
_HeldMeeting = tuple[Meeting, list[str], list[Attendee], list[str], list[Action]]
_HeldProceedings = tuple[list[str], list[Hearing], list[Extension]]
#: The facet completed by the files that name no child themselves (their rows hang off a plan, meeting or case).
_PARENT_FACET = {
    files.PLAN_STATUS.name: Facet.PLANS,
    files.ATTENDEES.name: Facet.MEETINGS,
    files.ACTIONS.name: Facet.MEETINGS,
    files.HEARINGS.name: Facet.PROCEEDINGS,
    files.EXTENSIONS.name: Facet.PROCEEDINGS,
}


@attrs.define
class _Child:
    """What the pack's CSV rows say about one child so far."""

    child: Child | None = None
    decision: Any = None
    referral: Any = None
    plans: list[str] = attrs.field(factory=list)
    meetings: list[str] = attrs.field(factory=list)
    proceedings: list[tuple[str, Any]] = attrs.field(factory=list)
    siblings: list[Any] = attrs.field(factory=list)
    workers: list[Any] = attrs.field(factory=list)
    facets: set[Facet] = attrs.field(factory=set)


def file_facet(file: PackFile) -> Facet | None:
    """The facet a pack file feeds (its own, or the facet of the file its rows hang off); None for coverage.csv."""
    return file.facet or _PARENT_FACET.get(file.name)


@attrs.define
class CsvPack:
    """Reads the pack CSV files in ``folder``; ``children`` are the child ids of the return.

    ``facets``: only the files feeding these facets are read, and coverage.csv declares only these (None:
    every file). A facet not read is not in any child's coverage: not loaded, never "none".
    """

    folder: Path
    children: Collection[str]
    facets: frozenset[Facet] | None = None
    rejected: list[Rejection] = attrs.field(factory=list)
    counts: list[TableCount] = attrs.field(factory=list)
    notices: list[str] = attrs.field(factory=list)
    declared: set[Facet] = attrs.field(factory=set)
    withheld: dict[str, set[Facet]] = attrs.field(factory=dict)
    _facts: dict[str, _Child] = attrs.field(factory=dict)
    _plans: dict[str, _HeldPlan] = attrs.field(factory=dict)
    _meetings: dict[str, _HeldMeeting] = attrs.field(factory=dict)
    _proceedings: dict[str, _HeldProceedings] = attrs.field(factory=dict)
    #: The same people attend meeting after meeting: attendees are frozen, so one object serves every meeting
    #: they attend (as pack.json's reader shares them). Kept while the pack is read only.
    _attendees: dict[tuple[str, str, str], tuple[Attendee, bool]] = attrs.field(factory=dict)

    def read(self) -> dict[str, CaseRecord]:
        """Read the files in dependency order and return the pack's record of each child it mentions."""
        handlers = {
            files.CHILDREN.name: self._child,
            files.PLANS.name: self._plan,
            files.PLAN_STATUS.name: self._plan_status,
            files.MEETINGS.name: self._meeting,
            files.ATTENDEES.name: self._attendee,
            files.ACTIONS.name: self._action,
            files.PROCEEDINGS.name: self._proceedings_row,
            files.HEARINGS.name: self._hearing,
            files.EXTENSIONS.name: self._extension,
            files.SIBLINGS.name: self._sibling,
            files.WORKERS.name: self._worker,
            files.COVERAGE.name: self._coverage,
        }
        known = {file.name for file in files.FILES}
        for found in sorted(self.folder.glob("*.csv")):
            if found.name.lower() not in known:
                self.notices.append(f"pack/{found.name}: not a permanence pack file; ignored")
        for file in files.FILES:
            path = self._path(file.name)
            if path is not None and self._wanted(file_facet(file)):
                self._read_file(file, path, handlers[file.name])
        return {child_id: self._record(child_id, facts) for child_id, facts in self._facts.items()}

    def _wanted(self, facet: Facet | None) -> bool:
        return facet is None or self.facets is None or facet in self.facets

    def _path(self, name: str) -> Path | None:
        for path in self.folder.glob("*"):
            if path.name.lower() == name and path.is_file():
                return path
        return None

    def _read_file(self, file: PackFile, path: Path, handle: Any) -> None:
        source = f"pack/{path.name}"
        counts = [0, 0]
        with path.open(encoding=encoding_of(path), newline="") as stream:
            reader = csv.reader(bounded_lines(stream))
            try:
                self._read_rows(file, source, reader, handle, counts)
            except Unreadable as exc:
                self._unreadable(file, source, exc.line, exc.reason, counts)
            except csv.Error as exc:
                reason = f"the CSV cannot be read past this line: {exc}"
                self._unreadable(file, source, reader.line_num, reason, counts)
        self.counts.append(TableCount(table=file.name, read=counts[0], rejected=counts[1]))

    def _unreadable(self, file: PackFile, source: str, line: int | None, reason: str, counts: list[int]) -> None:
        """The rest of a file that cannot be read is one rejected record; the rows before it stay loaded.

        Which children the unread rows were about is unknown, so the file's facet is withheld from every child.
        """
        counts[0] += 1
        counts[1] += 1
        facet = file_facet(file)
        if facet is not None:
            for child_id in self.children:
                self.withheld.setdefault(child_id, set()).add(facet)
        self.rejected.append(rejection(source=source, row=line, child_id=None, column=None, value=None, reason=reason))

    def _read_rows(self, file: PackFile, source: str, reader: Any, handle: Any, counts: list[int]) -> None:
        """Read the header and rows of one file; ``counts`` is [read, rejected], kept up to date row by row."""
        header = [name.strip().lower() for name in next(reader, [])]
        repeated = sorted({name for name in header if name in file.columns and header.count(name) > 1})
        if repeated:
            # Which of the two cells holds the value is a guess: the file is refused rather than half read.
            raise Unreadable(1, f"the header names column {', '.join(repeated)} twice, so the whole file was not read")
        absent = [column for column in file.columns if column not in header]
        extra = [str(at) for at, name in enumerate(header, 1) if name not in file.columns]
        if absent:
            self.notices.append(f"{source}: no column {', '.join(absent)}; read as blank")
        if extra:
            # Named by position only: in a file that is not what it seems, a header cell may be a child's detail.
            self.notices.append(f"{source}: extra columns ignored: columns {', '.join(extra)}")
        blank = dict.fromkeys(file.columns, "")
        for values in reader:
            # Names, roles, owners and stock phrases recur in every meeting: one string object per distinct text
            # (as pack.json's reader interns them), freed with the last record that holds it.
            cells = [intern(value.strip()) for value in values]
            if not any(cells):
                continue
            counts[0] += 1
            row = blank.copy()
            row.update(zip(header, cells, strict=False))
            try:
                if len(values) != len(header):
                    raise RowError(None, None, f"has {len(values)} fields where the header has {len(header)}")
                files.check_required(file, row)
                handle(row)
            except RowError as error:
                counts[1] += 1
                self._reject(file, source, reader.line_num, row, error)

    def _reject(self, file: PackFile, source: str, line: int, row: Row, error: RowError) -> None:
        affected = list(self._affected(file, row))
        for child, facet in affected:
            self.withheld.setdefault(child, set()).add(facet)
        # Rows of meetings, attendees, actions, plan statuses, hearings and extensions name no child column:
        # the rejection names the children the row is about.
        child_id: str | None = row.get("child_id", "")
        if not child_id or child_id == EVERY_CHILD:
            child_id = ";".join(dict.fromkeys(child for child, _facet in affected)) or row.get("children") or None
        self.rejected.append(
            rejection(
                source=source,
                row=line,
                child_id=child_id,
                column=error.column,
                value=error.value,
                reason=error.reason,
            )
        )

    def _affected(self, file: PackFile, row: Row) -> Iterator[tuple[str, Facet]]:
        """The children and facet a rejected row leaves incomplete (so that facet is withheld from them)."""
        if file.facet is not None and row.get("child_id") in self.children:
            yield row["child_id"], file.facet
        if file is files.MEETINGS:
            yield from ((c, Facet.MEETINGS) for c in row.get("children", "").split(";") if c.strip() in self.children)
        if file is files.PLAN_STATUS and row.get("plan_id") in self._plans:
            yield self._plans[row["plan_id"]][0], Facet.PLANS
        if file in (files.ATTENDEES, files.ACTIONS) and row.get("meeting_id") in self._meetings:
            yield from ((c, Facet.MEETINGS) for c in self._meetings[row["meeting_id"]][1])
        if file in (files.HEARINGS, files.EXTENSIONS) and row.get("proceedings_id") in self._proceedings:
            yield from ((c, Facet.PROCEEDINGS) for c in self._proceedings[row["proceedings_id"]][0])

    def _facts_of(self, child_id: str) -> _Child:
        if child_id not in self.children:
            raise RowError("child_id", child_id, NOT_IN_RETURN)
        facts = self._facts.get(child_id)
        if facts is None:
            facts = self._facts[child_id] = _Child()
        return facts

    def _child(self, row: Row) -> None:
        facts = self._facts_of(row["child_id"])
        if facts.child is not None:
            raise RowError("child_id", row["child_id"], "repeats an earlier row of this child")
        details = files.child_details(row)
        identifiers = {key: details.pop(key) for key in ("nhs_number", "upn", "former_upn", "sui") if key in details}
        facts.decision = details.pop("permanence_decision_date", None)
        facts.referral = details.pop("referral_date", None)
        try:
            facts.child = Child(identifiers=Identifiers(case_id=row["child_id"], **identifiers), **details)
        except ModelValueError as exc:
            raise RowError(exc.field, row.get(exc.field, str(exc.value)), exc.reason) from None

    def _plan(self, row: Row) -> None:
        facts = self._facts_of(row["child_id"])
        if row["plan_id"] in self._plans:
            raise RowError("plan_id", row["plan_id"], "repeats the plan_id of an earlier row")
        self._plans[row["plan_id"]] = (row["child_id"], files.plan(row), [])
        facts.plans.append(row["plan_id"])
        facts.facets.add(Facet.PLANS)

    def _plan_status(self, row: Row) -> None:
        held = self._plans.get(row["plan_id"])
        if held is None:
            raise RowError("plan_id", row["plan_id"], "is not a plan in plans.csv (or its row was rejected)")
        held[2].append(files.status_change(row))

    def _meeting(self, row: Row) -> None:
        if row["meeting_id"] in self._meetings:
            raise RowError("meeting_id", row["meeting_id"], "repeats the meeting_id of an earlier row")
        meeting = files.meeting(row)
        ours = [child_id for child_id in meeting.children if child_id in self.children]
        if not ours:
            raise RowError("children", row["children"], "names no child in the SSDA903 return")
        self._meetings[meeting.meeting_id] = (meeting, ours, [], [], [])
        for child_id in ours:
            facts = self._facts_of(child_id)
            facts.meetings.append(meeting.meeting_id)
            facts.facets.add(Facet.MEETINGS)

    def _held_meeting(self, row: Row) -> _HeldMeeting:
        held = self._meetings.get(row["meeting_id"])
        if held is None:
            raise RowError(
                "meeting_id", row["meeting_id"], "is not a meeting in meetings.csv (or its row was rejected)"
            )
        return held

    def _attendee(self, row: Row) -> None:
        _meeting, _children, present, apologies, _actions = self._held_meeting(row)
        key = (row["name"], row.get("role", ""), row.get("attended", ""))
        shared = self._attendees.get(key)
        if shared is None:
            shared = self._attendees[key] = files.attendee(row)
        person, attended = shared
        if attended:
            present.append(person)
        else:
            apologies.append(person.name)

    def _action(self, row: Row) -> None:
        actions = self._held_meeting(row)[4]
        if any(action.action_id == row["action_id"] for action in actions):
            raise RowError("action_id", row["action_id"], "repeats an action_id of this meeting")
        actions.append(files.action(row))

    def _proceedings_row(self, row: Row) -> None:
        facts = self._facts_of(row["child_id"])
        if any(pid == row["proceedings_id"] for pid, _ in facts.proceedings):
            raise RowError("proceedings_id", row["proceedings_id"], "repeats these proceedings for this child")
        facts.proceedings.append((row["proceedings_id"], files.proceedings(row)))
        self._proceedings.setdefault(row["proceedings_id"], ([], [], []))[0].append(row["child_id"])
        facts.facets.add(Facet.PROCEEDINGS)

    def _held_proceedings(self, row: Row) -> _HeldProceedings:
        held = self._proceedings.get(row["proceedings_id"])
        if held is None:
            raise RowError(
                "proceedings_id", row["proceedings_id"], "is not in proceedings.csv (or its rows were rejected)"
            )
        return held

    def _hearing(self, row: Row) -> None:
        self._held_proceedings(row)[1].append(files.hearing(row))

    def _extension(self, row: Row) -> None:
        self._held_proceedings(row)[2].append(files.extension(row))

    def _sibling(self, row: Row) -> None:
        facts = self._facts_of(row["child_id"])
        facts.siblings.append(files.sibling(row))
        facts.facets.add(Facet.SIBLINGS)

    def _worker(self, row: Row) -> None:
        facts = self._facts_of(row["child_id"])
        facts.workers.append(files.worker(row))
        facts.facets.add(Facet.WORKERS)

    def _coverage(self, row: Row) -> None:
        facet = files.coverage_facet(row)
        if not self._wanted(facet):
            return
        if row["child_id"] == EVERY_CHILD:
            self.declared.add(facet)
        else:
            self._facts_of(row["child_id"]).facets.add(facet)

    def _record(self, child_id: str, facts: _Child) -> CaseRecord:
        plans = []
        for plan_id in facts.plans:
            _child, plan, history = self._plans[plan_id]
            plans.append(attrs.evolve(plan, history=history) if history else plan)
        meetings = []
        for meeting_id in facts.meetings:
            meeting, _children, present, apologies, actions = self._meetings[meeting_id]
            if present or apologies or actions:
                meeting = attrs.evolve(meeting, present=present, apologies=apologies, actions=actions)
                self._meetings[meeting_id] = (meeting, _children, [], [], [])
            meetings.append(meeting)
        proceedings = []
        for proceedings_id, held in facts.proceedings:
            _children, hearings, extensions = self._proceedings[proceedings_id]
            proceedings.append(
                attrs.evolve(held, hearings=hearings, extensions=extensions) if hearings or extensions else held
            )
        return CaseRecord(
            child=facts.child or Child(identifiers=Identifiers(case_id=child_id)),
            coverage=facts.facets,
            plans=plans,
            meetings=meetings,
            proceedings=proceedings,
            siblings=facts.siblings,
            workers=facts.workers,
            permanence_decision_date=facts.decision,
            referral_date=facts.referral,
        )
