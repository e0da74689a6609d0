"""Generate a form, fill it as a social worker or chair would in Word, read it back: the model comes back equal."""

import datetime as dt
import io
import zipfile

import attrs
import pytest
from documents_helpers import D, WordUser, bare_record, ppm, sample_record, sibling_record
from docx.oxml import OxmlElement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permanence_core.documents import (
    CompletedProForma,
    CompletedRecord,
    OutputFormat,
    meeting_record,
    pro_forma,
    read_form,
    render,
)
from permanence_core.documents import proforma as labels
from permanence_core.documents import record as record_labels
from permanence_core.model import (
    Action,
    Attendee,
    CareOffer,
    CaseNarrative,
    Meeting,
    ResidentialAims,
    SignOff,
    Views,
)

TODAY = D(2024, 5, 10)
RECORDS = {"C100": sample_record(), "C101": sibling_record()}


def docx_of(layout):
    return render(layout, OutputFormat.DOCX, generated_on=TODAY)


def blank_pro_forma(record=None):
    record = record or bare_record()
    return docx_of(pro_forma(record, as_of=TODAY, records={record.child_id: record}))


def test_a_held_meeting_written_up_reads_back_as_the_same_meeting():
    meeting = ppm()
    data = docx_of(meeting_record("ppm", "C100", RECORDS, meeting=meeting, generated_on=TODAY))
    completed = read_form(data, name="ppm-7.docx")
    assert isinstance(completed, CompletedRecord)
    assert completed.meeting == meeting
    # Issue 16: the chair's date of a held meeting's record is the meeting's.
    assert completed.signoffs == (SignOff(role="chair", name="Tara Manager", date=meeting.date),)


def test_a_monitoring_group_record_filled_in_word_reads_back():
    data = docx_of(meeting_record("monitoring_group", "C100", RECORDS, generated_on=TODAY))
    user = WordUser(data)
    user.type(record_labels.date_label(record_labels.MeetingKind.MONITORING_GROUP), "14/05/2024")
    user.fill_rows(
        user.table_with_header("Name", "Role/relationship to child"),
        [("Sam Worker", "Social worker"), ("Fay Carer", "Foster carer"), ("Ann Finder", "")],
    )
    user.type(record_labels.APOLOGIES, "Ira Reviewer (IRO); Dr Lee, health")
    user.type(record_labels.SUMMARY, "Task 2 done.\n\nProfile drafted; waiting for photos.")
    user.type(record_labels.AGREED_PLAN, "Unchanged.")
    tasks = user.table_with_header("No.", "Action required")
    # The carried-over tasks: the group ticks off task 2 and dates task 3; then adds two new tasks.
    tasks.rows[2].cells[4].paragraphs[0].add_run("yes")
    tasks.rows[3].cells[4].paragraphs[0].add_run("13 May 2024")
    user.fill_rows(
        tasks,
        [
            ("", "Book life-story worker", "Sam Worker", "2 weeks", "", ""),
            ("7", "Linking meeting", "Ann Finder", "within 3 months", "", "3, 4"),
        ],
    )
    user.type(record_labels.chair_label(record_labels.MeetingKind.MONITORING_GROUP), "Tara Manager")
    user.type(record_labels.DATE, "15.5.24")
    completed = read_form(user.save(), name="mg.docx")

    carried = {a.action_id: a for a in ppm().actions}
    assert completed.meeting == Meeting(
        meeting_id="monitoring_group-C100-2024-05-14",
        kind="monitoring_group",
        date=D(2024, 5, 14),
        chair="Tara Manager",
        children=("C100", "C101"),
        present=(
            Attendee(name="Sam Worker", role="Social worker"),
            Attendee(name="Fay Carer", role="Foster carer"),
            Attendee(name="Ann Finder"),
        ),
        apologies=("Ira Reviewer (IRO)", "Dr Lee, health"),
        summary="Task 2 done.\n\nProfile drafted; waiting for photos.",
        agreed_plan="Unchanged.",
        actions=(
            carried["1"],
            attrs.evolve(carried["2"], completed_on=D(2024, 5, 14)),
            attrs.evolve(carried["3"], completed_on=D(2024, 5, 13)),
            Action(action_id="4", description="Book life-story worker", owner="Sam Worker", due_date=D(2024, 5, 28)),
            Action(
                action_id="7",
                description="Linking meeting",
                owner="Ann Finder",
                due_date=D(2024, 8, 14),
                depends_on=("3", "4"),
            ),
        ),
    )
    assert completed.signoffs == (SignOff(role="chair", name="Tara Manager", date=D(2024, 5, 15)),)
    # Into the model: the child's record gains the meeting.
    updated = completed.apply_to(RECORDS["C100"])
    assert updated.meetings[-1] == completed.meeting
    assert len(updated.meetings) == 2


