"""The monthly panel pack: who is on the agenda and why, one page per child, alerts that explain themselves."""

import io

import docx
from documents_helpers import D, bare_record, ppm, sample_record

from permanence_core.documents import (
    AgendaItem,
    FieldTable,
    Grid,
    Note,
    OutputFormat,
    build_panel_pack,
    panel_pack_layout,
    render,
)
from permanence_core.model import Meeting
from permanence_core.rules import Alert, AlertStatus, Obligation, ObligationState, evaluate, load_profile

PANEL = D(2024, 5, 23)


def alert(child_id, rule, due, status=AlertStatus.OVERDUE, title=""):
    return Alert(
        child_id=child_id,
        rule=rule,
        status=status,
        due_date=due,
        anchor_event="became looked after",
        anchor_date=D(2024, 1, 2),
        message=f"{rule}: due {due.isoformat()}",
        source="research/timescales.md",
        title=title or rule,
    )


def records():
    scheduled = sample_record(
        meetings=[ppm(), Meeting(meeting_id="P-1", kind="tracking_panel", date=PANEL, children=("C100",))]
    )
    new = bare_record("C200", start=D(2024, 5, 20))
    quiet = bare_record("C300", start=D(2023, 1, 9))
    late = bare_record("C400", start=D(2023, 11, 1))
    return [late, quiet, new, scheduled]


ALERTS = [
    alert("C400", "review.second", D(2024, 4, 30), title="Second review"),
    alert("C400", "plan.by_second_review", D(2024, 5, 2), title="Permanence plan by the second review"),
    alert("C200", "review.first", D(2024, 6, 17), AlertStatus.UPCOMING, title="First review"),
    alert("C300", "review.subsequent", D(2024, 8, 1), AlertStatus.UPCOMING),
]


def test_the_agenda_lists_children_due_new_entrants_and_overdue_obligations():
    pack = build_panel_pack(records(), ALERTS, PANEL)
    assert (pack.since, pack.until) == (D(2024, 4, 23), D(2024, 6, 23))
    assert pack.due == (
        AgendaItem(child_id="C100", name="Ada Example", reason="Scheduled for this panel"),
        AgendaItem(child_id="C200", name="C200", reason="Due: First review", date=D(2024, 6, 17)),
    )
    assert pack.new_entrants == (
        AgendaItem(child_id="C200", name="C200", reason="Started to be looked after", date=D(2024, 5, 20)),
    )
    assert pack.overdue == (
        AgendaItem(
            child_id="C400",
            name="C400",
            reason="2 overdue: Second review; Permanence plan by the second review",
            date=D(2024, 4, 30),
        ),
    )
    # C300's only alert falls after the next panel: no page for a child the panel need not discuss.
    assert [page.record.child_id for page in pack.pages] == ["C100", "C200", "C400"]
    assert [a.rule for a in pack.pages[2].alerts] == ["review.second", "plan.by_second_review"]


def test_a_child_page_shows_the_open_actions_of_the_latest_meeting():
    pack = build_panel_pack(records(), ALERTS, PANEL)
    page = pack.pages[0]
    assert [a.action_id for a in page.open_actions] == ["2", "3"]


def test_the_previous_and_next_panel_can_be_given():
    pack = build_panel_pack(records(), ALERTS, PANEL, previous_panel=D(2024, 5, 21), next_panel=D(2024, 6, 20))
    assert pack.new_entrants == ()  # C200 came into care before the previous panel
    assert [i.child_id for i in pack.due] == ["C100", "C200"]


def test_a_page_shows_open_timescales_and_those_met_since_the_previous_panel():
    def obligation(rule, state, met_on=None):
        return Obligation(
            child_id="C400", rule=rule, title=rule, state=state, source="s", due_date=D(2024, 4, 30), met_on=met_on
        )

    obligations = [
        obligation("open", ObligationState.OPEN),
        obligation("met.this.month", ObligationState.MET, D(2024, 5, 2)),
        obligation("late.this.month", ObligationState.MET_LATE, D(2024, 5, 20)),
        obligation("met.last.year", ObligationState.MET, D(2023, 5, 2)),
        obligation("met.after.the.panel", ObligationState.MET, D(2024, 5, 24)),
        Obligation(
            child_id="C400", rule="proceedings.final", title="x", state=ObligationState.NOT_ASSESSABLE, source="s"
        ),
    ]
    pack = build_panel_pack(records(), ALERTS, PANEL, obligations=obligations)
    assert [o.rule for o in pack.pages[2].obligations] == ["late.this.month", "met.this.month", "open"]


def layout_text(layout):
    parts = [layout.title]
    for section in layout.sections:
        parts.append(section.title)
        for block in section.blocks:
            if isinstance(block, Note):
                parts.append(block.text)
            elif isinstance(block, Grid):
                parts.extend(" | ".join(row) for row in block.rows)
            elif isinstance(block, FieldTable):
                parts.extend(f"{f.label}: {f.value}" for f in block.fields)
    return "\n".join(parts)


def test_the_pack_document_has_the_agenda_then_a_page_per_child():
    pack = build_panel_pack(records(), ALERTS, PANEL)
    layout = panel_pack_layout(pack, generated_on=PANEL)
    assert layout.title == "Permanence Planning Tracking Panel – 23 May 2024"
    assert [s.title for s in layout.sections] == ["Agenda", "Ada Example (ID C100)", "C200 (ID C200)", "C400 (ID C400)"]
    assert [s.page_break for s in layout.sections] == [False, True, True, True]
    text = layout_text(layout)
    assert "C400 | C400 | 2 overdue: Second review; Permanence plan by the second review | 30 April 2024" in text
    assert (
        "overdue | Second review | 30 April 2024 | 23 | review.second: due 2024-04-30 (research/timescales.md)" in text
    )
    assert "Alerts: none open." in text  # Ada has no alerts


def test_the_pack_renders_as_word_and_html():
    layout = panel_pack_layout(build_panel_pack(records(), ALERTS, PANEL), generated_on=PANEL)
    document = docx.Document(io.BytesIO(render(layout, OutputFormat.DOCX, generated_on=PANEL)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings == ["Agenda", "Ada Example (ID C100)", "C200 (ID C200)", "C400 (ID C400)"]
    breaks = [p.paragraph_format.page_break_before for p in document.paragraphs if p.style.name == "Heading 2"]
    assert breaks == [None, True, True, True]
    page = render(layout, OutputFormat.HTML, generated_on=PANEL).decode()
    assert page.count('<section class="page-break">') == 3


def test_the_pack_from_the_rules_engine():
    """The panel date is the evaluation date: alerts and timescales come straight from evaluate()."""
    children = records()
    evaluation = evaluate(children, load_profile("panel-tor"), PANEL)
    pack = build_panel_pack(children, evaluation.alerts, PANEL, obligations=evaluation.obligations)
    overdue_children = {a.child_id for a in evaluation.alerts if a.due_date < PANEL}
    assert {i.child_id for i in pack.overdue} == overdue_children
    page = next(p for p in pack.pages if p.record.child_id == "C200")
    assert "review.first" in {o.rule for o in page.obligations}
    assert all(o.state is not ObligationState.NOT_ASSESSABLE for p in pack.pages for o in p.obligations)
