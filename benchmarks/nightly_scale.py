"""The nightly job at national scale in one process: load → ledger → evaluate → write-back → tracker, measured.

Run: .venv/bin/python benchmarks/nightly_scale.py [--children 85000] [--profile panel-tor] [--no-html]
     (or `make nightly-scale`)

Generates a synthetic cohort with its permanence pack once (cached by size, seed and date; the generation is not a
stage, its time is printed), then runs the whole nightly job twice in this one process against one SQLite ledger and
one outbox, as two runs of the same night would, with the steps `permanence ledger sync --raise-alerts` runs
(permanence_core.tracker.nightly): load (ssda903 with the pack), record the sync in the ledger, evaluate the profile
on the cohort's tables, raise each new or changed alert to the outbox exactly once (the second run sends nothing);
then write the tracker: the workbook, then the HTML page (--no-html skips it). After each stage it prints the wall
and CPU time, the stage's own peak RSS, the RSS it left behind and the process peak so far; then each run's totals
against the targets (60 s, 1.5 GiB) and as a multiple of the reference (pandas reading the cohort's CSV files in a
child process, as benchmarks/run.py measures it: this machine's speed on the day), and what reached the outbox:
sent, lost, duplicated. A missed target is printed as MISSED and does not change the exit status: 1 when a stage
crashed or an alert was lost or duplicated, 2 on a usage error, 0 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import gc
import importlib.util
import json
import os
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from permanence_core.freed_memory import ALLOCATOR_SETTINGS, allocator_settings

# As `permanence ledger sync` does before polars loads (permanence_core/freed_memory.py): polars' allocator keeps
# freed pages a quarter of a second, then hands them back. A caller's own setting wins.
os.environ.setdefault(ALLOCATOR_SETTINGS, allocator_settings("ledger"))

import attrs

# benchmarks/run.py, beside this script: pandas' child, and how a child process is measured.
from run import PANDAS_READ
from run import run as measure_child

from permanence_core.cli.common import progress_callback
from permanence_core.collector import collector_paused
from permanence_core.plugins.manager import Plugins
from permanence_core.private_files import open_private
from permanence_core.rules.engine import CohortEvaluation
from permanence_core.synth import CohortSpec, generate
from permanence_core.tracker import nightly
from permanence_core.tracker.drift import assess_drift
from permanence_core.tracker.html import html_chunks
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.report import report_from_cohort
from permanence_core.tracker.xlsx import write_xlsx
from permanence_core.writeback import ReceiptStatus
from permanence_core.writeback.audit import AUDIT_FILE, AuditLog

ADAPTER = "ssda903"
#: Issue #18's goal for the national cohort: each run within a minute and 1.5 GiB.
TARGET_SECONDS = 60
TARGET_MB = 1536
#: Marks a fully written cohort; holds the seconds its generation took.
COMPLETE = ".complete"
#: Linux lets a process reset its peak RSS (VmHWM) by writing this to /proc/self/clear_refs (since 4.0).
_RESET_PEAK = "5"
_SENT = (ReceiptStatus.QUEUED.value, ReceiptStatus.DELIVERED.value)

T = TypeVar("T")


class StageCrashed(Exception):
    """A stage raised: the run stops there and the script exits 1."""


@attrs.frozen(kw_only=True)
class StageFigures:
    """What one stage cost: wall and CPU seconds, its own peak RSS, the RSS it left behind, the process peak."""

    run: int
    stage: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    rss_delta_mb: float | None
    process_peak_mb: float
    detail: str
    crashed: bool = False


def _status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in MB; None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text(_RESET_PEAK)
    except OSError:
        return False
    return True


def _maxrss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


class Meter:
    """Runs stages and keeps their figures; the process peak is kept here because resetting the stage's peak
    (VmHWM) resets ``ru_maxrss`` with it: the process peak is the largest stage peak seen so far."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self.figures: list[StageFigures] = []
        self.process_peak = _maxrss_mb()

    def stage(self, run: int, name: str, action: Callable[[], T], detail: Callable[[T], str] = lambda _r: "") -> T:
        """Run ``action`` as stage ``name`` of ``run``, print its figures, and return its result."""
        before = _status_mb("VmRSS")
        own_peak = _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            result = action()
        except Exception as exc:
            self._record(run, name, wall, cpu, before, own_peak, "CRASHED", crashed=True)
            traceback.print_exc(file=sys.stderr)
            raise StageCrashed(f"run {run}, stage {name}: {type(exc).__name__}") from exc
        self._record(run, name, wall, cpu, before, own_peak, detail(result))
        return result

    def _record(
        self,
        run: int,
        name: str,
        wall: float,
        cpu: float,
        before: float | None,
        own_peak: bool,
        detail: str,
        crashed: bool = False,
    ) -> None:
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        peak = (_status_mb("VmHWM") if own_peak else None) or _maxrss_mb()
        self.process_peak = max(self.process_peak, peak)
        after = _status_mb("VmRSS")
        figures = StageFigures(
            run=run,
            stage=name,
            wall_s=wall,
            cpu_s=cpu,
            peak_mb=peak,
            rss_delta_mb=None if before is None or after is None else after - before,
            process_peak_mb=self.process_peak,
            detail=detail,
            crashed=crashed,
        )
        self.figures.append(figures)
        self.echo(_stage_line(figures))


