"""The ingest ledger: one row per ingested drop, by content hash, naming the snapshot it made (SQLite).

Recording a drop's row is the moment it counts as ingested: the row names the drop's place in the
archive and the snapshot the adapter now reads, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from permanence_core.errors import InputError
from permanence_core.private_files import create_private_file
from permanence_raise.snapshot import Entry, manifest_from_json, manifest_to_json

_BUSY_SECONDS = 30

metadata = sa.MetaData()

ingested = sa.Table(
    "raise_ingested",
    metadata,
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(1000), nullable=False),
    sa.Column("archived_as", sa.String(1000), nullable=False),
    sa.Column("snapshot", sa.String(40), nullable=False),
    sa.Column("manifest", sa.Text, nullable=False),
    sa.Column("read", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("children", sa.Integer, nullable=False),
    sa.Column("ingested_at", sa.String(40), nullable=False),
)


@attrs.frozen(kw_only=True)
class Ingested:
    """One ingested drop: its number (the snapshot's), hash, names, the snapshot it made, counts, when."""

    number: int
    content_hash: str
    name: str
    archived_as: str
    snapshot: str
    manifest: dict[str, Entry]
    read: int
    rejected: int
    children: int
    ingested_at: dt.datetime

    def to_dict(self) -> dict[str, object]:
        """The JSON form for ``--format json`` (the manifest as snapshot path -> archive path)."""
        data = attrs.asdict(self, filter=lambda attribute, _value: attribute.name != "manifest")
        data["ingested_at"] = self.ingested_at.isoformat()
        data["files"] = {target: entry.origin for target, entry in sorted(self.manifest.items())}
        return data


class Ledger:
    """The ledger of one inbox; ``create=False`` opens an existing ledger only (for reading)."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        if not create and not path.is_file():
            raise nothing_ingested(path.parent)
        # URL.create, not a formatted string: a folder name may hold characters a URL gives meaning to.
        if create:
            create_private_file(path)
        url = sa.engine.URL.create("sqlite", database=str(path))
        self.engine = sa.create_engine(url, connect_args={"timeout": _BUSY_SECONDS})
        if create:
            metadata.create_all(self.engine)

    def close(self) -> None:
        """Release the database connection."""
        self.engine.dispose()

    def find(self, content_hash: str) -> Ingested | None:
        """The drop ingested with this content, if any."""
        return self._one(sa.select(ingested).where(ingested.c.content_hash == content_hash))

    def current(self) -> Ingested | None:
        """The latest ingested drop, whose snapshot the adapter reads."""
        return self._one(sa.select(ingested).order_by(ingested.c.number.desc()).limit(1))

    def recent(self, count: int) -> list[Ingested]:
        """The latest ``count`` ingested drops, newest first."""
        query = sa.select(ingested).order_by(ingested.c.number.desc()).limit(count)
        with self.engine.connect() as conn:
            return [_ingested(row) for row in conn.execute(query)]

    def next_number(self) -> int:
        """The number the next ingested drop (and its snapshot) gets."""
        with self.engine.connect() as conn:
            return (conn.execute(sa.select(sa.func.max(ingested.c.number))).scalar() or 0) + 1

    def record(self, entry: Ingested) -> None:
        """Record an ingested drop: from this commit on it counts as ingested and its snapshot is current."""
        values = attrs.asdict(entry, recurse=False)
        values["manifest"] = manifest_to_json(entry.manifest)
        values["ingested_at"] = entry.ingested_at.isoformat()
        with self.engine.begin() as conn:
            conn.execute(ingested.insert().values(**values))

    def _one(self, query: sa.Select[Any]) -> Ingested | None:
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _ingested(row)


def nothing_ingested(inbox: Path) -> InputError:
    """The error for an inbox whose data cannot be read because no drop has been ingested into it."""
    return InputError(
        str(inbox),
        f"no drop has been ingested into this RAISE inbox yet: run `permanence raise ingest --inbox {inbox}` first",
    )


def _ingested(row: sa.Row[Any]) -> Ingested:
    data = row._asdict()
    data["manifest"] = manifest_from_json(data["manifest"])
    data["ingested_at"] = dt.datetime.fromisoformat(data["ingested_at"])
    return Ingested(**data)
