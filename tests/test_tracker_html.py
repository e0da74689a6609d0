"""The tracker page: self-contained, one table row and one timeline per looked-after child, replaceable by a council."""

import json

import lxml.html
import pytest
from rules_helpers import D, proceedings
from tracker_helpers import adopted, bare, in_proceedings, tracker

from permanence_core.adapters import Rejection
from permanence_core.documents.templates import builtin_templates
from permanence_core.errors import ConfigError
from permanence_core.plugins import hookimpl
from permanence_core.plugins.manager import Plugins, get_plugin_manager
from permanence_core.tracker.drift import Signal
from permanence_core.tracker.html import render_html
from permanence_core.tracker.report import EventKind
from permanence_core.tracker.templates import TRACKER_TEMPLATE
from permanence_core.tracker.timeline_data import day_number, encode_timeline


def page(records, templates=None, **options):
    report, drift = tracker(records, **options)
    return render_html(report, drift, templates)


def tree(html):
    return lxml.html.fromstring(html)


def cells(document, child_id):
    return document.xpath(f"//table[@id='tracker']/tbody/tr[@id='row-{child_id}']/td")


def test_the_page_needs_nothing_from_the_network():
    document = tree(page([in_proceedings(), bare()]))
    csp = document.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0]
    assert document.xpath("//link | //img | //iframe | //object | //script[@src]") == []
    for value in document.xpath("//@href | //@src"):
        assert not value.startswith(("http:", "https:", "//")), value


def timeline_data(document):
    [script] = document.xpath("//script[@id='timeline-data']")
    assert script.get("type") == "application/json"
    return json.loads(script.text)


def test_one_row_and_one_timeline_per_looked_after_child():
    records = [in_proceedings("C1"), adopted("C2"), bare("C3")]
    document = tree(page(records))
    assert document.xpath("//table[@id='tracker']/tbody/tr/@id") == ["row-C1", "row-C3"]
    sections = document.xpath("//section[contains(concat(' ', @class, ' '), ' child ')]")
    assert [s.get("id") for s in sections] == ["child-C1", "child-C3"]
    # The first page of the table (a hundred children) is marked so that the browser shows it before any script runs.
    assert all("on-page" in element.get("class").split() for element in [*sections, *document.xpath("//tbody/tr")])
    # Each section holds its timeline's empty drawing, which the page's script fills from the timeline data.
    for section, child_id in zip(sections, ["C1", "C3"], strict=True):
        [svg] = section.xpath(".//*[local-name()='svg' and @class='timeline']")
        assert svg.get("data-child") == child_id
        assert svg.get("aria-label") == f"Timeline for child {child_id}"
    report, _ = tracker(records)
    data = timeline_data(document)
    assert data["children"] == {row.child_id: encode_timeline(row.timeline) for row in report.looked_after}
    assert data["today"] == day_number(report.as_of)
    assert [kind["name"] for kind in data["key"]["kinds"]] == [kind.value for kind in EventKind]
    assert document.xpath("//table[@id='tracker']//a/@href") == ["#child-C1", "#child-C3"]
    assert len(document.xpath("//figure[starts-with(@id, 'chart-')]/*[local-name()='svg']")) == 4
    assert len(document.xpath("//figure[@id='legend']/*[local-name()='svg']")) == 1


def test_each_column_carries_its_sort_value_and_overdue_cells_are_marked():
    child = in_proceedings("C1", proceedings=[proceedings(D(2025, 11, 3), cmh=D(2025, 11, 12))])
    document = tree(page([child, bare("C3")]))
    headers = [h.text_content() for h in document.xpath("//table[@id='tracker']/thead//th")]
    assert headers == [
        "Child",
        "Name",
        "Days in care",
        "Legal status",
        "Plan (contingency)",
        "Weeks in proceedings",
        "Next deadline",
        "Overdue actions",
        "Days since permanence activity",
        "Drift",
    ]
    c1 = cells(document, "C1")
    assert [td.get("data-sort") for td in c1] == [
        "C1",
        c1[1].text_content(),
        "147",
        "C1",
        "Adoption",
        "31",
        "2026-05-03",
        "1",
        "34",
        "2",
    ]
    assert "overdue" in c1[5].get("class")  # beyond 26 weeks
    assert c1[6].get("class") == "overdue"  # the 26 weeks ended on 3 May
    assert "overdue" in c1[7].get("class")  # an action overdue
    assert "Long-term fostering" in c1[4].text_content()
    c3 = cells(document, "C3")
    assert [td.get("data-sort") for td in c3][5:9] == ["", "2026-04-30", "0", ""]
    assert c3[6].get("class") == "overdue"
    assert "not in source" in c3[8].text_content()
    assert c1[3].xpath("abbr/@title") == ["Interim care order"]


