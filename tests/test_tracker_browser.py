"""The tracker page in a real browser: headless Chromium renders the table, the timelines and the charts,
sorts the table, and logs no error. Skipped only where Chromium is not installed (.ci/run installs it)."""

import pytest
from browser_helpers import CHROMIUM, Browser
from click.testing import CliRunner
from PIL import Image

from permanence_core.cli import cli
from permanence_core.synth import demo_folder

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")

WIDTH, HEIGHT = 1400, 2000


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


def test_the_table_and_one_drawn_timeline_per_child_are_rendered(browser, tracker_page):
    browser.open(tracker_page.as_uri())
    rendered = browser.evaluate(
        """(() => {
          const rows = document.querySelectorAll('#tracker tbody tr');
          const timelines = [...document.querySelectorAll('section.child svg.timeline')];
          const size = el => el.getBoundingClientRect();
          return {
            rows: rows.length,
            sections: document.querySelectorAll('section.child').length,
            timelines: timelines.length,
            drawn: timelines.filter(t => size(t).width > 900 && size(t).height > 100).length,
            markers: timelines.reduce((n, t) => n + t.querySelectorAll('.event').length, 0),
            today: timelines.filter(t => t.querySelector('.today')).length,
            charts: [...document.querySelectorAll('figure svg.chart')].filter(c => size(c).height > 50).length,
            tableWidth: size(document.querySelector('#tracker')).width,
          };
        })()"""
    )
    assert rendered["rows"] > 100
    assert rendered["sections"] == rendered["timelines"] == rendered["drawn"] == rendered["today"] == rendered["rows"]
    assert rendered["markers"] > 5 * rendered["rows"]
    assert rendered["charts"] == 4
    assert rendered["tableWidth"] > 1000


def test_the_dom_holds_the_rows_and_the_svg_timelines(browser, tracker_page):
    browser.open(tracker_page.as_uri())
    dom = browser.evaluate("document.documentElement.outerHTML")
    assert dom.count('<tr id="row-') > 100
    assert dom.count('class="timeline"') == dom.count('<tr id="row-')


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
