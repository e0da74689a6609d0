"""What every command that reads case records shares: source and evaluation options, loading with a progress
bar and a load summary on stderr, and the ``--pseudonymise`` option."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click

from permanence_core import api
from permanence_core.adapters import CohortLoad, LoadResult
from permanence_core.cli.common import check_config, counted, parse_date, progress_callback
from permanence_core.errors import InputError
from permanence_core.model import Facet

if TYPE_CHECKING:
    from permanence_core.cohort import Cohort
    from permanence_core.model import CaseRecord
    from permanence_core.pseudonymise import Pseudonymiser

log = logging.getLogger(__name__)
#: A click command, or the function that becomes one, that options are added to.
F = TypeVar("F", bound=Callable[..., Any])


def source_options(command: F) -> F:
    """The options every command that reads case records shares."""
    for decorator in reversed(
        (
            click.option("--adapter", required=True, help="Adapter to read with (see `permanence plugins`)."),
            click.option("--source", required=True, help="Folder, file or database URL the adapter reads."),
            click.option(
                "--config",
                type=click.Path(dir_okay=False),
                callback=check_config,
                help="The council's adapter configuration (TOML).",
            ),
        )
    ):
        command = decorator(command)
    return command


def evaluation_options(command: F) -> F:
    """Profile and date options."""
    for decorator in reversed(
        (
            click.option(
                "--profile", default="england", show_default=True, help="Profile name or path to a .toml file."
            ),
            click.option("--as-of", callback=parse_date, help="Date to evaluate on, YYYY-MM-DD (default: today)."),
        )
    ):
        command = decorator(command)
    return command


def pseudonymise_option(command: F) -> F:
    """``--pseudonymise``: an export with child ids as keyed hashes, names and free text dropped."""
    return click.option(
        "--pseudonymise",
        is_flag=True,
        help=(
            "Replace child ids by keyed hashes (the key from $PERMANENCE_PSEUDONYM_KEY), drop names and free "
            "text, keep dates of birth to the month."
        ),
    )(command)


def pseudonymiser(wanted: bool) -> Pseudonymiser | None:
    """The pseudonymiser when ``--pseudonymise`` was given: read before loading, so a missing key fails at once."""
    if not wanted:
        return None
    from permanence_core.pseudonymise import Pseudonymiser

    return Pseudonymiser.from_environment()


Loaded = TypeVar("Loaded", LoadResult, CohortLoad)


def pseudonymised(pseudonyms: Pseudonymiser, result: Loaded) -> tuple[Pseudonymiser, Loaded]:
    """The pseudonymiser knowing the source's child ids (to find them inside other ids), and the rejections hashed."""
    ids = set(_child_ids(result)) | {r.child_id for r in result.rejected if r.child_id}
    pseudonyms = pseudonyms.with_ids(ids)
    return pseudonyms, attrs.evolve(result, rejected=tuple(pseudonyms.rejection(r) for r in result.rejected))


def _child_ids(result: LoadResult | CohortLoad) -> list[str]:
    if isinstance(result, CohortLoad):
        ids: list[str] = result.cohort.children["child_id"].to_list()
        return ids
    return [record.child_id for record in result.records]


def load_records(adapter: str, source: str, config: str | None, facets: Collection[Facet] | None = None) -> LoadResult:
    """Load through the adapter with a progress bar on a terminal; ``facets``: only what the caller needs
    (the adapter may read less; None: everything, as documents need)."""
    update, close = progress_callback(f"Loading {adapter}")
    options: dict[str, object] = {"progress": update}
    if config:
        options["config"] = config
    if facets is not None:
        options["facets"] = sorted(facet.value for facet in facets)
    try:
        result = api.load(adapter, source, options)
    finally:
        close()
    if result.nothing_loaded:
        # Every record was rejected or unreadable: going on would report "no alerts" for a caseload.
        report_rejections(result)
        raise InputError(source, "no child could be loaded (see the rejections above)")
    return result


def load_cohort(
    adapter: str, source: str, config: str | None, facets: Collection[Facet] | None = None, *, detail: bool = False
) -> CohortLoad:
    """``load_records`` as cohort tables: what commands evaluating the whole cohort load; ``detail``: the detail
    tables too (names, meetings' chairs, actions, plan ids, workers), as the tracker shows them."""
    update, close = progress_callback(f"Loading {adapter}")
    options: dict[str, object] = {"progress": update}
    if config:
        options["config"] = config
    if detail:
        options["detail"] = True
    try:
        loaded = api.load_cohort(adapter, source, options, facets)
    finally:
        close()
    if loaded.nothing_loaded:
        # Every record was rejected or unreadable: going on would report "no alerts" for a caseload.
        report_rejections(loaded)
        raise InputError(source, "no child could be loaded (see the rejections above)")
    return loaded


def the_child(result: LoadResult, child_id: str, source: str) -> CaseRecord:
    """The one child a command was asked about; a child not in the source (exit 1) names its rejected records."""
    for record in result.records:
        if record.child_id == child_id:
            return record
    raise _not_in_source(result, child_id, source)


def the_child_cohort(loaded: CohortLoad, child_id: str, source: str) -> Cohort:
    """``the_child`` for a cohort load: the cohort of that one child."""
    if child_id in loaded.cohort.children["child_id"]:
        return loaded.cohort.only(child_id)
    raise _not_in_source(loaded, child_id, source)


def _not_in_source(result: LoadResult | CohortLoad, child_id: str, source: str) -> click.ClickException:
    rejected = [r for r in result.rejected if r.child_id == child_id]
    detail = f"; {counted(len(rejected), 'record')} of it {'was' if len(rejected) == 1 else 'were'} rejected"
    for rejection in rejected:
        click.echo(f"  {rejection}", err=True)
    return click.ClickException(f"child {child_id!r} is not in {source}{detail if rejected else ''}")


def report_rejections(result: LoadResult | CohortLoad, limit: int = 10) -> None:
    """Tell the reader on stderr what was loaded and which records were rejected (the first few)."""
    counts = result.summary()
    click.echo(
        f"Loaded {counted(counts['children'], 'child')}: {counted(counts['read'], 'record')} read, "
        f"{counts['rejected']} rejected.",
        err=True,
    )
    for notice in result.notices:
        log.info("%s", notice)
    if not result.rejected:
        return
    click.echo(f"{counted(len(result.rejected), 'record')} rejected (all are listed with --format json):", err=True)
    for rejection in result.rejected[:limit]:
        click.echo(f"  {rejection}", err=True)
