"""The SSDA903 load alone: the object reader (records, then cohort tables) beside the columnar ``read_cohort``.

Run: .venv/bin/python benchmarks/bench_ssda903_load.py [--children 85000] [--seed 7] [--profile england]
     [--readers object,columnar]

Uses the cohort ``run.py`` generates and caches (the return with its pack as CSV tables). Each reader runs in its
own child process, loading the facets the profile needs; wall time, CPU time (user + system) and peak RSS come
from ``os.wait4`` on that child alone (interpreter start-up and imports included for both). Figures only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run import cohort, run

_READER = """
import json, sys, time
from permanence_core.rules import load_profile, profile_facets
facets = profile_facets(load_profile(sys.argv[3]))
start = time.perf_counter()
if sys.argv[1] == "object":
    from permanence_core.adapters.ssda903 import load
    from permanence_core.cohort import cohort_from_records
    loaded = load(sys.argv[2], {"facets": sorted(facet.value for facet in facets)})
    cohort, rejected, read = cohort_from_records(loaded.records), loaded.rejected, loaded.read
else:
    from permanence_core.adapters.ssda903.cohort import read_cohort
    loaded = read_cohort(sys.argv[2], facets)
    cohort, rejected, read = loaded.cohort, loaded.rejected, loaded.read
print(json.dumps({"seconds": time.perf_counter() - start, "children": len(cohort), "rejected": len(rejected),
                  "read": read}))
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", type=int, default=85_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", default="england")
    parser.add_argument("--readers", default="object,columnar", help="Which readers to run, comma-separated.")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "permanence-bench")
    args = parser.parse_args(argv)
    folder = cohort(args.children, args.seed, args.cache, pack_json=False)
    out = args.cache / "out"
    out.mkdir(parents=True, exist_ok=True)
    print(f"{args.children:,} children, seed {args.seed}, facets of --profile {args.profile}, pack as CSV tables")
    print(
        f"{'reader':>8} {'wall s':>7} {'CPU s':>6} {'MiB':>5} {'load s':>7} {'children':>9} {'read':>10} "
        f"{'rejected':>8}"
    )
    for reader in args.readers.split(","):
        figures = run([sys.executable, "-c", _READER, reader, str(folder), args.profile], out / f"{reader}.json")
        loaded = json.loads((out / f"{reader}.json").read_text(encoding="utf-8"))
        print(
            f"{reader:>8} {figures['wall']:>7.2f} {figures['cpu']:>6.2f} {figures['peak_mib']:>5.0f} "
            f"{loaded['seconds']:>7.2f} {loaded['children']:>9,} {loaded['read']:>10,} {loaded['rejected']:>8,}",
            flush=True,
        )


if __name__ == "__main__":
    main()
