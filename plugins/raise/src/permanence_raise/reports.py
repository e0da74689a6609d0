"""The reports beside a drop: ``<name>.error.txt`` in quarantine, ``<name>.rejected.csv`` in the archive.

Both name files, rows, child ids, columns and reasons; values of personal columns are already withheld
by the readers, so the reports hold no names, dates of birth or free text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

from permanence_core.adapters.base import Rejection
from permanence_core.writeback.outbox import write_atomic

ERROR_SUFFIX = ".error.txt"
REJECTED_SUFFIX = ".rejected.csv"
REJECTED_COLUMNS = ("file", "row", "element", "child_id", "field", "value", "reason", "from_this_drop")


def describe(problem: Rejection) -> str:
    """``file, row N: child C FIELD='value': reason``, with only the parts the problem has."""
    where = problem.source + (f", row {problem.row}" if problem.row is not None else "")
    where += f", {problem.element}" if problem.element else ""
    what = [f"child {problem.child_id}"] if problem.child_id else []
    if problem.field:
        what.append(problem.field if problem.value is None else f"{problem.field}={problem.value!r}")
    return f"{where}: {' '.join(what)}: {problem.reason}" if what else f"{where}: {problem.reason}"


def write_error_report(
    path: Path, drop: str, content_hash: str, problems: Iterable[Rejection], when: dt.datetime
) -> None:
    """Why the drop was quarantined: one line per problem (file, row, reason), and how to retry."""
    lines = [
        f"RAISE inbox: {drop} was quarantined on {when.isoformat(timespec='seconds')} and NOT ingested.",
        f"Content hash: sha256:{content_hash}",
        "",
        "Problems (file, row: reason):",
        *(f"  {describe(problem)}" for problem in problems),
        "",
        "Nothing from this drop was read into the snapshot; the data the adapter reads is unchanged.",
        "To retry: fix the export and drop it into incoming/ again, or move this drop back to incoming/.",
    ]
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))


def write_rejections(path: Path, rejections: Iterable[tuple[Rejection, bool]]) -> None:
    """Every record the snapshot's load rejected, with whether its file came from this drop."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REJECTED_COLUMNS)
    for rejection, own in rejections:
        writer.writerow(
            (
                rejection.source,
                "" if rejection.row is None else rejection.row,
                rejection.element or "",
                rejection.child_id or "",
                rejection.field or "",
                "" if rejection.value is None else rejection.value,
                rejection.reason,
                "yes" if own else "no",
            )
        )
    write_atomic(path, buffer.getvalue().encode("utf-8"))
