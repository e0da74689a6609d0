"""The generated forms carry what the case record knows, leave clear boxes for the rest, and are real Word/HTML."""

import html
import io
import re
import zipfile

import attrs
import docx
import pytest
from documents_helpers import ALL_FACETS, D, bare_record, sample_record, sibling_record

from permanence_core.documents import (
    FieldTable,
    FormMarker,
    Grid,
    OutputFormat,
    meeting_record,
    referral_form,
    render,
)
from permanence_core.documents import proforma as pf
from permanence_core.documents import record as rec
from permanence_core.documents import referral as rf
from permanence_core.documents.formatting import NONE_RECORDED, NOT_IN_SOURCE
from permanence_core.model import Child, Identifiers, MeetingKind, Review

TODAY = D(2024, 5, 10)
RECORDS = {"C100": sample_record(), "C101": sibling_record()}


def values(layout):
    """Every box's value by label."""
    return {field.label: field.value for field in layout.fields()}


def grid(layout, caption):
    return next(b for s in layout.sections for b in s.blocks if isinstance(b, Grid) and b.caption == caption)


def test_part_one_is_prefilled_from_the_case_record():
    box = values(pf.pro_forma(RECORDS["C100"], as_of=TODAY, records=RECORDS))
    assert box[pf.NAME] == "Ada Example"
    assert box[pf.DOB] == "14 May 2019"
    assert box[pf.CASE_ID] == "C100"
    assert box[pf.SOCIAL_WORKER] == "Sam Worker (Children in Care 2)"
    assert box[pf.LEGAL_STATUS] == "Interim care order (C1), order dated 20 January 2024"
    assert box[pf.LOOKED_AFTER_SINCE] == "2 January 2024"
    assert box[pf.COURT_REFERENCE] == "ZW24C00123"
    assert box[pf.ISSUE_DATE] == "19 January 2024"
    assert box[pf.PLACEMENT].splitlines() == [
        "Fostering placement with relative(s) or friend(s) who is/are not long-term or FFA/concurrent planning (U3), "
        "since 1 February 2024",
        "Aunt and uncle",
        "Placed with siblings: yes",
    ]
    assert box[pf.SECOND_REVIEW] == "29 April 2024"
    assert box[pf.PERMANENCE_PLAN].splitlines() == [
        "Primary plan: Return to family",
        "Contingency plan: Adoption",
        "Status: agreed; decided 4 March 2024; ratified at review 29 April 2024",
    ]
    assert box[pf.PLAN_DETAILS] == "Return to mother once the parenting assessment is positive."
    assert box[pf.REASON_FOR_CARE] == "Neglect; mother unwell."
    assert box[pf.VIEWS_CHILD] == "Ada wants to live with her brother."
    assert box[pf.SIGNOFF_LABELS["team_manager"][0]] == "Tara Manager"


def test_item_20_names_the_second_review_held_not_the_latest_nor_the_only_one():
    plan = sample_record().plans[0]
    three = [Review(date=D(2024, 1, 30)), Review(date=D(2024, 4, 29)), Review(date=D(2024, 10, 28))]
    later = D(2024, 11, 4)

    def item_20(as_of, reviews, ratified_on=None):
        record = sample_record(reviews=reviews, plans=[attrs.evolve(plan, ratified_at_review=ratified_on)])
        return values(pf.pro_forma(record, as_of=as_of))[pf.SECOND_REVIEW]

    assert item_20(later, three, D(2024, 4, 29)) == "29 April 2024"
    assert item_20(later, three) == "29 April 2024 (second review held; plan not recorded as ratified)"
    assert item_20(later, three, D(2024, 10, 28)) == (
        "29 April 2024 (second review; plan ratified at the review of 28 October 2024)"
    )
    # One review held; the second booked for June or cancelled: no second review to name.
    booked = [Review(date=D(2024, 1, 30)), Review(date=D(2024, 6, 3))]
    assert item_20(TODAY, booked) == "Second review not yet held"
    cancelled = [Review(date=D(2024, 1, 30)), Review(date=D(2024, 4, 29), cancelled=True)]
    assert item_20(later, cancelled) == "Second review not yet held"
    assert item_20(later, cancelled, D(2024, 1, 30)) == (
        "Second review not yet held (plan ratified at the review of 30 January 2024)"
    )


