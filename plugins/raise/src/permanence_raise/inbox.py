"""Ingesting a RAISE inbox: each new drop validated, merged into a new snapshot, archived, or quarantined.

Per drop, in this order, so that stopping the process at any point loses nothing and ingests nothing twice:

1. its content hash is looked up in the ledger: a drop ingested before is only moved to the archive;
2. its files are sorted into the parts of the snapshot they replace, and a new snapshot folder is built
   from the current one and those parts, then loaded through the SSDA903 adapter to validate it;
3. a drop that cannot be read (or would load no child) gets ``<name>.error.txt`` in ``quarantine/`` and
   then is moved there; the snapshot is dropped and the current one stays;
4. otherwise ``<name>.rejected.csv`` is written when records were rejected, the ledger records the drop
   (the commit: the new snapshot is current from here), and then the drop is moved to ``archive/``.

A run stopped after 4's commit leaves the drop in ``incoming/``; the next run finds its hash in the
ledger and finishes the move. A run stopped before it leaves an unrecorded snapshot folder, removed
by the next run, and the drop in ``incoming/``, ingested by the next run.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import filelock

from permanence_core.adapters.base import LoadResult, Rejection
from permanence_core.adapters.ssda903 import load as load_ssda903
from permanence_core.adapters.ssda903.csvsource import encoding_of
from permanence_core.errors import InputError
from permanence_raise import snapshot
from permanence_raise.config import RaiseConfig
from permanence_raise.contents import DropContents, DropRefused, Part, classify
from permanence_raise.drops import Drop, Waiting, content_hash, free_name, pending
from permanence_raise.folders import InboxFolders
from permanence_raise.ledger import Ingested, Ledger
from permanence_raise.reports import ERROR_SUFFIX, REJECTED_SUFFIX, write_error_report, write_rejections

log = logging.getLogger(__name__)

#: Snapshots kept: the current one, and the one before for a load that started before the last ingest.
KEEP_SNAPSHOTS = 2
#: The prefix ``write_atomic`` gives the temporary file it renames into place (what a killed run leaves).
TEMPORARY_PREFIX = ".tmp-"


class Outcome(enum.StrEnum):
    """What a run did with one drop."""

    INGESTED = "ingested"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    COMPLETED = "completed"
    BUSY = "busy"


@attrs.frozen(kw_only=True)
class DropReport:
    """One drop's outcome: where it went, the report beside it, counts and problems (ids and files only).

    ``duplicate``: same content as a drop ingested before (archived, not ingested again); ``completed``: a drop
    an interrupted run had ingested, now moved to the archive; ``busy``: it could not be read or moved (still
    open, or removed meanwhile) and was left in ``incoming/`` for the next run.
    """

    name: str
    outcome: Outcome
    content_hash: str | None = None
    moved_to: str | None = None
    report: str | None = None
    summary: dict[str, int] | None = None
    rejected_here: int = 0
    problems: tuple[Rejection, ...] = ()
    notices: tuple[str, ...] = ()
    same_as: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form for ``permanence raise ingest --format json``."""
        data = attrs.asdict(self, recurse=False)
        data["outcome"] = self.outcome.value
        data["problems"] = [problem.to_dict() for problem in self.problems]
        data["notices"] = list(self.notices)
        return data

    def __str__(self) -> str:
        text = f"{self.name}: {self.outcome.value}"
        if self.moved_to:
            text += f" -> {self.moved_to}"
        if self.summary:
            text += (
                f" ({self.summary['children']} children; {self.summary['rejected']} records rejected, "
                f"{self.rejected_here} in this drop)"
            )
        if self.same_as:
            text += f" (same content as {self.same_as})"
        return text


