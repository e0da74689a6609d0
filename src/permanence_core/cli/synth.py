"""``permanence synth``: write a synthetic cohort (an SSDA903 return plus permanence pack) for demos and tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from permanence_core.cli.common import counted, emit_json, parse_date, progress_callback
from permanence_core.synth import DEMO, CohortSpec, generate

_PINNED_BY_DEMO = ("children", "seed", "as_of", "no_pack", "pack_json")


@click.command("synth")
@click.option("--children", type=click.IntRange(min=1), default=200, show_default=True, help="Children to generate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same cohort.")
@click.option("--as-of", callback=parse_date, help="The cohort's 'today', YYYY-MM-DD (default: today).")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write (created)."
)
@click.option(
    "--ssd-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the cohort as a Standard Safeguarding Dataset: a SQLite file (replaced if there).",
)
@click.option("--no-pack", is_flag=True, help="Write the return only (no pack/): faster, for benchmarks.")
@click.option(
    "--pack-json",
    is_flag=True,
    help="Write the pack as one compact pack/pack.json (the interchange document) instead of its CSV tables.",
)
@click.option("--demo", is_flag=True, help="Regenerate the bundled demo cohort (its own children, seed and date).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def synth_command(
    ctx: click.Context,
    children: int,
    seed: int,
    as_of: dt.date | None,
    out: Path,
    ssd_out: Path | None,
    no_pack: bool,
    pack_json: bool,
    demo: bool,
    fmt: str,
) -> None:
    """Write a synthetic cohort of looked-after children to OUT.

    OUT gets the SSDA903 tables (header.csv, episodes.csv, reviews.csv, uasc.csv, ad1.csv,
    placed_for_adoption.csv, previous_permanence.csv) and the permanence pack in pack/: its CSV tables
    (plans.csv, meetings.csv, ...; docs/permanence-pack.md) and a compact documents.json of what the tables cannot
    hold (family, views, narrative, sign-offs); --pack-json writes the whole pack as one compact pack.json;
    --ssd-out writes the same children as an SSD database for ``--adapter ssd``.
    Every name, NHS number and postcode is invented. Exit 0 when written; 1 when OUT cannot be written;
    2 usage error.
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
        summary = generate(spec, out, update, ssd_out=ssd_out, pack_json=pack_json)
    finally:
        close()
    figures = summary.to_dict()
    if fmt == "json":
        emit_json({"out": str(out), "ssd_out": str(ssd_out) if ssd_out else None, "seed": spec.seed, **figures})
        return
    click.echo(
        f"Wrote {counted(figures['children'], 'child')} to {out} (random seed {spec.seed}, as of {figures['as_of']})"
    )
    if ssd_out is not None:
        click.echo(f"  and as a Standard Safeguarding Dataset to {ssd_out}")
    for key, value in figures.items():
        if key in ("as_of", "children"):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{name} {count}" for name, count in value.items())
        click.echo(f"  {key.replace('_', ' ')}: {value}")
