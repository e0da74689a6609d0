"""The panel pack (issue 16): every open action carried forward, a panel-only agenda, pages that hold together.

Each test runs on a hand-built record and, where the point is the demo's, on the bundled demo cohort.
"""

import datetime as dt
import io
import re
from functools import cache

import docx
import pytest
from click.testing import CliRunner
from ledger_helpers import D, action, case, loaded, meeting, plan

from permanence_core import api
from permanence_core.cli import cli
from permanence_core.documents import Grid, Note, OutputFormat, panel_pack_layout, render
from permanence_core.documents.panel_pack import cited, dates_in_words
from permanence_core.rules import load_profile
from permanence_core.rules.engine import calendar_for
from permanence_core.tracker import agenda as agendas
from permanence_core.tracker import panel as panels
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.sync import record_sync

DEMO = ("--adapter", "ssda903", "--source", "src/permanence_core/demo_data")
PANEL = D(2026, 11, 5)


def pack_for(ledger, records, day=PANEL, profile="panel-tor"):
    record_sync(ledger, loaded(*records), adapter="memory", source="case system")
    rules = load_profile(profile)
    panel = panels.schedule(ledger, day, calendar=calendar_for(rules), settings=rules.panel)
    records = panels.with_panels(ledger, records)
    evaluation = api.evaluate(records, profile=profile, as_of=day)
    agenda = agendas.build_agenda(ledger, panel, records, evaluation)
    return agenda, agendas.agenda_pack(ledger, agenda, records, evaluation)


def child_with_actions():
    """Actions set at three meetings: two still open and late, one done, one open and not yet due."""
    return case(
        "C1",
        start=D(2026, 1, 5),
        plans=[plan("adoption", decided=D(2026, 3, 1))],
        meetings=[
            meeting(
                "PPM-1", D(2026, 3, 2), ("C1",), action("1", "Viability assessment", due=D(2026, 4, 1)), kind="ppm"
            ),
            meeting(
                "MG-1",
                D(2026, 6, 1),
                ("C1",),
                action("1", "Later-life letter", due=D(2026, 7, 1), done=D(2026, 6, 20)),
                action("2", "Life story book", due=D(2026, 8, 3)),
                kind="monitoring_group",
            ),
            meeting("TP-1", D(2026, 10, 15), ("C1",), action("1", "Child permanence report", due=D(2026, 11, 20))),
        ],
    )


def grid(section, caption):
    return next(b for b in section.blocks if isinstance(b, Grid) and b.caption.startswith(caption))


# -- carried-forward actions ------------------------------------------------------------------------


def test_every_open_action_of_every_earlier_meeting_is_on_the_page_oldest_first(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}") as ledger:
        _agenda, pack = pack_for(ledger, [child_with_actions()])
    [page] = pack.pages
    assert [(a.meeting_id, a.action.description) for a in page.open_actions] == [
        ("PPM-1", "Viability assessment"),
        ("MG-1", "Life story book"),
        ("TP-1", "Child permanence report"),
    ]
    layout = panel_pack_layout(pack, generated_on=D(2026, 11, 1))
    rows = grid(layout.sections[1], "Open actions").rows
    # Numbered 1, 2, 3 (never the case system's ids), with the meeting, owner, due date and days overdue.
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert rows[0][2:] == ("PPM 2 March 2026", "Sam Worker", "1 April 2026", "218")
    assert rows[1][5] == "94" and rows[2][5] == ""
    assert grid(layout.sections[1], "Open actions").highlight_column == 5


def test_the_agenda_reason_counts_every_overdue_action(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}") as ledger:
        agenda, _pack = pack_for(ledger, [child_with_actions()])
    [entry] = agenda.entries
    assert "2 overdue actions, the oldest 218 days late (due 1 April 2026)" in [t for _k, t in entry.reasons]


def test_the_blank_record_carries_every_open_action():
    from permanence_core.documents import meeting_record

    record = child_with_actions()
    layout = meeting_record("monitoring_group", "C1", {"C1": record}, date=PANEL, generated_on=PANEL)
    tasks = next(b for s in layout.sections for b in s.blocks if isinstance(b, Grid) and "ction" in b.caption)
    described = [row[1] for row in tasks.rows]
    assert described == ["Viability assessment", "Life story book", "Child permanence report"]


# -- the agenda --------------------------------------------------------------------------------------


def test_panel_business_comes_from_the_profile(tmp_path):
    """A looked-after review due before the next panel is not panel business under panel-tor; it is under england."""
    child = case("C2", start=D(2026, 10, 12), reviews=[], plans=[plan("adoption", decided=D(2026, 10, 20))])
    with Ledger(f"sqlite:///{tmp_path / 'a.sqlite'}") as ledger:
        agenda, _ = pack_for(ledger, [child])
    texts = [t for e in agenda.entries for _k, t in e.reasons]
    assert not any("review" in t.lower() for t in texts)
    with Ledger(f"sqlite:///{tmp_path / 'b.sqlite'}") as ledger:
        agenda, _ = pack_for(ledger, [child], profile="england")
    assert any("First looked-after review" in t for e in agenda.entries for _k, t in e.reasons)