def test_steps_taken_and_planned_come_from_the_latest_meetings_tasks_until_the_social_worker_writes_them():
    box = values(pf.pro_forma(RECORDS["C100"], as_of=TODAY, records=RECORDS))
    assert box[pf.STEPS_TAKEN] == "• Viability assessment of the aunt – Sam Worker – completed 15 March 2024"
    assert box[pf.STEPS_PLANNED].splitlines() == [
        "• Refer to adoption team – Sam Worker – by 1 April 2024",
        "• Family-finding profile – Ann Finder – by 1 May 2024",
    ]
    written = attrs.evolve(
        RECORDS["C100"], narrative=attrs.evolve(RECORDS["C100"].narrative, steps_planned="Court on 3 June.")
    )
    assert values(pf.pro_forma(written, as_of=TODAY))[pf.STEPS_PLANNED] == "Court on 3 June."


def test_siblings_fill_the_seed_numbered_rows():
    layout = pf.pro_forma(RECORDS["C100"], as_of=TODAY, records=RECORDS)
    inside = grid(layout, pf.SIBLINGS_IN)
    outside = grid(layout, pf.SIBLINGS_OUT)
    assert inside.rows[0] == ("9. Child 2", "Ben Example", "2 August 2021", "C101", "Together")
    assert inside.rows[1][0] == "11. Child 3"  # one spare row to add a sibling
    assert outside.rows[0] == ("10. Child 2", "Cal Other", "9 January 2010", "")


def test_a_bare_return_leaves_boxes_empty_for_the_social_worker_and_says_none_where_the_source_knows():
    bare = bare_record()
    box = values(pf.pro_forma(bare, as_of=TODAY))
    assert box[pf.NAME] == "C200"  # no name in a bare return: the id stands in
    # The return does not cover proceedings, workers or plans: the boxes are left to write in.
    assert box[pf.COURT_REFERENCE] is None
    assert box[pf.SOCIAL_WORKER] is None
    assert box[pf.REASON_FOR_CARE] is None
    assert box[pf.SECOND_REVIEW] == "Second review not yet held"
    inside = grid(pf.pro_forma(bare, as_of=TODAY), pf.SIBLINGS_IN)
    assert [row[0] for row in inside.rows] == ["9. Child 2", "11. Child 3", "13. Child 4", "15. Child 5"]
    # A source that covers proceedings and has none says so.
    covered = attrs.evolve(bare, coverage=ALL_FACETS)
    assert values(pf.pro_forma(covered, as_of=TODAY))[pf.COURT_REFERENCE] == NONE_RECORDED


#: Seed 000 Part One: the social worker completes the narrative items; the team and service managers sign it off.
SOCIAL_WORKER_BOXES = [
    pf.REASON_FOR_CARE,
    pf.CARE_PLAN,
    pf.PLAN_DETAILS,
    pf.STEPS_TAKEN,
    pf.STEPS_PLANNED,
    pf.AIMS_SHORT,
    pf.AIMS_MEDIUM,
    pf.AIMS_LONG,
    pf.LIFE_STORY,
    pf.FAMILY_TIME,
    pf.VIEWS_CHILD,
    pf.VIEWS_PARENTS,
    pf.VIEWS_IRO,
    pf.VIEWS_FAMILY,
    pf.BARRIERS,
    *[label for label in pf.SIGNOFF_LABELS["social_worker"] if label],
]
MANAGER_BOXES = [label for role in ("team_manager", "service_manager") for label in pf.SIGNOFF_LABELS[role] if label]