@attrs.frozen(kw_only=True)
class IngestRun:
    """What one ingest run did: a report per drop taken, drops left waiting, and the snapshot now read."""

    drops: tuple[DropReport, ...] = ()
    waiting: tuple[Waiting, ...] = ()
    current: Ingested | None = None

    def count(self, outcome: Outcome) -> int:
        """How many drops had ``outcome``."""
        return sum(report.outcome is outcome for report in self.drops)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form for ``permanence raise ingest --format json``."""
        return {
            "drops": [report.to_dict() for report in self.drops],
            "waiting": [attrs.asdict(waiting) for waiting in self.waiting],
            "counts": {outcome.value: self.count(outcome) for outcome in Outcome},
            "snapshot": None if self.current is None else self.current.snapshot,
        }


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ingest(
    inbox: str | Path,
    config: RaiseConfig | None = None,
    *,
    now: Callable[[], dt.datetime] = _utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> IngestRun:
    """Ingest every complete drop in ``inbox/incoming`` in name order; see the module notes for the guarantees.

    Raises InputError when the inbox does not exist or another run is ingesting it.
    """
    config = config or RaiseConfig()
    folders = InboxFolders(Path(inbox))
    folders.create()
    lock = filelock.FileLock(folders.lock, timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise InputError(str(folders.root), "another ingest run is working on this inbox; try again later") from None
    try:
        ledger = Ledger(folders.ledger)
        try:
            _tidy(folders, ledger)
            drops, waiting = pending(folders.incoming, config, time.time())
            reports = []
            for done, drop in enumerate(drops, 1):
                reports.append(_take(drop, folders, ledger, config, now))
                log.info("raise ingest: %s", reports[-1])
                if progress is not None:
                    progress(done, len(drops))
            _tidy(folders, ledger)
            return IngestRun(drops=tuple(reports), waiting=tuple(waiting), current=ledger.current())
        finally:
            ledger.close()
    finally:
        lock.release()


def _tidy(folders: InboxFolders, ledger: Ledger) -> None:
    """Remove what stopped runs leave: unrecorded snapshot folders and half-written reports."""
    kept = {entry.snapshot for entry in ledger.recent(KEEP_SNAPSHOTS)}
    for folder in folders.snapshots.iterdir():
        if folder.name not in kept:
            shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
    for folder in (folders.archive, folders.quarantine):
        for leftover in folder.glob(f"{TEMPORARY_PREFIX}*"):
            leftover.unlink()


def _take(
    drop: Drop, folders: InboxFolders, ledger: Ledger, config: RaiseConfig, now: Callable[[], dt.datetime]
) -> DropReport:
    try:
        digest = content_hash(drop)
    except OSError as exc:
        return DropReport(name=drop.name, outcome=Outcome.BUSY, notices=(f"cannot be read yet: {exc.strerror}",))
    known = ledger.find(digest)
    if known is not None:
        return _known(drop, digest, known, folders)
    current = ledger.current()
    archived_as = free_name(folders.archive, drop.name, digest, is_folder=drop.is_folder)
    number = ledger.next_number()
    try:
        contents = classify(drop, config.ready_marker)
        candidate = _candidate(drop, archived_as, contents, current, folders, number)
    except DropRefused as refused:
        return _quarantine(drop, digest, refused.problems, folders, now())
    except OSError as exc:
        return DropReport(name=drop.name, outcome=Outcome.BUSY, notices=(f"cannot be read yet: {exc.strerror}",))
    except Exception as exc:
        # A drop the readers trip over must not block every drop after it, run after run: it is set aside.
        # Only the error's type is reported, as its message may quote the data.
        log.error("raise ingest: %s could not be read: %s", drop.name, type(exc).__name__)
        problem = Rejection(source=drop.name, reason=f"could not be read ({type(exc).__name__}); please report this")
        return _quarantine(drop, digest, [problem], folders, now())
    result, own = candidate.result, candidate.own
    report = None
    if result.rejected:
        report = folders.archive / f"{archived_as}{REJECTED_SUFFIX}"
        ordered = sorted(((r, r.source in own) for r in result.rejected), key=lambda item: not item[1])
        write_rejections(report, ordered)
    summary = result.summary()
    ledger.record(
        Ingested(
            number=candidate.number,
            content_hash=digest,
            name=drop.name,
            archived_as=archived_as,
            snapshot=_snapshot_name(candidate.number),
            manifest=candidate.manifest,
            read=summary["read"],
            rejected=summary["rejected"],
            children=summary["children"],
            ingested_at=now(),
        )
    )
    moved = _move(drop.path, folders.archive / archived_as)
    return DropReport(
        name=drop.name,
        outcome=Outcome.INGESTED,
        content_hash=digest,
        moved_to=f"archive/{archived_as}" if moved else None,
        report=None if report is None else f"archive/{report.name}",
        summary=summary,
        rejected_here=sum(r.source in own for r in result.rejected),
        notices=contents.notices,
    )


def _known(drop: Drop, digest: str, known: Ingested, folders: InboxFolders) -> DropReport:
    target = folders.archive / known.archived_as
    if not target.exists():
        # The run that ingested it stopped between its commit and the move: finish the move.
        moved = _move(drop.path, target)
        outcome = Outcome.COMPLETED
    else:
        target = folders.archive / free_name(folders.archive, drop.name, digest, is_folder=drop.is_folder)
        moved = _move(drop.path, target)
        outcome = Outcome.DUPLICATE
    return DropReport(
        name=drop.name,
        outcome=outcome if moved else Outcome.BUSY,
        content_hash=digest,
        moved_to=f"archive/{target.name}" if moved else None,
        same_as=f"archive/{known.archived_as}",
    )


def _snapshot_name(number: int) -> str:
    return f"{number:06d}"


@attrs.frozen
class _Candidate:
    """A snapshot built and loaded for a drop, not yet recorded: ``own`` names the drop's files by origin."""

    number: int
    manifest: dict[str, snapshot.Entry]
    result: LoadResult
    own: set[str]


