"""The tracker as one self-contained HTML page, rendered through the replaceable ``tracker.html`` template."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from permanence_core import codes
from permanence_core.documents.formatting import route_text
from permanence_core.documents.html_writer import environment
from permanence_core.errors import ConfigError
from permanence_core.tracker.charts import cohort_charts
from permanence_core.tracker.cohort import cohort_figures
from permanence_core.tracker.drift import DriftReport
from permanence_core.tracker.report import TrackerReport
from permanence_core.tracker.templates import TRACKER_TEMPLATE, tracker_templates
from permanence_core.tracker.timeline_data import timeline_data
from permanence_core.tracker.timeline_svg import HEIGHT, WIDTH, legend_svg, timeline_svg


def legal_status_text(code: str | None) -> str:
    """The meaning of a legal-status code, for the tooltip on the code in the table."""
    return codes.LEGAL_STATUS.meaning(code) if code is not None and code in codes.LEGAL_STATUS else (code or "")


@cache
def timeline_script() -> Markup:
    """The page's script that draws each timeline from ``timeline_data`` when the reader reaches it."""
    return Markup(resources.files("permanence_core.tracker.templates").joinpath("timelines.js").read_text("utf-8"))


class _Timelines(Mapping[str, str]):
    """Each looked-after child's timeline as inline SVG, drawn only if a (council's) template asks for it:
    the built-in page draws them in the browser from ``timeline_data`` instead."""

    def __init__(self, report: TrackerReport) -> None:
        self._rows = {row.child_id: row for row in report.looked_after}

    def __getitem__(self, child_id: str) -> str:
        row = self._rows[child_id]
        return timeline_svg(row.timeline, row.child_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def render_html(report: TrackerReport, drift: DriftReport, templates: Mapping[str, Path] | None = None) -> str:
    """The page: cohort charts, the sortable, filterable table of looked-after children and a timeline per
    child, drawn in the browser from compact data when the reader reaches it.

    ``templates`` (name → file, as ``Plugins().templates()`` returns) may replace ``tracker.html``.
    """
    return "".join(html_chunks(report, drift, templates))


def html_chunks(
    report: TrackerReport, drift: DriftReport, templates: Mapping[str, Path] | None = None
) -> Iterator[str]:
    """The page of :func:`render_html` piece by piece, to write to a file as it is made (a national cohort's
    page is about 95 MB); a template error is raised when the piece that has it is reached."""
    found = {**tracker_templates(), **dict(templates or {})}
    env = environment(found)
    env.filters["route"] = route_text
    env.filters["legal_status"] = legal_status_text
    figures = cohort_figures(report)
    context = {
        "report": report,
        "drift": drift,
        "flags": drift.by_child(),
        "figures": figures,
        "charts": cohort_charts(figures, drift),
        "timelines": _Timelines(report),
        "timeline_data": timeline_data(report.looked_after, report.as_of),
        "timeline_script": timeline_script(),
        "timeline_size": {"width": WIDTH, "height": HEIGHT},
        "signal_totals": drift.totals(),
        "legend": legend_svg(),
        "generated_on": report.as_of,
    }
    try:
        stream = env.get_template(TRACKER_TEMPLATE).stream(**context)
        # Pieces joined a thousand at a time: the page is some 1.6 million small pieces at 20,000 children.
        stream.enable_buffering(1000)
        yield from stream
    except jinja2.TemplateNotFound as exc:
        raise ConfigError("templates", f"no HTML template {exc.name!r} is registered") from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{exc.filename or exc.name}, line {exc.lineno}", f"template error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(TRACKER_TEMPLATE, f"template uses an unknown variable: {exc.message}") from None
