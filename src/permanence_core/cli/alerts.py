"""``permanence alerts`` and ``permanence explain``: the stable CLI contract integration scripts depend on."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import sys

import click

from permanence_core import api
from permanence_core.cli.common import counted, echo_table, emit_json
from permanence_core.cli.sources import (
    evaluation_options,
    load_cohort,
    load_records,
    pseudonymise_option,
    pseudonymised,
    pseudonymiser,
    report_rejections,
    source_options,
    the_child,
    the_child_cohort,
)
from permanence_core.rules import AlertStatus, ObligationState, load_profile, profile_facets
from permanence_core.rules.engine import CohortEvaluation
from permanence_core.rules.events import met_by_words

log = logging.getLogger(__name__)

ALERT_FIELDS = ("child_id", "rule", "status", "due_date", "anchor_event", "anchor_date", "message", "source")


@click.command("alerts")
@source_options
@evaluation_options
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--child", "child_id", help="Only this child's alerts.")
@pseudonymise_option
def alerts_command(
    adapter: str,
    source: str,
    config: str | None,
    profile: str,
    as_of: dt.date | None,
    fmt: str,
    child_id: str | None,
    pseudonymise: bool,
) -> None:
    """Alerts for every child: obligations upcoming within their warning window, or overdue.

    Exit 0 when it ran (alerts or not); 1 when the input could not be read at all, --child is not in it, or
    --pseudonymise has no key.
    """
    pseudonyms = pseudonymiser(pseudonymise)
    rules = load_profile(profile)
    # Alerts need only the facets the profile's rules read: meetings, say, are not loaded for england. The cohort
    # comes as tables, evaluated all at once: only the alerts become objects.
    result = load_cohort(adapter, source, config, profile_facets(rules))
    cohort = result.cohort if child_id is None else the_child_cohort(result, child_id, source)
    evaluation = api.evaluate_cohort(cohort, profile=rules, as_of=as_of)
    if pseudonyms is not None:
        pseudonyms, result = pseudonymised(pseudonyms, result)
        evaluation = pseudonyms.cohort_evaluation(evaluation)
    if fmt == "json":
        emit_json(
            {
                "as_of": evaluation.as_of.isoformat(),
                "profile": evaluation.profile.name,
                "alerts": [a.to_dict() for a in evaluation.alerts],
                "rejected": [r.to_dict() for r in result.rejected],
                "summary": {"load": result.summary(), **evaluation.summary()},
            }
        )
        return
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=ALERT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(a.to_dict() for a in evaluation.alerts)
        report_rejections(result)
        return
    print_table(evaluation, len(cohort))
    report_rejections(result)


def print_table(evaluation: CohortEvaluation, children: int) -> None:
    """A table as wide as the terminal for a team manager: overdue first (longest overdue at the top), then upcoming."""
    as_of = evaluation.as_of
    overdue = [a for a in evaluation.alerts if a.status is AlertStatus.OVERDUE]
    upcoming = [a for a in evaluation.alerts if a.status is AlertStatus.UPCOMING]
    click.echo(
        f"Alerts on {as_of.isoformat()} (profile {evaluation.profile.name}): {counted(children, 'child')}, "
        f"{len(overdue)} overdue, {len(upcoming)} upcoming"
    )
    if not evaluation.alerts:
        click.echo("No alerts.")
        return
    rows = []
    for alert in overdue + upcoming:
        days = alert.days_overdue(as_of)
        when = f"{days}d late" if days > 0 else ("today" if days == 0 else f"in {-days}d")
        what = alert.title if alert.statutory else f"{alert.title} (indicator)"
        rows.append((alert.child_id, alert.status.value, alert.due_date.isoformat(), when, what))
    echo_table(("CHILD", "STATUS", "DUE", "WHEN", "WHAT"), rows, right=("WHEN",))
    not_assessable = evaluation.summary()["not_assessable_by_rule"]
    if not_assessable:
        rules = ", ".join(f"{rule} ({count})" for rule, count in not_assessable.items())
        click.echo(f"Not assessable from this source: {rules}")


@click.command("explain")
@click.option("--child", "child_id", required=True, help="The child's case-system id.")
@source_options
@evaluation_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def explain_command(
    child_id: str, adapter: str, source: str, config: str | None, profile: str, as_of: dt.date | None, fmt: str
) -> None:
    """One child's whole obligation timeline: every rule, its anchor, due date, and met / met late / open."""
    result = load_records(adapter, source, config)
    evaluation = api.evaluate([the_child(result, child_id, source)], profile=profile, as_of=as_of)
    timeline = evaluation.obligations_for(child_id)
    if fmt == "json":
        emit_json(
            {
                "as_of": evaluation.as_of.isoformat(),
                "profile": evaluation.profile.name,
                "child_id": child_id,
                "obligations": [
                    {
                        "rule": o.rule,
                        "title": o.title,
                        "state": o.state.value,
                        "anchor_event": o.anchor_event,
                        "anchor_date": o.anchor_date,
                        "due_date": o.due_date,
                        "met_on": o.met_on,
                        "met_by": o.met_by,
                        "met_event": o.met_event,
                        "statutory": o.statutory,
                        "source": o.source,
                        "note": o.note,
                    }
                    for o in timeline
                ],
                "alerts": [a.to_dict() for a in evaluation.alerts],
            }
        )
        return
    click.echo(f"Child {child_id} on {evaluation.as_of.isoformat()} (profile {evaluation.profile.name})")
    for o in timeline:
        if o.state is ObligationState.NOT_ASSESSABLE:
            click.echo(f"  {o.rule:<30} not assessable: {o.note}")
            continue
        met = f" on {o.met_on.isoformat()} ({o.met_event})" if o.met_on else ""
        click.echo(f"  {o.rule:<30} due {o.due_date}  {o.state.value}{met}")
        click.echo(f"  {'':<30} {o.anchor_event} {o.anchor_date}; {o.source}")
        click.echo(f"  {'':<30} met by {met_by_words(o.met_by)}")