HEADER = (
    f"{'run':>3}  {'stage':<14} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'+RSS MB':>8} {'process MB':>10}  detail"
)


def _stage_line(f: StageFigures) -> str:
    delta = "" if f.rss_delta_mb is None else f"{f.rss_delta_mb:+.0f}"
    return (
        f"{f.run:>3}  {f.stage:<14} {f.wall_s:>8.1f} {f.cpu_s:>8.1f} {f.peak_mb:>8.0f} {delta:>8} "
        f"{f.process_peak_mb:>10.0f}  {f.detail}"
    )


# -- the cohort -------------------------------------------------------------------------------------


def cohort(children: int, seed: int, as_of: dt.date, cache: Path, echo: Callable[[str], None]) -> Path:
    """The cached cohort (return and pack) of ``children`` children, generated on first use."""
    folder = cache / f"nightly-{children}-seed{seed}-{as_of.isoformat()}"
    marker = folder / COMPLETE
    if marker.exists():
        seconds = _generation_seconds(marker)
        took = f"generated in {seconds:.0f} s" if seconds is not None else "generation time not recorded"
        echo(f"cohort: {folder} (cached; {took})")
        return folder
    echo(f"cohort: generating {children:,} children with their pack into {folder} ...")
    update, close = progress_callback("Generating the cohort")
    started = time.perf_counter()
    try:
        generate(CohortSpec(children=children, seed=seed, as_of=as_of), folder, progress=update)
    finally:
        close()
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"seconds": round(seconds, 1)}))
    echo(f"cohort: generated in {seconds:.0f} s (not a stage of the nightly job)")
    return folder


def _generation_seconds(marker: Path) -> float | None:
    try:
        return float(json.loads(marker.read_text())["seconds"])
    except (ValueError, KeyError, TypeError):
        return None


def reference(source: Path, echo: Callable[[str], None]) -> dict[str, Any] | None:
    """``pandas.read_csv(dtype=str)`` of every CSV file of the cohort (the return and its pack), in a child process
    as ``benchmarks/run.py`` measures it: the machine's speed on the day, beside the night's own figures (a night
    is judged by its 60 s, and compared across days by its multiple of this). None without pandas."""
    if importlib.util.find_spec("pandas") is None:
        echo("reference: pandas is not installed (pip install -e '.[bench]'); the runs are not compared with it")
        return None
    files = sorted(source.glob("*.csv")) + sorted((source / "pack").glob("*.csv"))
    with tempfile.TemporaryDirectory(prefix="permanence-reference-") as scratch:
        read_out = Path(scratch) / "pandas.json"
        figures = measure_child([sys.executable, "-c", PANDAS_READ, *map(str, files)], read_out)
        rows = json.loads(read_out.read_text(encoding="utf-8"))["rows"]
    size_mb = sum(path.stat().st_size for path in files) / 2**20
    echo(
        f"reference: pandas.read_csv(dtype=str) of the cohort's {len(files)} CSV files ({size_mb:,.0f} MB, "
        f"{rows:,} rows): {figures['wall']:.1f} s wall, {figures['cpu']:.1f} s CPU, {figures['peak_mib']:,.0f} MiB"
    )
    return {"files": len(files), "mb": size_mb, "rows": rows, **figures}


# -- one run of the nightly job ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RunOutcome:
    """What one run raised: alert changes by kind and receipts by status (from ``AlertRun.summary``)."""

    run: int
    alerts: int
    write_back: dict[str, int]


def nightly_run(
    run: int, meter: Meter, source: Path, work: Path, profile: str, as_of: dt.date, html: bool, plugins: Plugins
) -> RunOutcome:
    """The nightly job once, stage by stage."""
    built, alerts, summary = _case_stages(run, meter, source, work, profile, as_of, plugins)
    # The tables and the obligations went with _case_stages: the report holds what the tracker shows.
    gc.unfreeze()
    gc.collect()
    meter.stage(run, "tracker xlsx", lambda: _write_xlsx(built, work / f"tracker-run{run}.xlsx"), _file_detail)
    if html:
        meter.stage(run, "tracker html", lambda: _write_html(built, work / f"tracker-run{run}.html"), _file_detail)
    return RunOutcome(run=run, alerts=alerts, write_back=summary)


