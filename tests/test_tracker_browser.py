"""The tracker page in a real browser: headless Chromium renders the table, the timelines and the charts,
sorts the table, and logs no error. Skipped only where Chromium is not installed (.ci/run installs it)."""

import datetime as dt
import re

import pytest
from browser_helpers import CHROMIUM, Browser
from click.testing import CliRunner
from lxml import etree
from PIL import Image

from permanence_core import api
from permanence_core.cli import cli
from permanence_core.rules.engine import calendar_for
from permanence_core.synth import demo_folder
from permanence_core.tracker.drift import DriftThresholds, assess_drift
from permanence_core.tracker.report import build_report
from permanence_core.tracker.svg import SVG_NS
from permanence_core.tracker.timeline_svg import timeline_svg

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")

WIDTH, HEIGHT = 1400, 2000
AS_OF = dt.date(2026, 11, 2)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def tracker_page(folder):
    out = folder / "tracker.html"
    result = CliRunner().invoke(
        cli,
        ["tracker", "--adapter", "ssda903", "--source", str(demo_folder()), "--as-of", "2026-11-02", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def demo():
    """The report and drift the page above was made from, built through the API as the command builds them."""
    loaded = api.load("ssda903", str(demo_folder()))
    evaluation = api.evaluate(loaded.records, profile="england", as_of=AS_OF)
    report = build_report(loaded.records, evaluation, loaded.rejected)
    thresholds = DriftThresholds(action_working_days=evaluation.profile.panel.drift_working_days)
    return report, assess_drift(report.rows, AS_OF, thresholds, calendar_for(evaluation.profile))


@pytest.fixture(scope="module")
def browser(folder):
    chromium = Browser(folder / "profile", WIDTH, HEIGHT)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def opened(browser, tracker_page):
    browser.open(tracker_page.as_uri())
    return browser


def colours(path):
    """(distinct colours, share of the commonest) in a PNG."""
    image = Image.open(path).convert("RGB")
    counts = image.getcolors(maxcolors=image.width * image.height)
    return len(counts), max(count for count, _ in counts) / (image.width * image.height)


def test_the_page_loads_with_no_console_error(opened):
    assert opened.errors() == []
    assert opened.evaluate("document.readyState") == "complete"


def test_the_harness_sees_console_errors_and_blocked_requests(browser, folder):
    broken = folder / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><head>"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\">"
        '</head><body><img src="https://example.invalid/x.png"><script>notDefined();</script></body></html>'
    )
    browser.open(broken.as_uri())
    errors = browser.errors()
    assert any("notDefined" in e for e in errors)
    assert any("Content Security Policy" in e for e in errors)


#: Resolves once the page's timeline observer has had a chance to draw what is in view.
SETTLED = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50))))"

RENDERED = """(() => {
  const rows = document.querySelectorAll('#tracker tbody tr');
  const shown = [...rows].filter(r => r.getClientRects().length);
  const timelines = [...document.querySelectorAll('section.child svg.timeline')];
  const size = el => el.getBoundingClientRect();
  const drawn = timelines.filter(t => t.querySelector('.today'));
  return {
    rows: rows.length,
    shown: shown.map(r => r.id.slice(4)),
    sections: document.querySelectorAll('section.child').length,
    timelines: timelines.length,
    visible: timelines.filter(t => t.getClientRects().length).map(t => t.getAttribute('data-child')),
    drawn: drawn.length,
    sized: drawn.filter(t => size(t).width > 900 && size(t).height > 100).length,
    markers: drawn.reduce((n, t) => n + t.querySelectorAll('.event').length, 0),
    charts: [...document.querySelectorAll('figure svg.chart')].filter(c => size(c).height > 50).length,
    tableWidth: size(document.querySelector('#tracker')).width,
    count: document.getElementById('filter-count').textContent,
  };
})()"""