def test_every_box_a_person_writes_says_who_writes_it():
    layout = pf.pro_forma(bare_record(), as_of=TODAY)
    document = docx.Document(io.BytesIO(render(layout, OutputFormat.DOCX, generated_on=TODAY)))
    # A label cell holds the label and, under it, its hint: the words the person filling in the form sees.
    shown = {
        cell.text.split("\n")[0]: cell.text for table in document.tables for row in table.rows for cell in row.cells
    }
    page = html.unescape(render(layout, OutputFormat.HTML, generated_on=TODAY).decode())
    for boxes, who in ((SOCIAL_WORKER_BOXES, "Social worker to complete"), (MANAGER_BOXES, "Manager to complete")):
        for label in boxes:
            assert shown[label].endswith(who), (label, shown[label])
            row = page[page.index(f">{label}") :].split("</th>")[0]
            assert row.endswith(f"{who}</span>"), (label, row)
    # Part 2 is headed for the chair: none of its boxes is marked for the social worker or a manager.
    start = next(n for n, section in enumerate(layout.sections) if section.title.startswith("Part 2"))
    part_two = [f for s in layout.sections[start:] for b in s.blocks if isinstance(b, FieldTable) for f in b.fields]
    assert part_two and all(f.writer.value == "chair" and "to complete" not in f.hint_text for f in part_two)


def test_the_referral_carries_children_family_placements_legal_status_and_proceedings():
    layout = referral_form(RECORDS["C100"], as_of=TODAY, records=RECORDS)
    box = values(layout)
    assert grid(layout, rf.CHILDREN).rows == (
        ("Ada Example", "14 May 2019", "C100"),
        ("Ben Example", "2 August 2021", "C101"),
    )
    assert grid(layout, rf.FAMILY).rows[1] == ("Jo Example", "", "Maternal aunt", "Town B")
    assert grid(layout, rf.PLACEMENTS).rows == (
        ("Emergency carers", "2 January 2024", "1 February 2024"),
        ("Aunt and uncle", "1 February 2024", ""),
    )
    assert box[rf.SOCIAL_WORKER] == "Sam Worker"
    assert box[rf.TEAM] == "Children in Care 2"
    assert box[rf.HISTORY] == "Known to services since 2021."
    assert box[rf.LEGAL_STATUS].splitlines() == [
        "Interim care order (C1) since 20 January 2024",
        "Earlier: Single period of accommodation under section 20 (Children Act 1989) (V2) from 2 January 2024",
    ]
    assert box[rf.PROCEEDINGS].splitlines() == [
        "Care proceedings issued 19 January 2024, court reference ZW24C00123",
        "• Case management hearing: 30 January 2024",
    ]
    # Issue 16: chronological, each decision under the meeting held that day.
    assert box[rf.DECISIONS].splitlines() == [
        "26 February 2024: Decision to pursue permanence",
        "4 March 2024: Permanence Planning Meeting",
        "   – Plan Return to family (contingency: Adoption) agreed",
        "29 April 2024: Plan Return to family (contingency: Adoption) ratified at review",
    ]
    assert box[rf.REFERRAL_DATE] == "27 February 2024"
    assert box[rf.PROFILE] is None


def test_a_held_meetings_record_lists_its_people_and_tasks():
    layout = meeting_record("ppm", "C100", RECORDS, meeting=RECORDS["C100"].meetings[0], generated_on=TODAY)
    assert layout.title == "Permanence Planning Meeting record"
    assert layout.marker == FormMarker(form="record", children=("C100", "C101"), meeting_id="PPM-7", meeting_kind="ppm")
    assert values(layout)[rec.CHILDREN] == "Ada Example (ID C100)\nBen Example (ID C101)"
    assert grid(layout, rec.PRESENT).rows[2] == ("Fay Carer", "Foster carer")
    assert grid(layout, rec.ACTIONS).rows[2] == ("3", "Family-finding profile", "Ann Finder", "1 May 2024", "", "2")
    assert grid(layout, rec.ACTIONS).blank_rows == 0


def docx_document(layout):
    return docx.Document(io.BytesIO(render(layout, OutputFormat.DOCX, generated_on=TODAY)))


def test_word_output_is_a4_with_real_headings_and_tables():
    document = docx_document(pf.pro_forma(RECORDS["C100"], as_of=TODAY, records=RECORDS))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", "Permanence Tracker Meeting Pro-Forma")
    assert ("Heading 2", "Part 1 – to be completed by the child's Social Worker") in headings
    assert any(text.startswith("Part 2") for _style, text in headings)
    assert len(document.tables) >= 15
    # Header rows repeat on each page and are marked as headers for screen readers.
    headers = document.element.body.findall(".//" + docx.oxml.ns.qn("w:tblHeader"))
    assert len(headers) == sum(
        1 for s in pf.pro_forma(RECORDS["C100"], as_of=TODAY).sections for b in s.blocks if isinstance(b, Grid)
    )
    assert document.sections[0].header.paragraphs[0].text == "OFFICIAL-SENSITIVE"


