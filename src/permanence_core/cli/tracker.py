"""``permanence tracker``: the tracker report (HTML page or Excel workbook) and the cohort's drift signals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from permanence_core import api
from permanence_core.cli.common import counted, emit_json
from permanence_core.cli.sources import (
    evaluation_options,
    load_cohort,
    pseudonymise_option,
    pseudonymised,
    pseudonymiser,
    report_rejections,
    source_options,
)
from permanence_core.collector import collector_paused
from permanence_core.model import Facet
from permanence_core.plugins.manager import Plugins
from permanence_core.private_files import open_private
from permanence_core.rules.engine import calendar_for
from permanence_core.tracker.cohort import cohort_figures
from permanence_core.tracker.drift import DriftThresholds, assess_drift
from permanence_core.tracker.html import html_chunks
from permanence_core.tracker.report import report_from_cohort
from permanence_core.tracker.xlsx import write_xlsx

_SUFFIXES = {".html": "html", ".htm": "html", ".xlsx": "xlsx"}


@click.command("tracker")
@source_options
@evaluation_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: FILE.html (page with timelines and charts) or FILE.xlsx (workbook). Without it, only "
    "the summary is printed.",
)
@click.option(
    "--drift-weeks",
    type=click.IntRange(min=1),
    default=DriftThresholds().weeks_without_activity,
    show_default=True,
    help="Flag a child with no permanence activity for more than this many weeks.",
)
@click.option(
    "--plan-changes",
    type=click.IntRange(min=1),
    default=DriftThresholds().plan_changes,
    show_default=True,
    help="Flag a child whose plan changed route this many times in its period of care.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: print the drift summary and cohort figures on stdout.",
)
@pseudonymise_option
def tracker_command(
    adapter: str,
    source: str,
    config: str | None,
    profile: str,
    as_of: dt.date | None,
    out: Path | None,
    drift_weeks: int,
    plan_changes: int,
    fmt: str,
    pseudonymise: bool,
) -> None:
    """The permanence tracker for every looked-after child, and the drift signals.

    Prints a summary: children looked after, and how many show each drift signal. With --out, writes OUT as
    one self-contained HTML page (sortable table, a timeline per child, cohort charts) or an Excel workbook
    (one sheet per view), readable by its owner only. Exit 0 when it ran; 1 when the input could not be read
    or OUT could not be written; 2 usage error.
    """
    kind = _SUFFIXES.get(out.suffix.lower()) if out else None
    if out is not None and kind is None:
        raise click.BadParameter(f"{str(out)!r} must end in .html or .xlsx", param_hint="'--out'")
    pseudonyms = pseudonymiser(pseudonymise)
    # The cohort's tables and the detail tables the rows show (names, actions): no record per child. Every
    # facet, but not the documents' own facts (family, views, narrative), which the tracker never shows.
    result = load_cohort(adapter, source, config, frozenset(Facet), detail=True)
    assert result.detail is not None  # asked for: the adapter's tables, or made from its records
    # The rows and timelines are many objects in no reference cycle, which the collector would rescan as they
    # accumulate (about 2 s a pass at 20,000 children). The obligations stay a table.
    with collector_paused():
        evaluation = api.evaluate_cohort(result.cohort, profile=profile, as_of=as_of)
        report = report_from_cohort(result.cohort, result.detail, evaluation, result.rejected)
    if pseudonyms is not None:
        pseudonyms, result = pseudonymised(pseudonyms, result)
        report = pseudonyms.report(report)
    thresholds = DriftThresholds(
        weeks_without_activity=drift_weeks,
        plan_changes=plan_changes,
        action_working_days=evaluation.profile.panel.drift_working_days,
    )
    drift = assess_drift(report.rows, report.as_of, thresholds, calendar_for(evaluation.profile))
    if out is not None:
        try:
            # Streamed to a private file that replaces ``out`` whole; a missing folder is more likely a typo
            # than a wish for a new one, so it is an error.
            with open_private(out, create_folder=False) as handle, collector_paused():
                if kind == "html":
                    for chunk in html_chunks(report, drift, Plugins().templates()):
                        handle.write(chunk.encode("utf-8"))
                else:
                    write_xlsx(report, drift, handle)
        except OSError as exc:
            raise click.ClickException(f"{out}: cannot write the tracker: {exc.strerror or exc}") from None
    if fmt == "json":
        emit_json(
            {
                "as_of": report.as_of.isoformat(),
                "profile": report.profile,
                "out": str(out) if out else None,
                "drift": drift.to_dict(),
                "cohort": cohort_figures(report).to_dict(),
                "rejected": [r.to_dict() for r in result.rejected],
                "summary": {"load": result.summary(), **evaluation.summary()},
            }
        )
        return
    totals = ", ".join(f"{signal.label.lower()} {count}" for signal, count in drift.totals().items())
    wrote = f"Wrote {out}: " if out is not None else ""
    click.echo(
        f"{wrote}{counted(len(report.looked_after), 'child')} looked after on {report.as_of.isoformat()} "
        f"of {report.source_children} in the source ({report.left_care} have left care, "
        f"{report.not_yet_in_care} not yet looked after) (profile {report.profile}); "
        f"{drift.children_flagged} with drift ({totals})."
    )
    if out is None:
        click.echo("Give --out FILE.html for the tracker page, or --out FILE.xlsx for the workbook.")
    report_rejections(result)