def test_the_table_shows_a_page_of_children_and_their_timelines_drawn_as_the_reader_reaches_them(browser, tracker_page):
    browser.open(tracker_page.as_uri())
    browser.evaluate(SETTLED)
    first = browser.evaluate(RENDERED)
    total = first["rows"]
    assert total > 100
    assert first["sections"] == first["timelines"] == total
    # The first hundred rows and their timelines; the table fills the first screens, so none is drawn yet.
    assert first["shown"] == first["visible"] == [row.split("-", 1)[1] for row in browser.evaluate(ROW_IDS)][:100]
    assert first["count"] == f"Children 1–100 of {total}"
    assert first["drawn"] == 0
    assert first["charts"] == 4
    assert first["tableWidth"] > 1000
    browser.evaluate("document.getElementById('page-next').click()")
    second = browser.evaluate(RENDERED)
    assert len(second["shown"]) == total - 100 and second["shown"] == second["visible"]
    assert second["count"] == f"Children 101–{total} of {total}"
    assert browser.evaluate("document.getElementById('page-next').disabled")
    last = second["visible"][-1]
    browser.evaluate(f"document.getElementById({'child-' + last!r}).scrollIntoView()")
    browser.evaluate(SETTLED)
    assert browser.evaluate(f"!!document.getElementById({'child-' + last!r}).querySelector('svg.timeline .today')")
    assert 0 < browser.evaluate(RENDERED)["drawn"] < total - 100
    browser.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    printed = browser.evaluate(RENDERED)
    # Printing draws every timeline on the page, and only those.
    assert printed["drawn"] == printed["sized"] == total - 100
    assert printed["markers"] > 5 * printed["drawn"]
    browser.evaluate("document.getElementById('page-previous').click()")
    assert browser.evaluate(RENDERED)["shown"] == first["shown"]
    assert browser.errors() == []


ROW_IDS = "[...document.querySelectorAll('#tracker tbody tr')].map(r => r.id)"


def test_the_page_draws_every_timeline_exactly_as_the_python_drawing_does(browser, tracker_page, demo):
    """The script and timeline_svg.py: the same elements, in the same order, with the same classes, tooltips,
    words, colours and coordinates (to the tenth of a pixel either writes)."""
    browser.open(tracker_page.as_uri())
    drawn = browser.evaluate(
        """(() => { window.permanenceTimelines.drawAll();
          return Object.fromEntries([...document.querySelectorAll('svg.timeline')].map(svg =>
            [svg.getAttribute('data-child'), [...svg.children].map(el => [el.localName,
              Object.fromEntries([...el.attributes].map(a => [a.name, a.value])),
              el.localName === 'title' ? el.textContent : [...el.childNodes].filter(n => n.nodeType === 3)
                .map(n => n.textContent).join(''),
              el.querySelector('title') ? el.querySelector('title').textContent : null])])); })()"""
    )
    rows = demo[0].looked_after
    assert sorted(drawn) == sorted(row.child_id for row in rows)
    for row in rows:
        expected = etree.fromstring(str(timeline_svg(row.timeline, row.child_id)).encode())
        python = [
            [
                etree.QName(el).localname,
                dict(el.attrib),
                el.text or "",
                el.findtext(f"{{{SVG_NS}}}title"),
            ]
            for el in expected
        ]
        assert len(drawn[row.child_id]) == len(python), row.child_id
        for ours, theirs in zip(drawn[row.child_id], python, strict=True):
            assert same_element(ours, theirs), (row.child_id, ours, theirs)


def same_element(ours, theirs):
    """Equal tag, text, tooltip and attributes; numbers (coordinates, point lists) equal to 0.1."""
    (tag, attributes, text, title), (tag2, attributes2, text2, title2) = ours, theirs
    if (tag, text, title) != (tag2, text2, title2):
        return False
    attributes = {k: v for k, v in attributes.items() if k != "xmlns"}
    if set(attributes) != set(attributes2):
        return False
    for name, value in attributes.items():
        numbers, numbers2 = re.findall(r"-?[0-9.]+", value), re.findall(r"-?[0-9.]+", attributes2[name])
        if re.sub(r"-?[0-9.]+", "#", value) != re.sub(r"-?[0-9.]+", "#", attributes2[name]):
            return False
        if len(numbers) != len(numbers2) or any(
            abs(float(a) - float(b)) > 0.11 for a, b in zip(numbers, numbers2, strict=True)
        ):
            return False
    return True