def _case_stages(
    run: int, meter: Meter, source: Path, work: Path, profile: str, as_of: dt.date, plugins: Plugins
) -> tuple[tuple[Any, Any], int, dict[str, int]]:
    """The job's steps as `permanence ledger sync --raise-alerts` runs them (permanence_core.tracker.nightly),
    each timed as a stage, then the tracker's rows: the stages that read the load's tables."""
    loaded = meter.stage(run, "load", lambda: nightly.load(ADAPTER, str(source), plugins=plugins), _load_detail)
    # The tables live through the run: keep the cyclic collector from re-walking them.
    gc.freeze()
    options = {"outbox": str(work / "outbox")}
    with Ledger(f"sqlite:///{work / 'ledger.sqlite'}") as ledger:
        meter.stage(
            run,
            "ledger sync",
            lambda: nightly.sync(ledger, loaded, adapter=ADAPTER, source=str(source)),
            lambda entry: (
                f"{entry.children_new:,} children new, {entry.meetings_added:,} meetings and "
                f"{entry.actions_added:,} actions added, {entry.plans_changed:,} plan changes"
            ),
        )
        evaluation = meter.stage(
            run,
            "evaluate",
            lambda: nightly.evaluate(ledger, loaded, profile, as_of, plugins),
            _evaluation_detail,
        )
        summary = meter.stage(
            run,
            "write-back",
            lambda: nightly.raise_alerts(
                ledger, loaded, evaluation, adapter=ADAPTER, options=options, plugins=plugins
            ).summary(),
            lambda counts: (
                f"{counts['new']:,} new, {counts['changed']:,} changed, {counts['resolved']:,} resolved, "
                f"{counts['unchanged']:,} unchanged; sent {counts['sent']:,}, failed {counts['failed']:,}"
            ),
        )
    built = meter.stage(
        run,
        "tracker rows",
        lambda: _report(loaded, evaluation),
        lambda report: f"{len(report[0].looked_after):,} looked after, {report[1].children_flagged:,} with drift",
    )
    return built, len(evaluation.alerts), summary


def _load_detail(loaded: nightly.NightlyLoad) -> str:
    tables = loaded.tables
    return (
        f"{len(tables.cohort):,} children, {tables.cohort.meetings.height:,} meetings, {tables.read:,} read, "
        f"{len(tables.rejected):,} rejected (as tables)"
    )


def _evaluation_detail(evaluation: CohortEvaluation) -> str:
    counts = collections.Counter(alert.status.value for alert in evaluation.alerts)
    alerts = ", ".join(f"{count:,} {status}" for status, count in sorted(counts.items()))
    return f"{evaluation.table.height:,} obligations, alerts: {alerts or 'none'}"


def _report(loaded: nightly.NightlyLoad, evaluation: CohortEvaluation) -> tuple[Any, Any]:
    # As `permanence tracker` does: the rows, the page and the workbook are built with the collector paused.
    with collector_paused():
        # The load's own tables (the evaluation's cohort also has the ledger's panels, which the rows never showed).
        report = report_from_cohort(loaded.tables.cohort, loaded.detail, evaluation, loaded.rejected)
        return report, assess_drift(report.rows, report.as_of)


def _write_xlsx(built: tuple[Any, Any], path: Path) -> Path:
    with open_private(path) as handle, collector_paused():
        write_xlsx(*built, handle)
    return path


def _write_html(built: tuple[Any, Any], path: Path) -> Path:
    # Streamed to the file piece by piece, as `permanence tracker` writes it.
    with open_private(path) as handle, collector_paused():
        for chunk in html_chunks(*built):
            handle.write(chunk.encode("utf-8"))
    return path


def _file_detail(path: Path) -> str:
    return f"{path.name}, {path.stat().st_size / 2**20:.1f} MB"


# -- what reached the outbox ------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Delivered:
    """Counted at the receiving side: sidecars in the outbox against the audit log's accepted attempts."""

    sidecars: int
    sent: int
    lost: int
    duplicated: int


def count_delivered(work: Path) -> Delivered:
    """Each item the audit log says was accepted must have exactly one sidecar in the outbox, and no more."""
    accepted: collections.Counter[str] = collections.Counter(
        entry.idempotency_key for entry in AuditLog(work / AUDIT_FILE).read().entries if entry.status in _SENT
    )
    present: collections.Counter[str] = collections.Counter()
    for sidecar in (work / "outbox").glob("*.json"):
        present[json.loads(sidecar.read_bytes())["idempotency_key"]] += 1
    lost = sum(1 for key in accepted if key not in present)
    duplicated = sum(count - 1 for count in accepted.values()) + sum(
        count if key not in accepted else count - 1 for key, count in present.items()
    )
    return Delivered(sidecars=sum(present.values()), sent=len(accepted), lost=lost, duplicated=duplicated)