def test_word_properties_mark_the_form_and_hold_ids_only():
    document = docx_document(pf.pro_forma(RECORDS["C100"], as_of=TODAY, records=RECORDS))
    props = document.core_properties
    assert FormMarker.from_text(props.identifier) == FormMarker(
        form="pro-forma", children=("C100", "C101"), meeting_kind="tracking_panel"
    )
    assert props.language == "en-GB"
    metadata = " ".join(
        str(getattr(props, name)) for name in ("title", "subject", "keywords", "comments", "identifier")
    )
    for personal in ("Ada", "Example", "2019"):
        assert personal not in metadata


def test_word_files_have_fixed_member_timestamps():
    data = render(pf.pro_forma(RECORDS["C100"], as_of=TODAY), OutputFormat.DOCX, generated_on=TODAY)
    stamps = {info.date_time for info in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    assert stamps == {(2024, 5, 10, 0, 0, 0)}


def html_of(layout, **context):
    return render(layout, OutputFormat.HTML, generated_on=TODAY, context=context).decode("utf-8")


def test_html_is_accessible_and_prints_on_a4():
    page = html_of(pf.pro_forma(RECORDS["C100"], as_of=TODAY, records=RECORDS))
    assert '<html lang="en-GB">' in page
    assert "<title>Permanence Tracker Meeting Pro-Forma</title>" in page
    assert "@page { size: A4" in page
    assert '<section class="page-break">' in page  # Part 2 starts on a new page
    assert '<th scope="row">1. Name of 1st child</th>' in page
    assert '<th scope="col">Name</th>' in page
    assert "<caption>7. Siblings also subject to concurrent permanence planning" in page
    # Empty boxes announce themselves to screen readers and are plain boxes on paper.
    assert re.search(r'class="value to-fill"[^>]*><span class="visually-hidden">Empty: Social worker to complete', page)
    assert page.count("<h1>") == 1


def test_html_escapes_what_people_typed():
    child = Child(identifiers=Identifiers(case_id="C9"), first_name="<script>alert(1)</script>", surname="&Co")
    record = attrs.evolve(bare_record(), child=child)
    page = html_of(pf.pro_forma(record, as_of=TODAY))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;Co" in page


@pytest.mark.parametrize("kind", list(MeetingKind))
def test_every_kind_of_meeting_has_a_record(kind):
    layout = meeting_record(kind, "C100", RECORDS, generated_on=TODAY)
    assert layout.title == f"{rec.KIND_TITLES[kind]} record"
    assert rec.date_label(kind) in values(layout)
    assert "Permanence" in html_of(layout)


def test_control_characters_from_a_case_system_do_not_break_the_word_file():
    """Database text carries vertical tabs and Windows line ends; XML 1.0 forbids the first."""
    child = Child(identifiers=Identifiers(case_id="C100"), first_name="Ada\x0b", surname="Example")
    narrative = attrs.evolve(sample_record().narrative, reason_for_care="Neglect.\r\nMother\x0c unwell.")
    record = attrs.evolve(sample_record(), child=child, narrative=narrative)
    document = docx_document(pf.pro_forma(record, as_of=TODAY))
    texts = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Ada Example" in texts
    assert "Neglect.\nMother unwell." in texts


def test_an_empty_box_whose_facts_are_not_in_source_says_so():
    def fields(record):
        return {field.label: field for field in pf.pro_forma(record, as_of=TODAY).fields()}

    bare = fields(bare_record())
    # A bare return holds no workers or proceedings: the box stays empty to write in, and says why.
    for label in (pf.SOCIAL_WORKER, pf.COURT_REFERENCE):
        assert bare[label].value is None
        assert bare[label].hint_text.startswith(NOT_IN_SOURCE)
    covered = fields(attrs.evolve(bare_record(), coverage=ALL_FACETS))
    assert NOT_IN_SOURCE not in covered[pf.SOCIAL_WORKER].hint_text
    assert NOT_IN_SOURCE not in covered[pf.COURT_REFERENCE].hint_text