def test_next_panel_falls_on_the_profiles_working_day():
    rules = load_profile("panel-tor")
    calendar = calendar_for(rules)
    # The first Thursday of December 2026, not Saturday 5 December.
    assert panels.next_panel_date(PANEL, rules.panel, calendar) == D(2026, 12, 3)
    assert panels.next_panel_date(PANEL, rules.panel, calendar, months=-1) == D(2026, 10, 1)
    england = load_profile("england")
    # No panel day in the profile: a month on, moved off the weekend.
    assert panels.next_panel_date(PANEL, england.panel, calendar) == D(2026, 12, 7)


def test_procedure_cited_by_title_and_dates_in_words():
    assert dates_in_words("due 2026-11-05; anchored 2026-10-01") == "due 5 November 2026; anchored 1 October 2026"
    procedure = load_profile("panel-tor").panel.procedure
    source = load_profile("panel-tor").rule("panel.referral").source
    assert cited(source, procedure).startswith("Permanence Planning and Tracking Panel terms of reference: ")
    assert "seeds/" not in cited(source, procedure)


def test_concluded_proceedings_say_so(tmp_path):
    from permanence_core.model import CareProceedings

    child = case(
        "C3",
        start=D(2026, 1, 5),
        proceedings=[CareProceedings(issue_date=D(2026, 1, 6), concluded_on=D(2026, 6, 30))],
        meetings=[meeting("TP-1", D(2026, 10, 1), ("C3",), action("1", "Task", due=D(2026, 10, 2)))],
    )
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}") as ledger:
        _agenda, pack = pack_for(ledger, [child])
    layout = panel_pack_layout(pack, generated_on=PANEL)
    facts = layout.sections[1].blocks[1]
    values = {f.label: f.value for f in facts.fields}
    assert values["Care proceedings issued"] == "Issued 6 January 2026; concluded on 30 June 2026"


# -- the demo ----------------------------------------------------------------------------------------


@cache
def demo_pack(folder):
    out = folder / "pack.docx"
    ledger = ("--ledger", str(folder / "ledger.sqlite"))
    runner = CliRunner()
    for args in (
        ("ledger", "sync", *DEMO, "--profile", "panel-tor", "--as-of", "2026-11-02", *ledger),
        ("panel", "schedule", "2026-11-05", "--profile", "panel-tor", *ledger),
        ("panel", "pack", "--panel", "2026-11-05", *DEMO, "--profile", "panel-tor", "--out", str(out), *ledger),
    ):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return docx.Document(str(out))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_pack(tmp_path_factory.mktemp("demo"))


def _section_of(document, child_id):
    """The paragraphs and tables of the child's page, from its heading to the next heading of that level."""
    body = document.element.body
    found, inside = [], False
    for element in body.iterchildren():
        text = "".join(element.itertext())
        if element.tag.endswith("}p") and re.match(r"^\d+\. .*\(ID \d+\)$", text):
            if inside:
                break
            inside = f"(ID {child_id})" in text
        if inside:
            found.append(element)
    return found


def test_demo_child_page_lists_all_six_open_actions(demo):
    elements = _section_of(demo, "1000040")
    tables = [e for e in elements if e.tag.endswith("}tbl")]
    actions = next(t for t in tables if "Set at" in "".join(t.itertext()))
    rows = docx.table.Table(actions, demo).rows[1:]
    assert len(rows) == 6
    assert [c.text for c in rows[0].cells][::5] == ["1", "115"]
    assert [row.cells[0].text for row in rows] == ["1", "2", "3", "4", "5", "6"]


def test_demo_agenda_lists_each_child_once_with_panel_business_only(demo):
    agenda = demo.tables[0]
    ids = [row.cells[2].text for row in agenda.rows[1:]]
    assert len(ids) == len(set(ids))
    reasons = " ".join(row.cells[3].text for row in agenda.rows[1:])
    assert "looked-after review" not in reasons and "Day 12" not in reasons
    assert not re.search(r"\d{4}-\d{2}-\d{2}", reasons)
    headings = [p.text for p in demo.paragraphs if re.match(r"^\d+\. .*\(ID \d+\)$", p.text)]
    # The child pages follow the agenda order.
    assert [re.search(r"ID (\d+)", h)[1] for h in headings] == ids


def test_demo_pack_footer_has_the_day_it_was_made_and_no_file_paths(demo):
    footer = demo.sections[-1].footer.paragraphs[0].text
    today = dt.date.today()
    assert f"generated {today.day} {today:%B %Y}" in footer
    text = "\n".join(c.text for t in demo.tables for r in t.rows for c in r.cells)
    assert "seeds/" not in text and ".txt" not in text
    assert "MONITORING_GROUP-" not in text and "TRACKING_PANEL-" not in text
    assert "Days overdue\n0" not in text


def test_one_pack_command():
    result = CliRunner().invoke(cli, ["panel-pack", "--help"])
    assert result.exit_code != 0
    assert CliRunner().invoke(cli, ["panel", "pack", "--help"]).exit_code == 0


def test_the_pack_renders_as_word_and_html(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}") as ledger:
        _agenda, pack = pack_for(ledger, [child_with_actions()])
    layout = panel_pack_layout(pack, generated_on=PANEL)
    html = render(layout, OutputFormat.HTML, generated_on=PANEL, context={"pack": pack}).decode()
    assert 'class="value flag">218<' in html
    document = docx.Document(io.BytesIO(render(layout, OutputFormat.DOCX, generated_on=PANEL)))
    assert "2 overdue actions, the oldest 218 days late" in document.tables[0].rows[1].cells[3].text
    assert isinstance(layout.sections[0].blocks[0], Note)