# -- the command ------------------------------------------------------------------------------------


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


@contextlib.contextmanager
def _work_folder(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="permanence-nightly-") as scratch:
        yield Path(scratch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=85_000)
    parser.add_argument("--seed", type=int, default=903)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 2))
    parser.add_argument("--profile", default="panel-tor")
    parser.add_argument("--runs", type=int, default=2, help="runs of the same night (the second sends nothing)")
    parser.add_argument(
        "--html", action=argparse.BooleanOptionalAction, default=True, help="write the tracker's HTML page too"
    )
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "permanence-bench")
    parser.add_argument("--work", type=Path, help="keep the ledger, outbox and trackers here (an empty folder)")
    parser.add_argument("--target-seconds", type=float, default=TARGET_SECONDS, help="per run (default 60)")
    parser.add_argument("--target-mb", type=float, default=TARGET_MB, help="process peak (default 1536)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="json: figures on stdout")
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure pandas reading the cohort's CSV files first, and each run as a multiple of it",
    )
    args = parser.parse_args(argv)
    if args.children < 1 or args.runs < 1:
        parser.error("--children and --runs must be at least 1")
    if args.work is not None and args.work.exists() and any(args.work.iterdir()):
        parser.error(f"--work {args.work} is not empty: the first run must find no ledger and no outbox")

    # In JSON mode the lines are progress on stderr and stdout carries the figures only.
    stream = sys.stderr if args.format == "json" else sys.stdout

    def echo(line: str) -> None:
        print(line, file=stream, flush=True)

    source = cohort(args.children, args.seed, args.as_of, args.cache, echo)
    measured = reference(source, echo) if args.reference else None
    meter = Meter(echo)
    outcomes: list[RunOutcome] = []
    crashed = None
    echo(f"profile {args.profile}, as of {args.as_of.isoformat()}, {args.runs} runs in process {os.getpid()}")
    echo(HEADER)
    with _work_folder(args.work) as work:
        plugins = Plugins()
        try:
            for run in range(1, args.runs + 1):
                outcomes.append(nightly_run(run, meter, source, work, args.profile, args.as_of, args.html, plugins))
        except StageCrashed as exc:
            crashed = str(exc)
        delivered = count_delivered(work)
    totals = _totals(meter.figures, args.target_seconds, args.target_mb, measured)
    for line in totals["lines"]:
        echo(line)
    echo(
        f"outbox: {delivered.sidecars:,} alerts in the outbox, {delivered.sent:,} accepted by it over "
        f"{len(outcomes)} runs; lost {delivered.lost}, duplicated {delivered.duplicated}"
    )
    if crashed:
        echo(f"CRASHED: {crashed}")
    if args.format == "json":
        print(
            json.dumps(
                {
                    "children": args.children,
                    "seed": args.seed,
                    "as_of": args.as_of.isoformat(),
                    "profile": args.profile,
                    "cohort": str(source),
                    "reference": measured,
                    "stages": [attrs.asdict(f) for f in meter.figures],
                    "runs": [attrs.asdict(o) for o in outcomes],
                    "totals": totals["runs"],
                    "process_peak_mb": meter.process_peak,
                    "delivered": attrs.asdict(delivered),
                    "crashed": crashed,
                },
                indent=2,
            )
        )
    return 1 if crashed or delivered.lost or delivered.duplicated else 0


def _totals(
    figures: list[StageFigures], target_seconds: float, target_mb: float, measured: dict[str, Any] | None
) -> dict[str, Any]:
    runs, lines = [], []
    for run in sorted({f.run for f in figures}):
        mine = [f for f in figures if f.run == run]
        wall = sum(f.wall_s for f in mine)
        cpu = sum(f.cpu_s for f in mine)
        peak = max(f.peak_mb for f in mine)
        ratio = wall / measured["wall"] if measured else None
        runs.append(
            {
                "run": run,
                "wall_s": wall,
                "cpu_s": cpu,
                "peak_mb": peak,
                "time_target": _verdict(wall, target_seconds),
                "memory_target": _verdict(peak, target_mb),
                "reference_ratio": ratio,
            }
        )
        lines.append(
            f"run {run}: {wall:.0f} s wall, {cpu:.0f} s CPU (target {target_seconds:.0f} s: "
            f"{_verdict(wall, target_seconds)}); peak {peak:,.0f} MB (target {target_mb:,.0f} MB: "
            f"{_verdict(peak, target_mb)})" + (f"; {ratio:.1f}x the reference" if ratio is not None else "")
        )
    return {"runs": runs, "lines": lines}


if __name__ == "__main__":
    sys.exit(main())
