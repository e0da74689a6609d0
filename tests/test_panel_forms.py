"""Issue 16's forms points: one font, sign-offs, item 23, label widths, sibling rows, the closing instruction,
items 19/21, the referral's history, siblings and decisions, and the meeting record's chair and plan."""

import datetime as dt
import io
import zipfile

import attrs
import docx
from documents_helpers import D, ppm, sample_record
from docx.oxml.ns import qn

from permanence_core.documents import OutputFormat, meeting_record, pro_forma, referral_form, render
from permanence_core.documents import proforma as pf
from permanence_core.documents import referral as rf
from permanence_core.documents.layout import Grid, Note
from permanence_core.model import Action, CaseNarrative, Meeting, PermanencePlan, Sibling, SignOff

AS_OF = D(2024, 6, 1)


def boxes(layout):
    return {f.label: f.value for f in layout.fields()}


def grids(layout):
    return {b.caption: b for s in layout.sections for b in s.blocks if isinstance(b, Grid)}


def test_one_font_no_theme_fonts_in_the_styles():
    data = render(pro_forma(sample_record(), as_of=AS_OF), OutputFormat.DOCX, generated_on=AS_OF)
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode()
    assert "Theme=" not in styles
    assert "Calibri" not in styles and "Cambria" not in styles


def test_sign_offs_the_record_holds_are_on_the_pro_forma():
    record = sample_record(
        signoffs=[SignOff(role="service_manager", name="Seb Senior", date=D(2024, 5, 17), comments="Proceed.")]
    )
    box = boxes(pro_forma(record, as_of=AS_OF))
    assert box["Service Manager – print name"] == "Seb Senior"
    assert box["Service Manager – date"] == "17 May 2024"
    assert box["Service Manager comments / direction regarding actions required"] == "Proceed."


def test_item_23_is_not_applicable_to_an_adoption_plan():
    record = sample_record(plans=[PermanencePlan(primary="adoption", decided_on=D(2024, 3, 4))])
    box = boxes(pro_forma(record, as_of=AS_OF))
    assert box[pf.AIMS_SHORT].startswith("Not applicable: the plan is adoption")
    assert box[pf.AIMS_LONG] == box[pf.AIMS_SHORT]


def test_every_label_column_is_the_same_width():
    data = render(pro_forma(sample_record(), as_of=AS_OF), OutputFormat.DOCX, generated_on=AS_OF)
    document = docx.Document(io.BytesIO(data))
    shaded = []
    for table in document.tables:
        first = table.rows[0].cells[0]._tc
        fill = first.tcPr.find(qn("w:shd")) if first.tcPr is not None else None
        if fill is not None and fill.get(qn("w:fill")) == "E7E6E6":
            shaded.append(table._tbl.tblGrid.gridCol_lst[0].w)
    assert len(shaded) > 5
    assert len(set(shaded)) == 1


def test_the_seeds_sibling_rows_to_items_15_and_16_are_always_there():
    grid = grids(pro_forma(sample_record(), as_of=AS_OF))
    inside, outside = grid[pf.SIBLINGS_IN], grid[pf.SIBLINGS_OUT]
    assert [r[0] for r in inside.rows] == ["9. Child 2", "11. Child 3", "13. Child 4", "15. Child 5"]
    assert [r[0] for r in outside.rows][-1] == "16. Child 5"


def test_the_pro_forma_ends_with_the_business_support_instruction():
    layout = pro_forma(sample_record(), as_of=AS_OF)
    last = layout.sections[-1].blocks[-1]
    assert isinstance(last, Note) and last.text.startswith("Business Support: copy of this permanence plan")


def test_items_19_and_21_do_not_repeat_one_sentence():
    plan = PermanencePlan(primary="adoption", decided_on=D(2024, 3, 4), description="Permanence through adoption.")
    record = sample_record(plans=[plan], narrative=CaseNarrative(care_plan="Permanence through adoption."))
    box = boxes(pro_forma(record, as_of=AS_OF))
    assert box[pf.CARE_PLAN] == "Permanence through adoption."
    assert box[pf.PLAN_DETAILS] is None


