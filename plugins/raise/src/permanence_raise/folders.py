"""Where things live in a RAISE inbox: incoming drops, the archive, quarantine, snapshots, the ledger and outbox."""

from __future__ import annotations

from pathlib import Path

import attrs

from permanence_core.errors import InputError

INCOMING = "incoming"
ARCHIVE = "archive"
QUARANTINE = "quarantine"
SNAPSHOTS = "snapshots"
OUTBOX = "outbox"
LEDGER = "ingest-ledger.sqlite"
LOCK = "ingest.lock"
WRITEBACK_STATE = "permanence-writeback.sqlite"


@attrs.frozen
class InboxFolders:
    """The folders and files of one inbox, all under ``root`` (the adapter's ``--source``).

    Everything sits on one file system, so moving a drop from ``incoming/`` to ``archive/`` is a single
    rename that either happened or did not, whenever the process is stopped.
    """

    root: Path = attrs.field(converter=Path)

    @property
    def incoming(self) -> Path:
        """Where the report writer drops its exports."""
        return self.root / INCOMING

    @property
    def archive(self) -> Path:
        """Ingested drops, each with its ``.rejected.csv`` when records were rejected."""
        return self.root / ARCHIVE

    @property
    def quarantine(self) -> Path:
        """Drops that could not be ingested, each with its ``.error.txt``."""
        return self.root / QUARANTINE

    @property
    def snapshots(self) -> Path:
        """The merged data the adapter reads, one folder per ingested drop (the newest two are kept)."""
        return self.root / SNAPSHOTS

    @property
    def outbox(self) -> Path:
        """The default write-back outbox, when the configuration names no gateway or outbox."""
        return self.root / OUTBOX

    @property
    def ledger(self) -> Path:
        """The SQLite ledger of ingested drops by content hash."""
        return self.root / LEDGER

    @property
    def lock(self) -> Path:
        """The lock file that keeps two ingest runs from working on the inbox at once."""
        return self.root / LOCK

    @property
    def writeback_state(self) -> Path:
        """The default write-back state store, when the configuration names none."""
        return self.root / WRITEBACK_STATE

    def check(self) -> None:
        """Raise InputError when the inbox root is not an existing folder."""
        if not self.root.is_dir():
            reason = "is not a folder (the RAISE inbox)" if self.root.exists() else "does not exist (the RAISE inbox)"
            raise InputError(str(self.root), reason)

    def create(self) -> None:
        """Create the working folders of an existing inbox root."""
        self.check()
        for folder in (self.incoming, self.archive, self.quarantine, self.snapshots):
            folder.mkdir(exist_ok=True)