def test_a_pro_forma_with_part_one_only_has_no_meeting_and_keeps_the_prefilled_text():
    record = sample_record()
    data = docx_of(pro_forma(record, as_of=TODAY, records=RECORDS))
    completed = read_form(data, name="pf.docx")
    assert isinstance(completed, CompletedProForma)
    assert completed.child_id == "C100"
    assert completed.meeting is None
    assert completed.narrative.reason_for_care == "Neglect; mother unwell."
    assert completed.views == record.views
    assert completed.plan_description == record.current_plan.description
    # Sign-off names come prefilled from the allocated workers; nobody has signed yet.
    assert completed.signoffs == (
        SignOff(role="social_worker", name="Sam Worker"),
        SignOff(role="team_manager", name="Tara Manager"),
        SignOff(role="service_manager", name="Seb Senior"),
    )
    # Reading back and applying leaves the record's own facts as they were.
    again = completed.apply_to(record)
    assert again.views == record.views
    assert again.plans == record.plans
    assert again.narrative.history == record.narrative.history


def test_a_pro_forma_part_two_started_without_a_date_is_an_error_not_half_a_meeting():
    user = WordUser(blank_pro_forma())
    user.type(record_labels.SUMMARY, "Discussed.")
    with pytest.raises(Exception) as info:
        read_form(user.save(), name="pf.docx")
    assert "pf.docx" in str(info.value)
    assert record_labels.date_label(record_labels.MeetingKind.TRACKING_PANEL) in str(info.value)


# Text a social worker might type: any printable characters over several lines, without the
# surrounding blank space Word users leave (the reader trims it) or XML-forbidden control characters.
_line = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x0b\x0c\r\n"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
_text = st.lists(_line, min_size=1, max_size=3).map("\n".join)
_optional = st.none() | _text
_date = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@st.composite
def _answers(draw):
    narrative = CaseNarrative(
        reason_for_care=draw(_optional),
        care_plan=draw(_optional),
        steps_taken=draw(_optional),
        steps_planned=draw(_optional),
        life_story_work=draw(_optional),
        family_time=draw(_optional),
        barriers_to_permanence=draw(_optional),
    )
    offers = draw(
        st.lists(st.builds(CareOffer, name=_line, relationship=st.none() | _line, detail=st.none() | _line), max_size=3)
    )
    views = Views(
        child=draw(_optional),
        parents=draw(_optional),
        iro=draw(_optional),
        wider_family=draw(_optional),
        offers_to_care=offers,
    )
    aims = ResidentialAims(short_term=draw(_optional), medium_term=draw(_optional), long_term=draw(_optional))
    signed = draw(st.none() | _date)
    meeting_date = draw(_date)
    present = draw(st.lists(st.builds(Attendee, name=_line, role=st.none() | _line), max_size=8))
    actions = draw(
        st.lists(
            st.tuples(_line, st.none() | _line, st.none() | _date, st.none() | _date),
            max_size=6,
        )
    )
    return {
        "narrative": narrative,
        "views": views,
        "plan": draw(_optional),
        "aims": aims,
        "tm_comments": draw(_optional),
        "signed": signed,
        "meeting_date": meeting_date,
        "present": present,
        "summary": draw(_text),
        "agreed": draw(_optional),
        "actions": actions,
    }


