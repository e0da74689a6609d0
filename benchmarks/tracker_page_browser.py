"""Benchmark: how a tracker page behaves in headless Chromium (Debian's ``chromium``), a page a council opens.

    python benchmarks/tracker_page_browser.py tracker.html [--screenshot tracker.png]

Opens the page through the DevTools protocol (the tests' harness, ``tests/browser_helpers.py``) and prints the
seconds until the load event and the first painted frame, to filter the table by a drift signal, to clear the
filter and sort by days in care, and to scroll to the last timeline of the table's page and draw it; and any
console error. Wall times of a browser: run it on a quiet machine and compare figures between commits.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import websocket
from browser_helpers import CHROMIUM, PATIENCE, Browser

FRAME = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50))))"
CHOOSE = """((id, value) => { const select = document.getElementById(id); select.value = value;
    select.dispatchEvent(new Event('change', {bubbles: true})); })"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--screenshot", type=Path, help="a PNG of the first screen (1400 x 2000)")
    args = parser.parse_args()
    if CHROMIUM is None:
        print("Chromium is not installed: nothing measured.")
        return 1
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(Path(profile), 1400, 2000)
        try:
            started = time.perf_counter()
            try:
                browser.open(args.page.resolve().as_uri())
            except websocket.WebSocketTimeoutException:
                print(f"{args.page.name}: {args.page.stat().st_size / 2**20:.1f} MB, no load event within {PATIENCE} s")
                return 0
            loaded = time.perf_counter() - started
            browser.evaluate(FRAME)
            painted = time.perf_counter() - started
            if args.screenshot:
                browser.screenshot(args.screenshot)
            rows = browser.evaluate("document.querySelectorAll('#tracker tbody tr').length")
            print(f"{args.page.name}: {args.page.stat().st_size / 2**20:.1f} MB, {rows:,} children")
            print(f"  load event {loaded:.1f} s, first frame {painted:.1f} s")
            if not browser.evaluate("!!document.getElementById('filters')"):
                print("  a page without filters (written before issue #18): nothing more measured")
                return 0

            def timed(script: str) -> float:
                begun = time.perf_counter()
                browser.evaluate(script)
                browser.evaluate(FRAME)
                return time.perf_counter() - begun

            filtered = timed(f"{CHOOSE}('filter-signal', 'proceedings_beyond_26_weeks')")
            shown = browser.evaluate("document.getElementById('filter-count').textContent")
            sorted_ = timed(
                f"{CHOOSE}('filter-signal', ''); "
                "document.querySelectorAll('#tracker thead th')[2].querySelector('button').click()"
            )
            last = browser.evaluate(
                "[...document.querySelectorAll('section.child')].filter(s => s.getClientRects().length).pop().id"
            )
            drawn = timed(f"document.getElementById({last!r}).scrollIntoView()")
            ok = browser.evaluate(f"!!document.getElementById({last!r}).querySelector('svg.timeline .today')")
            print(f"  filter by a drift signal {filtered:.1f} s ({shown})")
            print(f"  clear the filter and sort by days in care {sorted_:.1f} s")
            print(f"  scroll to the page's last timeline and draw it {drawn:.1f} s ({'drawn' if ok else 'NOT drawn'})")
            print(f"  console errors: {browser.errors() or 'none'}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