def test_the_filters_narrow_the_table_and_the_timelines(browser, tracker_page, demo):
    report, drift = demo
    browser.open(tracker_page.as_uri())
    total = len(report.looked_after)
    choose = """((id, value) => { const select = document.getElementById(id); select.value = value;
        select.dispatchEvent(new Event('change', {bubbles: true})); })"""
    browser.evaluate(f"{choose}('page-size', '0')")
    every = browser.evaluate(RENDERED)
    assert len(every["shown"]) == len(every["visible"]) == total
    assert every["count"] == f"Children 1–{total} of {total}"
    one = report.looked_after[7]
    type_in = """(words => { const box = document.getElementById('filter-text'); box.value = words;
        box.dispatchEvent(new Event('input', {bubbles: true})); })"""
    browser.evaluate(f"{type_in}({one.child_id!r})")
    found = browser.evaluate(RENDERED)
    assert found["shown"] == found["visible"] == [one.child_id]
    assert found["count"] == f"Children 1–1 of 1 (of {total})"
    if one.name:
        browser.evaluate(f"{type_in}({one.name.upper()!r})")
        assert one.child_id in browser.evaluate(RENDERED)["shown"]
    browser.evaluate(f"{type_in}('no such child')")
    assert browser.evaluate(RENDERED)["count"] == f"No child matches (of {total})"
    browser.evaluate(f"{type_in}('')")
    browser.evaluate(f"{choose}('filter-signal', 'actions_overdue')")
    flagged = browser.evaluate(RENDERED)
    expected = sorted({flag.child_id for flag in drift.flags if flag.signal.value == "actions_overdue"})
    assert sorted(flagged["shown"]) == sorted(flagged["visible"]) == expected
    browser.evaluate(f"{choose}('filter-signal', '-')")
    calm = browser.evaluate(RENDERED)["shown"]
    assert len(calm) == total - drift.children_flagged and not set(calm) & {f.child_id for f in drift.flags}
    # A page at a time through the matching children only.
    assert len(calm) > 50
    browser.evaluate(f"{choose}('page-size', '50')")
    assert browser.evaluate(RENDERED)["shown"] == calm[:50]
    browser.evaluate("document.getElementById('page-next').click()")
    assert browser.evaluate(RENDERED)["shown"] == calm[50:100]
    browser.evaluate(f"{choose}('filter-signal', '')")
    browser.evaluate(f"{choose}('page-size', '0')")
    browser.evaluate(
        "(() => { const box = document.getElementById('filter-attention'); box.checked = true;"
        " box.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )
    red = browser.evaluate(RENDERED)["shown"]
    assert 0 < len(red) < total
    assert browser.evaluate(
        "[...document.querySelectorAll('#tracker tbody tr')]"
        ".every(r => (r.getClientRects().length > 0) === !!r.querySelector('td.overdue'))"
    )
    assert browser.errors() == []


def test_selecting_a_heading_sorts_the_table_and_again_reverses_it(browser, tracker_page):
    browser.open(tracker_page.as_uri())
    column = """(index => [...document.querySelectorAll('#tracker tbody tr')]
        .map(r => r.cells[index].getAttribute('data-sort')))"""
    click = "(index => document.querySelectorAll('#tracker thead th')[index].querySelector('button').click())"
    browser.evaluate(f"{click}(2)")
    days = [int(v) for v in browser.evaluate(f"{column}(2)")]
    assert days == sorted(days)
    assert browser.evaluate("document.querySelectorAll('#tracker thead th')[2].getAttribute('aria-sort')") == (
        "ascending"
    )
    browser.evaluate(f"{click}(2)")
    assert [int(v) for v in browser.evaluate(f"{column}(2)")] == sorted(days, reverse=True)
    # The page shows the first hundred in the new order.
    shown = browser.evaluate(RENDERED)["shown"]
    assert shown == [row.split("-", 1)[1] for row in browser.evaluate(ROW_IDS)][:100]
    browser.evaluate(f"{click}(5)")
    weeks = browser.evaluate(f"{column}(5)")
    filled = [int(v) for v in weeks if v]
    assert filled == sorted(filled) and weeks[len(filled) :] == [""] * (len(weeks) - len(filled))
    browser.evaluate(f"{click}(6)")
    deadlines = [v for v in browser.evaluate(f"{column}(6)") if v]
    assert deadlines == sorted(deadlines)
    assert browser.errors() == []


def test_the_screenshot_shows_a_rendered_page(browser, tracker_page, folder):
    browser.open(tracker_page.as_uri())
    page = browser.screenshot(folder / "tracker.png")
    assert Image.open(page).size == (WIDTH, HEIGHT)
    distinct, commonest = colours(page)
    assert distinct > 200
    assert commonest < 0.9
    browser.evaluate("document.querySelector('section.child').scrollIntoView()")
    browser.evaluate(SETTLED)
    box = browser.evaluate(
        """(() => { const r = document.querySelector('section.child').getBoundingClientRect();
                   return {x: r.x, y: r.y + window.scrollY, width: r.width, height: r.height}; })()"""
    )
    timeline = browser.screenshot(folder / "timeline.png", clip=box)
    image = Image.open(timeline).convert("RGB")
    assert image.size == (round(box["width"]), round(box["height"]))
    assert colours(timeline)[0] > 50
    counts = image.getcolors(maxcolors=image.width * image.height)
    reds = sum(n for n, (r, g, b) in counts if r > 150 and g < 80 and b < 80)
    assert reds > 20  # the today line