def test_item_22_lists_every_meetings_steps():
    later = Meeting(
        meeting_id="MG-1",
        kind="monitoring_group",
        date=D(2024, 4, 10),
        children=("C100",),
        actions=[
            Action(action_id="A", description="Medical", due_date=D(2024, 4, 20), completed_on=D(2024, 4, 18)),
            Action(action_id="B", description="Life story", due_date=D(2024, 6, 20)),
        ],
    )
    box = boxes(pro_forma(sample_record(meetings=[ppm(), later]), as_of=AS_OF))
    taken, planned = box[pf.STEPS_TAKEN], box[pf.STEPS_PLANNED]
    assert "Viability assessment of the aunt" in taken and "Medical" in taken
    assert "Refer to adoption team" in planned and "Family-finding profile" in planned and "Life story" in planned


def test_the_referral_history_falls_back_to_the_reason_for_care():
    record = sample_record(narrative=CaseNarrative(reason_for_care="Neglect; mother unwell."))
    assert boxes(referral_form(record, as_of=AS_OF))[rf.HISTORY] == "Neglect; mother unwell."


def test_the_referral_lists_half_siblings_in_the_children_and_family():
    record = sample_record(
        siblings=[*sample_record().siblings, Sibling(name="Dee Half", date_of_birth=D(2012, 2, 2))],
    )
    grid = grids(referral_form(record, as_of=AS_OF))
    further = [r[0] for r in grid[rf.FURTHER_SIBLINGS].rows]
    assert further == ["Cal Other", "Dee Half"]
    family = [r[0] for r in grid[rf.FAMILY].rows]
    assert {"Ben Example", "Cal Other", "Dee Half"} <= set(family)


def test_the_meeting_record_names_the_chair_as_present_and_dates_the_chair():
    meeting = attrs.evolve(ppm(), present=ppm().present[1:])
    layout = meeting_record("ppm", "C100", {"C100": sample_record()}, meeting=meeting, generated_on=AS_OF)
    present = next(g for c, g in grids(layout).items() if c.startswith("3."))
    assert present.rows[0] == ("Tara Manager", "Chair")
    assert boxes(layout)["Date"] == "4 March 2024"


def test_the_meeting_record_shows_the_plan_as_at_the_meeting():
    first = PermanencePlan(primary="return_to_family", decided_on=D(2024, 3, 1))
    second = PermanencePlan(primary="adoption", decided_on=D(2024, 5, 1))
    record = sample_record(plans=[first, second])
    layout = meeting_record("ppm", "C100", {"C100": record}, meeting=ppm(), generated_on=AS_OF)
    plan_box = layout.sections[0].blocks[0].rows[0][0].value
    assert "Return to family" in plan_box and "Adoption" not in plan_box


def test_the_demo_childs_forms(tmp_path):
    """Child 1000040 of the bundled demo, as issue 16 read its forms."""
    from permanence_core import api
    from permanence_core.synth import demo_folder

    records = {r.child_id: r for r in api.load("ssda903", str(demo_folder())).records}
    record = records["1000040"]
    box = boxes(pro_forma(record, as_of=D(2026, 11, 2), records=records))
    assert (box["Service Manager – print name"], box["Service Manager – date"]) == ("Tomasz Demoley", "17 May 2026")
    assert len(box[pf.STEPS_TAKEN].splitlines()) >= 10
    assert box[pf.STEPS_PLANNED].count("•") == 6
    assert box[pf.AIMS_SHORT].startswith("Not applicable")
    assert box[pf.PLAN_DETAILS] is None  # item 19 already says "Permanence through adoption."
    referral = referral_form(record, as_of=D(2026, 11, 2), records=records)
    assert boxes(referral)[rf.HISTORY]
    assert [r[0] for r in grids(referral)[rf.FURTHER_SIBLINGS].rows] == ["Amelia Dummymore", "Freya Fictiomore"]
    decisions = boxes(referral)[rf.DECISIONS].splitlines()
    dated = [line.split(":")[0] for line in decisions if not line.startswith(" ")]
    assert dated == sorted(dated, key=lambda text: dt.datetime.strptime(text, "%d %B %Y"))
    held = next(m for m in record.meetings if m.kind.value == "tracking_panel")
    layout = meeting_record("tracking_panel", "1000040", records, meeting=held, generated_on=D(2026, 11, 2))
    present = next(g for c, g in grids(layout).items() if c.startswith("3."))
    assert present.rows[0] == (held.chair, "Chair")