def _candidate(
    drop: Drop,
    archived_as: str,
    contents: DropContents,
    current: Ingested | None,
    folders: InboxFolders,
    number: int,
) -> _Candidate:
    """Build and load the snapshot the drop would make; DropRefused when it cannot be read or loads no child."""
    previous = current.manifest if current is not None else {}
    problems = snapshot.conflicts(previous, contents, drop.name)
    if problems:
        raise DropRefused(problems)
    manifest = snapshot.merge(previous, contents, archived_as)
    if not snapshot.has_return(manifest):
        raise DropRefused(
            [
                Rejection(
                    source=drop.name,
                    reason="no SSDA903 return has been ingested yet and this drop holds none: the permanence pack "
                    "is read against a return, so drop the return first (or with the pack)",
                )
            ]
        )
    folder = folders.snapshots / _snapshot_name(number)
    snapshot.build(folder, manifest, contents.parts, None if current is None else folders.snapshots / current.snapshot)
    try:
        result = load_ssda903(str(folder), {})
    except InputError as exc:
        shutil.rmtree(folder)
        raise DropRefused([Rejection(source=drop.name, reason=f"the data cannot be read: {exc.reason}")]) from None
    result = snapshot.name_by_origin(result, manifest)
    own = {entry.origin for entry in manifest.values() if entry.drop == archived_as}
    problems = _fatal(result, own, {manifest[p.target].origin: p for p in contents.parts})
    if problems:
        shutil.rmtree(folder)
        raise DropRefused(problems)
    return _Candidate(number=number, manifest=manifest, result=result, own=own)


def _fatal(result: LoadResult, own: set[str], parts: dict[str, Part]) -> list[Rejection]:
    """What makes a drop unusable: an unreadable file, a CSV whose every row was rejected, no child at all."""
    problems = [r for r in result.rejected if r.source in own and r.child_id is None and r.field is None]
    rejected_rows = Counter(r.source for r in {(r.source, r.row): r for r in result.rejected}.values())
    for origin, part in sorted(parts.items()):
        # XML returns and pack.json are checked by the rule above: they fail whole, never row by row.
        if part.source.suffix.lower() != ".csv" or not rejected_rows[origin]:
            continue
        rows = _data_rows(part.source)
        if rows and rejected_rows[origin] >= rows:
            first = next(r for r in result.rejected if r.source == origin)
            problems.append(
                Rejection(
                    source=origin,
                    row=first.row,
                    field=first.field,
                    value=first.value,
                    reason=f"every one of its {rows} rows was rejected (the first: {first.reason}); "
                    "the export's columns or date format have probably changed",
                )
            )
    if not result.records:
        problems.append(Rejection(source=", ".join(sorted(own)), reason="the data would hold no child at all"))
    return problems


def _data_rows(path: Path) -> int:
    with path.open(encoding=encoding_of(path), newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return sum(1 for row in reader if any(value.strip() for value in row))


def _quarantine(
    drop: Drop, digest: str, problems: list[Rejection], folders: InboxFolders, when: dt.datetime
) -> DropReport:
    name = free_name(folders.quarantine, drop.name, digest, is_folder=drop.is_folder)
    report = folders.quarantine / f"{name}{ERROR_SUFFIX}"
    # The report first: a drop in quarantine/ always has its reason beside it.
    write_error_report(report, drop.name, digest, problems, when)
    moved = _move(drop.path, folders.quarantine / name)
    return DropReport(
        name=drop.name,
        outcome=Outcome.QUARANTINED if moved else Outcome.BUSY,
        content_hash=digest,
        moved_to=f"quarantine/{name}" if moved else None,
        report=f"quarantine/{report.name}",
        problems=tuple(problems),
    )


def _move(source: Path, destination: Path) -> bool:
    """Rename ``source`` to ``destination`` in one step; False when it cannot be moved now (left for next run)."""
    try:
        os.rename(source, destination)
    except FileNotFoundError:
        log.warning("raise ingest: %s disappeared before it could be moved", source.name)
        return False
    except PermissionError:
        # Windows refuses to rename a file another program holds open.
        log.warning("raise ingest: %s is in use and could not be moved; left for the next run", source.name)
        return False
    snapshot.sync_folder(destination.parent)
    snapshot.sync_folder(source.parent)
    return True


__all__ = ["KEEP_SNAPSHOTS", "DropReport", "IngestRun", "Outcome", "ingest"]