_NARRATIVE_LABELS = {
    "reason_for_care": labels.REASON_FOR_CARE,
    "care_plan": labels.CARE_PLAN,
    "steps_taken": labels.STEPS_TAKEN,
    "steps_planned": labels.STEPS_PLANNED,
    "life_story_work": labels.LIFE_STORY,
    "family_time": labels.FAMILY_TIME,
    "barriers_to_permanence": labels.BARRIERS,
}
_VIEW_LABELS = {
    "child": labels.VIEWS_CHILD,
    "parents": labels.VIEWS_PARENTS,
    "iro": labels.VIEWS_IRO,
    "wider_family": labels.VIEWS_FAMILY,
}
_BLANK = blank_pro_forma()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_answers())
def test_round_trip_generate_fill_parse_is_equal(answers):
    user = WordUser(_BLANK)
    for attribute, label in _NARRATIVE_LABELS.items():
        if getattr(answers["narrative"], attribute):
            user.type(label, getattr(answers["narrative"], attribute))
    for attribute, label in _VIEW_LABELS.items():
        if getattr(answers["views"], attribute):
            user.type(label, getattr(answers["views"], attribute))
    user.fill_rows(
        user.table_with_header(*labels.OFFER_COLUMNS[:2]),
        [(o.name, o.relationship or "", o.detail or "") for o in answers["views"].offers_to_care],
    )
    if answers["plan"]:
        user.type(labels.PLAN_DETAILS, answers["plan"])
    for attribute, label in (
        ("short_term", labels.AIMS_SHORT),
        ("medium_term", labels.AIMS_MEDIUM),
        ("long_term", labels.AIMS_LONG),
    ):
        if getattr(answers["aims"], attribute):
            user.type(label, getattr(answers["aims"], attribute))
    user.type(labels.SIGNOFF_LABELS["social_worker"][0], "Sam Worker")
    if answers["signed"]:
        user.type(labels.SIGNOFF_LABELS["social_worker"][1], answers["signed"].strftime("%d/%m/%Y"))
    if answers["tm_comments"]:
        user.type(labels.SIGNOFF_LABELS["team_manager"][3], answers["tm_comments"])
    # Part 2, the chair's record of the tracking meeting.
    kind = record_labels.MeetingKind.TRACKING_PANEL
    held = answers["meeting_date"]
    user.type(record_labels.date_label(kind), f"{held.day} {held:%B %Y}")
    user.fill_rows(
        user.table_with_header(*record_labels.PRESENT_COLUMNS),
        [(a.name, a.role or "") for a in answers["present"]],
    )
    user.type(record_labels.SUMMARY, answers["summary"])
    if answers["agreed"]:
        user.type(record_labels.AGREED_PLAN, answers["agreed"])
    user.fill_rows(
        user.table_with_header("No.", "Action required"),
        [
            (
                str(n),
                text,
                owner or "",
                due.strftime("%d/%m/%Y") if due else "",
                done.isoformat() if done else "",
                str(n - 1) if n > 1 else "",
            )
            for n, (text, owner, due, done) in enumerate(answers["actions"], start=1)
        ],
    )

    completed = read_form(user.save(), name="filled.docx")

    aims = answers["aims"]
    expected_signoffs = [SignOff(role="social_worker", name="Sam Worker", date=answers["signed"])]
    if answers["tm_comments"]:
        expected_signoffs.append(SignOff(role="team_manager", comments=answers["tm_comments"]))
    assert completed == CompletedProForma(
        source="filled.docx",
        child_id="C200",
        narrative=answers["narrative"],
        views=answers["views"],
        plan_description=answers["plan"],
        residential_aims=None if aims == ResidentialAims() else aims,
        signoffs=expected_signoffs,
        meeting=Meeting(
            meeting_id=f"tracking_panel-C200-{held.isoformat()}",
            kind=kind,
            date=held,
            children=("C200",),
            present=answers["present"],
            summary=answers["summary"],
            agreed_plan=answers["agreed"],
            actions=[
                Action(
                    action_id=str(n),
                    description=text,
                    owner=owner,
                    due_date=due,
                    completed_on=done,
                    depends_on=(str(n - 1),) if n > 1 else (),
                )
                for n, (text, owner, due, done) in enumerate(answers["actions"], start=1)
            ],
        ),
    )


def test_generated_documents_are_the_same_bytes_every_time():
    first = docx_of(pro_forma(sample_record(), as_of=TODAY, records=RECORDS))
    second = docx_of(pro_forma(sample_record(), as_of=TODAY, records=RECORDS))
    assert first == second
    later = docx_of(pro_forma(sample_record(), as_of=TODAY + dt.timedelta(days=1), records=RECORDS))
    assert later != first


def _repack(data, change):
    """Rewrite the package's members through ``change(name, bytes) -> bytes``, as another editor would."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def test_a_form_saved_by_libreoffice_still_reads():
    """LibreOffice links the document properties with the older relationship type, which python-docx ignores."""
    meeting = ppm()
    data = docx_of(meeting_record("ppm", "C100", RECORDS, meeting=meeting, generated_on=TODAY))
    package = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
    older = "http://schemas.openxmlformats.org/officedocument/2006/relationships/metadata/core-properties"
    resaved = _repack(
        data, lambda name, body: body.replace(package.encode(), older.encode()) if name == "_rels/.rels" else body
    )
    assert older.encode() in zipfile.ZipFile(io.BytesIO(resaved)).read("_rels/.rels")
    assert read_form(resaved, name="libreoffice.docx").meeting == meeting


def test_rows_inside_word_content_controls_still_read():
    user = WordUser(docx_of(meeting_record("ppm", "C100", RECORDS, meeting=ppm(), generated_on=TODAY)))
    row = next(
        r for t in user.document.tables for r in t.rows if r.cells[0].paragraphs[0].text == record_labels.SUMMARY
    )
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    row._tr.addprevious(sdt)
    sdt.append(content)
    content.append(row._tr)
    assert read_form(user.save(), name="controls.docx").meeting == ppm()


def test_a_box_holding_a_labels_words_is_read_as_text():
    """Hypothesis found this: an owner typed as '28. View of IRO' must not be taken for the label."""
    user = WordUser(_BLANK)
    user.type(record_labels.date_label(record_labels.MeetingKind.TRACKING_PANEL), "1 June 2024")
    user.type(record_labels.SUMMARY, record_labels.APOLOGIES)
    user.fill_rows(user.table_with_header("No.", "Action required"), [("1", "Ask", labels.VIEWS_IRO, "", "", "")])
    user.fill_rows(user.table_with_header(*record_labels.PRESENT_COLUMNS), [record_labels.PRESENT_COLUMNS])
    completed = read_form(user.save(), name="words.docx")
    assert completed.views.iro is None
    assert completed.meeting.summary == record_labels.APOLOGIES
    assert completed.meeting.apologies == ()
    assert completed.meeting.actions[0].owner == labels.VIEWS_IRO
    assert completed.meeting.present == (Attendee(name="Name", role="Role/relationship to child"),)