def test_drift_flags_are_listed_with_their_detail_under_the_timeline():
    document = tree(page([in_proceedings()]))
    flags = document.xpath("//section[@id='child-C1']//ul[@class='flags']/li")
    assert [f.text_content() for f in flags] == [
        "Actions overdue: Complete the assessment (due 2026-05-01, 31 days overdue)"
    ]


def test_rejected_records_are_listed_and_the_section_is_absent_without_them():
    rejected = [Rejection(source="episodes.csv", row=7, child_id="C9", field="DECOM", value="x", reason="not a date")]
    document = tree(page([in_proceedings()], rejected=rejected))
    row = document.xpath("//table[@id='rejected-records']/tbody/tr/td")
    assert [td.text_content() for td in row] == ["episodes.csv", "7", "C9", "DECOM", "x", "not a date"]
    assert "1 record(s) did not load" in document.xpath("//p[@class='lede']")[0].text_content()
    assert tree(page([in_proceedings()])).xpath("//table[@id='rejected-records']") == []


def test_values_are_escaped():
    rejected = [Rejection(source="<script>alert(1)</script>", reason="<b>bad</b>")]
    html = page([in_proceedings()], rejected=rejected)
    assert "<script>alert(1)</script>" not in html
    # The timeline data, the drawing script and the table's script: nothing a value could add.
    assert tree(html).xpath("count(//script)") == 3


def test_a_child_id_cannot_end_the_timeline_data():
    child_id = '</script><script>alert(1)</script>&"'
    html = page([in_proceedings(child_id)])
    assert "<script>alert(1)" not in html
    document = tree(html)
    assert document.xpath("count(//script)") == 3
    assert list(timeline_data(document)["children"]) == [child_id]


def test_the_drift_filter_offers_every_signal_with_its_count_and_rows_carry_their_signals():
    document = tree(page([in_proceedings("C1", proceedings=[proceedings(D(2025, 11, 3))]), bare("C3")]))
    options = document.xpath("//select[@id='filter-signal']/option")
    assert [o.get("value") for o in options] == ["", "*", "-", *(signal.value for signal in Signal)]
    assert "Proceedings beyond 26 weeks (1)" in [o.text_content() for o in options]
    assert document.xpath("//tr[@id='row-C1']/@data-signals") == ["proceedings_beyond_26_weeks actions_overdue"]
    assert document.xpath("//tr[@id='row-C3']/@data-signals") == [""]
    assert document.xpath("string(//output[@id='filter-count'])") == "Children 1–2 of 2"


def test_the_tracker_template_is_registered_and_the_document_templates_are_unchanged():
    assert Plugins().templates()[TRACKER_TEMPLATE].name == "tracker.html"
    assert TRACKER_TEMPLATE not in builtin_templates()


class CouncilTracker:
    def __init__(self, path):
        self.path = path

    @hookimpl
    def permanence_register_templates(self, register):
        register("tracker.html", self.path)


def council_templates(path):
    pm = get_plugin_manager(load_entry_points=False)
    pm.register(CouncilTracker(path), name="anytown-templates")
    return Plugins(pm).templates()


def test_a_council_replaces_the_tracker_page_through_the_templates_hook(tmp_path):
    path = tmp_path / "tracker.html"
    path.write_text(
        "<h1>Anytown tracker {{ generated_on.isoformat() }}</h1>"
        "{% for row in report.looked_after %}<p>{{ row.child_id }} {{ row.plan_route|route }}</p>"
        "{{ timelines[row.child_id] }}{% endfor %}{{ charts.drift }}"
    )
    templates = council_templates(path)
    assert templates["tracker.html"] == path
    document = tree(page([in_proceedings()], templates=templates))
    assert document.xpath("//h1/text()") == ["Anytown tracker 2026-06-01"]
    assert document.xpath("//p/text()") == ["C1 Adoption"]
    assert len(document.xpath("//*[local-name()='svg']")) == 2


def test_a_broken_council_template_fails_naming_the_file_and_line(tmp_path):
    path = tmp_path / "tracker.html"
    path.write_text("<h1>ok</h1>\n{% for row in report.rows %}\n")
    with pytest.raises(ConfigError, match=r"tracker\.html, line \d+: template error"):
        page([in_proceedings()], templates=council_templates(path))
    path.write_text("{{ no_such_thing }}")
    with pytest.raises(ConfigError, match=r"tracker\.html: template uses an unknown variable"):
        page([in_proceedings()], templates=council_templates(path))
