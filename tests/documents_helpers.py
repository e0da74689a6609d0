"""Synthetic case records for the document tests, and a filler that types into a form as a social worker would."""

import copy
import datetime as dt
import io

import docx
from docx.oxml.ns import qn

from permanence_core.model import (
    Action,
    AllocatedWorker,
    Attendee,
    CareOffer,
    CareProceedings,
    CaseNarrative,
    CaseRecord,
    Child,
    FamilyMember,
    Hearing,
    Identifiers,
    LegalStatusSpell,
    Meeting,
    PeriodOfCare,
    PermanencePlan,
    PlacementSpell,
    Review,
    Sibling,
    StatusChange,
    Views,
)

D = dt.date
ALL_FACETS = ["care", "reviews", "adoption", "plans", "meetings", "proceedings", "siblings", "workers"]


def ppm(**fields):
    """A held PPM for C100 and its sibling C101, with three tasks, one done and one waiting on another."""
    values = {
        "meeting_id": "PPM-7",
        "kind": "ppm",
        "date": D(2024, 3, 4),
        "chair": "Tara Manager",
        "children": ("C100", "C101"),
        "present": (
            Attendee(name="Tara Manager", role="Team Manager (chair)"),
            Attendee(name="Sam Worker", role="Social worker"),
            Attendee(name="Fay Carer", role="Foster carer"),
        ),
        "apologies": ("Ira Reviewer (IRO)",),
        "summary": "Parallel planning agreed.\nAssessment of the maternal aunt under way.",
        "agreed_plan": "Primary: return to family. Contingency: adoption.",
        "actions": (
            Action(
                action_id="1",
                description="Viability assessment of the aunt",
                owner="Sam Worker",
                due_date=D(2024, 3, 18),
                completed_on=D(2024, 3, 15),
            ),
            Action(action_id="2", description="Refer to adoption team", owner="Sam Worker", due_date=D(2024, 4, 1)),
            Action(
                action_id="3",
                description="Family-finding profile",
                owner="Ann Finder",
                due_date=D(2024, 5, 1),
                depends_on=("2",),
            ),
        ),
    }
    values.update(fields)
    return Meeting(**values)


def sample_record(**fields):
    """Ada Example, C100: in care since 2 January 2024 on an interim care order, with a sibling and a plan."""
    values = {
        "child": Child(
            identifiers=Identifiers(case_id="C100"), first_name="Ada", surname="Example", date_of_birth=D(2019, 5, 14)
        ),
        "coverage": ALL_FACETS,
        "periods_of_care": [PeriodOfCare(start=D(2024, 1, 2))],
        "legal_statuses": [
            LegalStatusSpell(code="V2", start=D(2024, 1, 2), end=D(2024, 1, 20)),
            LegalStatusSpell(code="C1", start=D(2024, 1, 20)),
        ],
        "placements": [
            PlacementSpell(placement_type="U6", start=D(2024, 1, 2), end=D(2024, 2, 1), description="Emergency carers"),
            PlacementSpell(placement_type="U3", start=D(2024, 2, 1), with_siblings=True, description="Aunt and uncle"),
        ],
        "reviews": [Review(date=D(2024, 1, 30)), Review(date=D(2024, 4, 29))],
        "proceedings": [
            CareProceedings(
                issue_date=D(2024, 1, 19),
                court_reference="ZW24C00123",
                hearings=[Hearing(date=D(2024, 1, 30), kind="cmh")],
            )
        ],
        "permanence_decision_date": D(2024, 2, 26),
        "plans": [
            PermanencePlan(
                primary="return_to_family",
                contingencies=("adoption",),
                decided_on=D(2024, 3, 4),
                ratified_at_review=D(2024, 4, 29),
                history=[StatusChange(status="agreed", date=D(2024, 3, 4))],
                description="Return to mother once the parenting assessment is positive.",
            )
        ],
        "meetings": [ppm()],
        "referral_date": D(2024, 2, 27),
        "siblings": [
            Sibling(
                name="Ben Example",
                date_of_birth=D(2021, 8, 2),
                child_id="C101",
                in_concurrent_planning=True,
                plan="together",
            ),
            Sibling(name="Cal Other", date_of_birth=D(2010, 1, 9), in_concurrent_planning=False),
        ],
        "family": [
            FamilyMember(name="Mia Example", date_of_birth=D(1995, 6, 1), relationship="Mother", whereabouts="Town A"),
            FamilyMember(name="Jo Example", relationship="Maternal aunt", whereabouts="Town B"),
        ],
        "workers": [
            AllocatedWorker(worker_id="W1", role="social_worker", name="Sam Worker", team="Children in Care 2"),
            AllocatedWorker(worker_id="W2", role="team_manager", name="Tara Manager"),
            AllocatedWorker(worker_id="W3", role="service_manager", name="Seb Senior"),
        ],
        "views": Views(
            child="Ada wants to live with her brother.",
            offers_to_care=[CareOffer(name="Jo Example", relationship="Maternal aunt", detail="Long-term care")],
        ),
        "narrative": CaseNarrative(reason_for_care="Neglect; mother unwell.", history="Known to services since 2021."),
    }
    values.update(fields)
    return CaseRecord(**values)


