"""A nightly permanence job a council's IT team can schedule as it is (cron, Task Scheduler, Control-M).

    python examples/nightly.py --adapter ssda903 --source /data/903 --profile bolton --outbox /srv/permanence/outbox

Load every child through the adapter, record the sync in the ledger (kept with the write-back state), evaluate
the council's profile, and raise each alert that is new or changed since last night the way the adapter's
system takes it (Mosaic: a case note alerting the allocated workers; Liquidlogic: a task in the Team Manager's
work tray; otherwise a work-tray alert for the team manager). The same steps as `permanence ledger sync
--raise-alerts` (permanence_core.tracker.nightly).
Re-running the same night sends nothing twice. Prints a JSON summary (ids and counts only) on stdout.

Exit codes: 0 ran; 1 the source or configuration could not be read; 2 usage error (a bad option, or no
write-back destination: give --outbox, or --config with a [write_back] endpoint or outbox); 3 some items
failed to deliver (they are retried next run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys

# As the permanence CLI does before polars loads: a nightly run is one short process, so the allocator hands freed
# pages back at once and the evaluation's tables do not stay resident. A caller's own setting wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

from permanence_core import api
from permanence_core.calendar import parse_iso_date
from permanence_core.errors import PermanenceError, UsageError
from permanence_core.tracker import nightly
from permanence_core.tracker.ledger import Ledger
from permanence_core.writeback import ReceiptStatus


def iso_date(text: str) -> dt.date:
    """``--as-of``, read and refused as the ``permanence`` commands do."""
    try:
        return parse_iso_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def state_url(text: str) -> str:
    """A state store URL; a bare word is a mistake, not a wish for a new file of that name."""
    if "://" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a database URL (e.g. sqlite:///permanence-state.sqlite)")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--profile", default="england")
    parser.add_argument("--as-of", type=iso_date, default=dt.date.today(), help="YYYY-MM-DD (default: today)")
    parser.add_argument("--config", help="the council's TOML configuration ([write_back] table)")
    parser.add_argument("--outbox", help="write to this folder instead of the gateway")
    parser.add_argument(
        "--state", type=state_url, help="state store URL (default: SQLite beside the config file or outbox)"
    )
    args = parser.parse_args(argv)

    options = {key: value for key, value in vars(args).items() if key in ("config", "outbox", "state") and value}
    if args.outbox and not args.state:
        options["state"] = f"sqlite:///{args.outbox.rstrip('/')}/../permanence-state.sqlite"
    try:
        # Checked before anything is loaded: with nowhere to deliver, the run would only fail item by item.
        settings = api.write_back_settings(options)
        # The steps `permanence ledger sync --raise-alerts` runs: load, record the sync in the ledger (beside
        # the write-back state), evaluate, and raise each new or changed alert the way the adapter's system
        # takes it (a Mosaic case note, a Liquidlogic work-tray task...).
        with Ledger(settings.state_url()) as ledger:
            job = nightly.run(
                ledger, args.adapter, args.source, profile=args.profile, as_of=args.as_of, options=options
            )
    except UsageError as exc:
        print(f"nightly: error: {exc}", file=sys.stderr)
        return 2
    except PermanenceError as exc:
        print(f"nightly: error: {exc}", file=sys.stderr)
        return 1
    run = job.alerts
    failed = [r for r in run.receipts if r.status is ReceiptStatus.FAILED]
    print(
        json.dumps(
            {
                "as_of": args.as_of.isoformat(),
                "profile": args.profile,
                "load": job.loaded.summary(),
                "sync": {"children_new": job.sync.children_new, "plans_changed": job.sync.plans_changed},
                "alerts": job.evaluation.summary()["alerts"],
                "write_back": run.summary(),
                "rejected": len(job.loaded.rejected),
            },
            indent=2,
        )
    )
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
