"""The write-back audit log: one JSON line per delivery attempt, appended to a file only its owner can read.

Each line says what was sent (item type and idempotency key), for which child id, through what and where to
(the gateway's URL path or the outbox file name), when (UTC) and with what result. Never a name, a date of
birth, a document or a note's text: the log is kept for years and read by people who need no case details.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import attrs
from sqlalchemy.engine import URL, make_url

from permanence_core.private_files import OWNER_ONLY
from permanence_core.regular_files import check_regular
from permanence_core.writeback.http import HttpGateway, item_kind
from permanence_core.writeback.items import Receipt, ReceiptStatus, WriteBackItem
from permanence_core.writeback.outbox import Outbox
from permanence_core.writeback.settings import WriteBackSettings

try:
    import fcntl
except ImportError:  # Windows has no flock: concurrent appends there rely on O_APPEND alone.
    fcntl = None  # type: ignore[assignment]

#: The audit log's file name when the settings do not give one: beside the state store's SQLite file.
AUDIT_FILE = "permanence-audit.jsonl"
#: The longest line read as an entry; an entry is a few hundred bytes.
MAX_LINE = 1 << 16

Destination = Callable[[WriteBackItem], str | None]


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One write-back attempt: ids, where it went and what happened; nothing else about the child."""

    at: dt.datetime
    transport: str
    item_type: str
    idempotency_key: str
    child_id: str
    destination: str | None
    status: str
    external_id: str | None = None
    error: str | None = None

    @classmethod
    def of(
        cls, item: WriteBackItem, receipt: Receipt, *, transport: str, destination: str | None, at: dt.datetime
    ) -> AuditEntry:
        """The entry for ``item`` delivered with ``receipt``; the error is the receipt's reason, never a body."""
        return cls(
            at=at.astimezone(dt.UTC),
            transport=transport,
            item_type=type(item).__name__,
            idempotency_key=item.idempotency_key,
            child_id=item.child_id,
            destination=destination,
            status=receipt.status.value,
            external_id=receipt.external_id,
            error=receipt.detail if receipt.status is ReceiptStatus.FAILED else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON line's fields, the time in ISO 8601 UTC."""
        return {**attrs.asdict(self), "at": self.at.isoformat(timespec="microseconds")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        """Read back a line written by :meth:`to_dict`; KeyError or ValueError when it is not one."""
        fields = {a.name for a in attrs.fields(cls)}
        values = {key: data[key] for key in fields if key in data}
        values["at"] = dt.datetime.fromisoformat(data["at"])
        return cls(**values)


@attrs.frozen
class AuditReading:
    """The entries read from the log, and the line numbers that could not be read (a torn write, an edit)."""

    entries: tuple[AuditEntry, ...]
    unreadable: tuple[int, ...] = ()


class AuditLog:
    """A JSON Lines file that is only ever appended to, by any number of runs at once.

    Every line is written with one ``write`` on a descriptor opened with ``O_APPEND`` under an exclusive
    ``flock``, so lines from concurrent runs never interleave and nothing already written is touched. The file
    is created ``0600`` (and narrowed to it when found wider) and each line is flushed to disk before the
    state store records the outcome (a group's lines with one write and one fsync: :meth:`append_all`).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    def append(self, entry: AuditEntry) -> None:
        """Add one line; OSError when the file cannot be written (the caller decides what that costs)."""
        self.append_all([entry])

    def append_all(self, entries: Sequence[AuditEntry]) -> None:
        """Add a line per entry with one write and one fsync (group commit); OSError when the file cannot be
        written, and then none, some or all of the lines may be there."""
        if not entries:
            return
        line = "".join(
            json.dumps(entry.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n" for entry in entries
        ).encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, OWNER_ONLY)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            if os.name == "posix" and os.fstat(fd).st_mode & 0o077:
                # A log created by an older version or copied in by hand is narrowed, not left readable.
                os.fchmod(fd, OWNER_ONLY)
            _write_line(fd, line)
            os.fsync(fd)
        finally:
            # Closing the descriptor releases the lock.
            os.close(fd)

    def read(self, child_id: str | None = None) -> AuditReading:
        """Every entry (or one child's), oldest first; a missing file reads as empty."""
        entries: list[AuditEntry] = []
        unreadable: list[int] = []
        for number, text in self._lines():
            try:
                entry = AuditEntry.from_dict(json.loads(text))
            except (ValueError, KeyError, TypeError, RecursionError):
                unreadable.append(number)
                continue
            if child_id is None or entry.child_id == child_id:
                entries.append(entry)
        return AuditReading(tuple(entries), tuple(unreadable))

    def _lines(self) -> Iterator[tuple[int, str]]:
        check_regular(self.path)
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            number = 0
            while raw := handle.readline(MAX_LINE + 1):
                number += 1
                if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                    # An entry is a few hundred bytes: a longer line is damage, skipped without holding it.
                    while (rest := handle.readline(MAX_LINE + 1)) and not rest.endswith(b"\n"):
                        pass
                    yield number, ""
                    continue
                text = raw.decode("utf-8", errors="replace").strip()
                if text:
                    yield number, text


def _write_line(fd: int, line: bytes) -> None:
    size = os.fstat(fd).st_size
    # A write cut short (the disk filled up) leaves a torn last line; starting on a fresh line keeps it
    # alone, so the reader reports one unreadable line instead of losing the next entry with it.
    if size:
        os.lseek(fd, size - 1, os.SEEK_SET)
        if os.read(fd, 1) != b"\n":
            line = b"\n" + line
    view = memoryview(line)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def audit_path(settings: WriteBackSettings) -> Path:
    """The audit log the settings name, else beside the state store's SQLite file, else in the working directory."""
    if settings.audit_log is not None:
        return settings.audit_log
    return beside_store(settings.state_url()) or Path.cwd() / AUDIT_FILE


def beside_store(url: str | URL) -> Path | None:
    """``permanence-audit.jsonl`` in the folder of a SQLite state store file; None for any other database."""
    parsed = make_url(url) if isinstance(url, str) else url
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve().parent / AUDIT_FILE


def transport_name(transport: object) -> str:
    """How the audit names a transport: ``http``, ``outbox`` or ``adapter:<name>`` (an adapter's own ``write_back``)."""
    if isinstance(transport, HttpGateway):
        return "http"
    if isinstance(transport, Outbox):
        return "outbox"
    adapter = getattr(transport, "adapter", None)
    return f"adapter:{adapter}" if isinstance(adapter, str) else type(transport).__name__


def found_on_retry(transport: object) -> bool:
    """Whether a retry of an item that a killed run delivered finds it where it went and sends nothing again: an
    outbox folder (the sidecar is there). Such items are audited and recorded a group at a time; a gateway's one
    at a time, so a kill never makes the next run post again an item whose answer had arrived.

    A transport of another kind may say so with a ``found_on_retry()`` method; without one, False.
    """
    if isinstance(transport, Outbox):
        return True
    own = getattr(transport, "found_on_retry", None)
    return bool(own()) if callable(own) and not isinstance(transport, HttpGateway) else False


def destination_of(transport: object) -> Destination:
    """Where each item goes through ``transport``: the URL path posted to, or the outbox sidecar's file name.

    A transport of another kind may say itself with a ``destination(item)`` method; without one, None.
    """
    if isinstance(transport, Outbox):
        return lambda item: f"{transport.stem(item)}.json"
    if isinstance(transport, HttpGateway):
        return lambda item: urlsplit(transport.url(item, transport.payloads(item))).path
    own = getattr(transport, "destination", None)
    return own if callable(own) else (lambda _item: None)


def options_destination(options: Mapping[str, Any]) -> Destination:
    """The destination under write-back ``options`` (``config``, ``endpoint``, ``outbox``), read once per options.

    A gateway destination is the configured path of the item's type: an adapter's payload function may post
    to another path, which only its own transport knows.
    """
    return _options_destination(tuple(str(options.get(key) or "") for key in _OPTION_KEYS))


_OPTION_KEYS = ("config", "endpoint", "outbox")


@lru_cache(maxsize=32)
def _options_destination(key: tuple[str, ...]) -> Destination:
    settings = WriteBackSettings.from_options(dict(zip(_OPTION_KEYS, key, strict=True)))
    if settings.outbox:
        return destination_of(Outbox(settings.outbox))
    if not settings.endpoint:
        return lambda _item: None
    base = urlsplit(settings.endpoint).path.rstrip("/")
    paths = settings.paths
    return lambda item: base + paths[item_kind(item)].format(child_id=quote(item.child_id, safe=""))


__all__ = [
    "AUDIT_FILE",
    "AuditEntry",
    "AuditLog",
    "AuditReading",
    "audit_path",
    "beside_store",
    "destination_of",
    "found_on_retry",
    "options_destination",
    "transport_name",
]