def sibling_record():
    """Ben Example, C101, Ada's brother."""
    return CaseRecord(
        child=Child(
            identifiers=Identifiers(case_id="C101"), first_name="Ben", surname="Example", date_of_birth=D(2021, 8, 2)
        ),
        coverage=ALL_FACETS,
        periods_of_care=[PeriodOfCare(start=D(2024, 1, 2))],
        meetings=[ppm()],
    )


def bare_record(child_id="C200", start=None):
    """A child as a bare SSDA903 return gives it: ids, dates and care history only."""
    start = start or D(2024, 5, 20)
    return CaseRecord(
        child=Child(identifiers=Identifiers(case_id=child_id), date_of_birth=D(2016, 2, 29)),
        coverage=["care", "reviews", "adoption"],
        periods_of_care=[PeriodOfCare(start=start)],
        legal_statuses=[LegalStatusSpell(code="V2", start=start)],
        placements=[PlacementSpell(placement_type="U6", start=start)],
    )


class WordUser:
    """Opens a generated .docx and types into it the way a social worker does in Word."""

    def __init__(self, data: bytes):
        self.document = docx.Document(io.BytesIO(data))

    def _label_cells(self):
        for table in self.document.tables:
            for row in table.rows:
                tcs = row._tr.tc_lst
                for index, tc in enumerate(tcs[:-1]):
                    yield tc, tcs[index + 1], table

    def type(self, label: str, text: str) -> None:
        """Type ``text`` into the box labelled ``label``: the first line into the empty paragraph, then Enter."""
        for label_tc, value_tc, table in self._label_cells():
            first = next(
                (p for p in label_tc.iter(qn("w:p")) if "".join(t.text or "" for t in p.iter(qn("w:t")))), None
            )
            if first is not None and "".join(t.text or "" for t in first.iter(qn("w:t"))) == label:
                cell = docx.table._Cell(value_tc, table)
                for extra in cell.paragraphs[1:]:
                    extra._p.getparent().remove(extra._p)
                paragraph = cell.paragraphs[0]
                for run in paragraph.runs:
                    run._r.getparent().remove(run._r)
                for index, line in enumerate(text.split("\n")):
                    target = paragraph if index == 0 else cell.add_paragraph()
                    target.add_run(line)
                return
        raise AssertionError(f"no box labelled {label!r}")

    def table_with_header(self, first_column: str, second_column: str):
        for table in self.document.tables:
            cells = [c.text for c in table.rows[0].cells]
            if cells[:2] == [first_column, second_column]:
                return table
        raise AssertionError(f"no table headed {first_column!r}")

    def fill_rows(self, table, rows) -> None:
        """Type into the empty rows of ``table``, adding rows (Word's 'Insert row below') when they run out."""
        empty = [r for r in table.rows[1:] if not any(c.text for c in r.cells)]
        for values in rows:
            if empty:
                row = empty.pop(0)
            else:
                last = table.rows[-1]._tr
                new = copy.deepcopy(last)
                for t in new.iter(qn("w:t")):
                    t.text = ""
                last.addnext(new)
                row = table.rows[-1]
            for cell, value in zip(row.cells, values, strict=True):
                cell.paragraphs[0].add_run(value)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()
