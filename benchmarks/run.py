"""Alerts benchmark: `permanence alerts` on a national cohort with its pack, beside pandas reading the same files.

Run: .venv/bin/python benchmarks/run.py [--children 10000,85000,250000] [--seed 903] [--profile england]
     [--pack-json] [--validator] [--repeat 1]

For each size it generates the cohort WITH its permanence pack, as ``permanence synth`` writes it (cached in
the temp folder by size, seed, date and pack format), then runs, each as its own child process:
  - permanence: ``permanence alerts --adapter ssda903 --source FOLDER --format json``, what a council runs;
  - pandas: ``pandas.read_csv(dtype=str)`` of every CSV file in the folder and its pack/ (and nothing else);
  - with ``--validator``: the DfE 903 validator (``csc-validator-be-903``, installed on first use into its own
    virtual environment in the cache folder) on the same return's tables, its 2025-26 rules.
Each child's wall time, CPU time (user + system) and peak RSS come from ``os.wait4`` on that child alone, so
interpreter start-up and imports are included for every tool alike. Figures only: the exit status is non-zero
only when a run crashed. Goal (issue #18, 85,000 children): alerts wall at most 3x pandas', peak RSS at most
600 MiB, growing linearly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from permanence_core.synth import CohortSpec, generate

GOAL_RATIO = 3.0
GOAL_PEAK_MIB = 600
NATIONAL = 85_000
#: A fixed date so cached cohorts stay valid from one day to the next.
AS_OF = dt.date(2026, 11, 2)
COMPLETE = ".complete"
VALIDATOR = "csc-validator-be-903"

# pandas' child: reads every CSV file given, as strings (no type inference), and prints its read time alone.
# nightly_scale.py measures its reference with it too.
PANDAS_READ = """
import json, sys, time
import pandas
start = time.perf_counter()
rows = sum(len(pandas.read_csv(path, dtype=str)) for path in sys.argv[1:])
print(json.dumps({"read_seconds": time.perf_counter() - start, "rows": rows}))
"""

# The 903 validator's child: its own ``run-offline`` command wants every table by a fixed name, so this drives
# the same LacValidator over the return's files that exist, and prints the number of rows in its report.
_VALIDATOR = """
import importlib, json, sys
from lac_validator import lac_validator
from lac_validator.report import Report
from lac_validator.utils import process_uploaded_files
files = process_uploaded_files({"This year": sys.argv[1:]})
registry = importlib.import_module("lac_validator.rules.lac2025_26").registry
metadata = {"collectionYear": "2026", "localAuthority": "E09000027"}
validator = lac_validator.LacValidator(metadata=metadata, files=files, registry=registry, selected_rules=None)
report = Report(validator.ds_results, registry)
print(json.dumps({"report_rows": int(len(report.report))}))
"""


def cohort(size: int, seed: int, cache: Path, pack_json: bool) -> Path:
    """The cached cohort of ``size`` children with its pack, generated on first use."""
    kind = "packjson" if pack_json else "packcsv"
    folder = cache / f"alerts-{size}-seed{seed}-{AS_OF.isoformat()}-{kind}"
    if not (folder / COMPLETE).exists():
        print(f"generating {size:,} children with their pack into {folder} ...", flush=True)
        start = time.perf_counter()
        generate(CohortSpec(children=size, seed=seed, as_of=AS_OF), folder, pack_json=pack_json)
        (folder / COMPLETE).write_text("")
        print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
    return folder


def run(command: list[str], stdout: Path) -> dict[str, float]:
    """Run ``command`` with stdout to a file; its wall and CPU seconds and peak RSS in MiB, from wait4."""
    start = time.perf_counter()
    with stdout.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        assert process.stderr is not None
        errors = process.stderr.read()
        _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.stderr.write(errors.decode(errors="replace")[-4000:])
        raise SystemExit(f"benchmark child failed (exit {process.returncode}): {' '.join(command[:4])} ...")
    peak_kib = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": peak_kib / 1024}


def fastest(command: list[str], stdout: Path, repeat: int) -> dict[str, float]:
    """The run with the least wall time of ``repeat`` runs."""
    return min((run(command, stdout) for _ in range(repeat)), key=lambda figures: figures["wall"])


def permanence_command() -> list[str]:
    """The installed ``permanence`` console script next to this interpreter."""
    script = Path(sys.executable).with_name("permanence")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from permanence_core.cli import main; main()"]


def validator_python(cache: Path) -> Path:
    """The 903 validator's own interpreter: it pins pandas < 2, so it never shares our environment."""
    venv = cache / "validator-venv"
    python = venv / "bin" / "python"
    if not (venv / COMPLETE).exists():
        print(f"installing {VALIDATOR} into {venv} ...", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # Its command-line module imports pytest at start-up.
        subprocess.run([str(python), "-m", "pip", "install", "-q", VALIDATOR, "pytest"], check=True)
        (venv / COMPLETE).write_text("")
    return python


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", default="10000", help="Comma-separated cohort sizes, e.g. 10000,85000,250000.")
    parser.add_argument("--seed", type=int, default=903)
    parser.add_argument("--profile", default="england", help="The profile permanence alerts evaluates.")
    parser.add_argument("--pack-json", action="store_true", help="Write the pack as one pack.json (synth --pack-json).")
    parser.add_argument("--validator", action="store_true", help=f"Also time the DfE 903 validator ({VALIDATOR}).")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per measurement; the fastest is kept.")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "permanence-bench")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.children.split(",") if size.strip()]
    out = args.cache / "out"
    out.mkdir(parents=True, exist_ok=True)
    validator = validator_python(args.cache) if args.validator else None
    if validator is None:
        print(f"the DfE 903 validator is skipped (pass --validator to install {VALIDATOR} and time it)")
    rows = []
    for size in sizes:
        folder = cohort(size, args.seed, args.cache, args.pack_json)
        csv_files = sorted(folder.glob("*.csv")) + sorted((folder / "pack").glob("*.csv"))
        pack_mb = sum(path.stat().st_size for path in (folder / "pack").iterdir()) / 1e6
        files_mb = sum(path.stat().st_size for path in csv_files) / 1e6
        alerts_command = [
            *permanence_command(),
            "alerts",
            "--adapter",
            "ssda903",
            "--source",
            str(folder),
            "--profile",
            args.profile,
            "--as-of",
            AS_OF.isoformat(),
            "--format",
            "json",
        ]
        alerts = fastest(alerts_command, out / "alerts.json", args.repeat)
        report = json.loads((out / "alerts.json").read_text(encoding="utf-8"))
        pandas_command = [sys.executable, "-c", PANDAS_READ, *map(str, csv_files)]
        pandas = fastest(pandas_command, out / "pandas.json", args.repeat)
        pandas["read"] = json.loads((out / "pandas.json").read_text(encoding="utf-8"))["read_seconds"]
        checked = None
        if validator is not None:
            returned = [str(path) for path in sorted(folder.glob("*.csv"))]
            command = [str(validator), "-c", _VALIDATOR, *returned]
            checked = fastest(command, out / "validator.txt", args.repeat)
        rows.append((size, files_mb, pack_mb, alerts, report, pandas, checked))
        line = (
            f"{size:>8,} children: alerts {alerts['wall']:.2f} s / {alerts['peak_mib']:.0f} MiB, "
            f"pandas {pandas['wall']:.2f} s / {pandas['peak_mib']:.0f} MiB"
        )
        if checked is not None:
            line += f", validator {checked['wall']:.2f} s / {checked['peak_mib']:.0f} MiB"
        print(line, flush=True)
    print()
    print(f"permanence alerts --profile {args.profile}, pack as {'pack.json' if args.pack_json else 'CSV tables'}")
    print(
        f"{'children':>9} {'CSV MB':>7} {'pack MB':>8} {'alerts':>7} {'alerts s':>9} {'CPU s':>7} {'MiB':>6} "
        f"{'pandas s':>9} {'CPU s':>6} {'read s':>7} {'MiB':>5} {'ratio':>6} {'CPU ratio':>9} {'s/10k':>6}"
        + (f" {'903 val s':>9} {'CPU s':>7} {'MiB':>6} {'val/alerts':>10}" if any(row[6] for row in rows) else "")
    )
    for size, files_mb, pack_mb, alerts, report, pandas, checked in rows:
        line = (
            f"{size:>9,} {files_mb:>7.1f} {pack_mb:>8.1f} {len(report['alerts']):>7,} {alerts['wall']:>9.2f} "
            f"{alerts['cpu']:>7.2f} {alerts['peak_mib']:>6.0f} {pandas['wall']:>9.2f} {pandas['cpu']:>6.2f} "
            f"{pandas['read']:>7.2f} {pandas['peak_mib']:>5.0f} {alerts['wall'] / pandas['wall']:>6.2f} "
            f"{alerts['cpu'] / pandas['cpu']:>9.2f} {alerts['wall'] / size * 10_000:>6.2f}"
        )
        if checked is not None:
            # How many times longer the validator takes than the alerts run, on the same return.
            line += (
                f" {checked['wall']:>9.2f} {checked['cpu']:>7.2f} {checked['peak_mib']:>6.0f}"
                f" {checked['wall'] / alerts['wall']:>10.1f}"
            )
        print(line)
    national = [row for row in rows if row[0] == NATIONAL]
    if national:
        _size, _files, _pack, alerts, _report, pandas, _checked = national[0]
        ratio = alerts["wall"] / pandas["wall"]
        print()
        print(
            f"goal at {NATIONAL:,} children: wall ratio {ratio:.2f} (at most {GOAL_RATIO:g}) - "
            f"{'met' if ratio <= GOAL_RATIO else 'MISSED'}; peak {alerts['peak_mib']:.0f} MiB (at most "
            f"{GOAL_PEAK_MIB}) - {'met' if alerts['peak_mib'] <= GOAL_PEAK_MIB else 'MISSED'}"
        )
    print("Growth is linear when 's/10k' (alerts seconds per 10,000 children) stays flat across sizes.")


if __name__ == "__main__":
    main()
