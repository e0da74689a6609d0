"""``permanence synth``: write a synthetic cohort (an SSDA903 return plus permanence pack) for demos and tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from permanence_core.cli.common import counted, emit_json, parse_date, progress_callback
from permanence_core.synth import DEMO, CohortSpec, generate

_PINNED_BY_DEMO = ("children", "seed", "as_of", "no_pack")


@click.command("synth")
@click.option("--children", type=click.IntRange(min=1), default=200, show_default=True, help="Children to generate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same cohort.")
@click.option("--as-of", callback=parse_date, help="The cohort's 'today', YYYY-MM-DD (default: today).")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write (created)."
)
@click.option("--no-pack", is_flag=True, help="Write the return only (no pack/pack.json): faster, for benchmarks.")
@click.option("--demo", is_flag=True, help="Regenerate the bundled demo cohort (its own children, seed and date).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def synth_command(
    ctx: click.Context,
    children: int,
    seed: int,
    as_of: dt.date | None,
    out: Path,
    no_pack: bool,
    demo: bool,
    fmt: str,
) -> None:
    """Write a synthetic cohort of looked-after children to OUT.

    OUT gets the SSDA903 tables (header.csv, episodes.csv, reviews.csv, uasc.csv, ad1.csv,
    placed_for_adoption.csv, previous_permanence.csv) and pack/pack.json. Every name, NHS number and
    postcode is invented. Exit 0 when written; 1 when OUT cannot be written; 2 usage error.
    """
    if demo:
        pinned = [
            name for name in _PINNED_BY_DEMO if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        ]
        if pinned:
            options = ", ".join("--" + name.replace("_", "-") for name in pinned)
            raise click.UsageError(f"--demo fixes the cohort; drop {options}")
        spec = DEMO
    else:
        spec = CohortSpec(children=children, seed=seed, as_of=as_of or dt.date.today(), casework=not no_pack)
    update, close = progress_callback("Generating")
    try:
        summary = generate(spec, out, update)
    finally:
        close()
    figures = summary.to_dict()
    if fmt == "json":
        emit_json({"out": str(out), "seed": spec.seed, **figures})
        return
    click.echo(f"Wrote {counted(figures['children'], 'child')} to {out} (seed {spec.seed}, as of {figures['as_of']})")
    for key, value in figures.items():
        if key in ("as_of", "children"):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{name} {count}" for name, count in value.items())
        click.echo(f"  {key.replace('_', ' ')}: {value}")
