"""Benchmark: forms generated and read back, and monthly panel packs, over synthetic cohorts.

    python benchmarks/bench_documents.py [--children 200] [--pack-sizes 200,1000,3000]

The cohorts are generated in memory (not timed) by ``permanence_core.synth``. Prints, per child, the time
to build a pro-forma as Word and as HTML and to read a completed one back; then, per cohort size, the
agenda and pages of a panel pack and the time to build it (Word and HTML). CPU seconds of this process.
Targets: a form written or read back in under 0.1 s; a 300-page panel pack in under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from permanence_core.adapters import LoadResult
from permanence_core.documents import OutputFormat, panel_pack_layout, pro_forma, read_form, render
from permanence_core.rules import load_profile
from permanence_core.synth import CohortGenerator, CohortSpec
from permanence_core.tracker.agenda import agenda_pack
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.pack import panel_agenda
from permanence_core.tracker.panel import schedule
from permanence_core.tracker.sync import record_sync

AS_OF = dt.date(2026, 11, 2)
PANEL = dt.date(2026, 11, 5)


def cohort(children: int) -> list:
    return [child.record for child in CohortGenerator(CohortSpec(children=children, seed=903, as_of=AS_OF))]


def forms(children: int) -> None:
    records = cohort(children)
    known = {r.child_id: r for r in records}
    start = time.process_time()
    word = [render(pro_forma(r, as_of=AS_OF, records=known), OutputFormat.DOCX, generated_on=AS_OF) for r in records]
    built = time.process_time() - start
    start = time.process_time()
    for r in records:
        render(pro_forma(r, as_of=AS_OF, records=known), OutputFormat.HTML, generated_on=AS_OF, context={"record": r})
    html = time.process_time() - start
    start = time.process_time()
    for data in word:
        read_form(data, name="bench.docx")
    read = time.process_time() - start
    size = sum(len(d) for d in word) / len(word)
    print(
        f"pro-forma, {children} children: Word {1000 * built / children:.1f} ms each ({size / 1024:.0f} KB), "
        f"HTML {1000 * html / children:.1f} ms each, read back {1000 * read / children:.1f} ms each"
    )


def pack(children: int) -> None:
    """The pack through its one code path: the cohort synced into an in-memory ledger, the panel scheduled."""
    records = cohort(children)
    profile = load_profile("panel-tor")
    with Ledger("sqlite://") as ledger:
        record_sync(
            ledger, LoadResult(records=records, rejected=(), read=len(records)), adapter="synth", source="bench"
        )
        panel = schedule(ledger, PANEL, settings=profile.panel)
        start = time.process_time()
        built = panel_agenda(ledger, panel, records, profile)
        agenda_seconds = time.process_time() - start
        start = time.process_time()
        pack = agenda_pack(ledger, built.agenda, built.records, built.evaluation)
        layout = panel_pack_layout(pack, generated_on=PANEL)
        word = render(layout, OutputFormat.DOCX, generated_on=PANEL)
        docx_seconds = time.process_time() - start
    start = time.process_time()
    render(layout, OutputFormat.HTML, generated_on=PANEL, context={"pack": pack})
    html_seconds = time.process_time() - start
    print(
        f"panel pack, {children} children: {len(pack.agenda)} on the agenda, {len(pack.pages)} pages; agenda "
        f"{agenda_seconds:.1f} s; Word {docx_seconds:.1f} s "
        f"({1000 * docx_seconds / max(len(pack.pages), 1):.0f} ms a page, {len(word) / 1024:.0f} KB), "
        f"HTML {html_seconds:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=200, help="children to make pro-formas for")
    parser.add_argument("--pack-sizes", default="200,1000,3000", help="cohort sizes for panel packs")
    args = parser.parse_args()
    forms(args.children)
    for size in (int(s) for s in args.pack_sizes.split(",")):
        pack(size)


if __name__ == "__main__":
    main()
