"""Reading ``pack.json``, the interchange document, record by record: one bad record is rejected alone."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import ijson  # type: ignore[import-untyped]  # ijson ships no types

from permanence_core import serialization
from permanence_core.adapters.base import Rejection
from permanence_core.adapters.pack.csvpack import NOT_IN_RETURN
from permanence_core.adapters.ssda903.report import TableCount, rejection
from permanence_core.model import CaseRecord

PACK_JSON = "pack.json"
#: An interchange document of what only documents need (family, views, narrative, sign-offs).
DOCUMENTS_JSON = "documents.json"


@attrs.frozen(kw_only=True)
class JsonPack:
    """The records of ``pack.json`` by child id, rejected records and the count."""

    records: dict[str, CaseRecord] = attrs.field(factory=dict)
    rejected: tuple[Rejection, ...] = ()
    count: TableCount = attrs.field(factory=lambda: TableCount(table=PACK_JSON))


#: The deepest nesting of arrays and objects a document may have: a record is five or six levels deep. Without a
#: bound, 400 KB of "[" made the parser build prefixes as long as the nesting (22 GB, then killed).
MAX_DEPTH = 32
#: The most a document may hold from the end of one record to the end of the next (a record is a few kilobytes).
MAX_RECORD_BYTES = 16 << 20
_CHUNK = 1 << 16


@attrs.frozen
class RepeatedKey:
    """A record with an object that names ``key`` twice: which value is meant is a guess, so it is rejected."""

    key: str


class _Unreadable(Exception):
    """The document broke off or went wrong part-way through its records (the parser's error is the cause)."""


class BudgetError(ValueError):
    """The document is nested deeper, or holds a longer stretch without a record, than the budget allows."""


class _Budget:
    """The file as the parser reads it: BudgetError once MAX_RECORD_BYTES pass since ``mark`` (a record's end)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.mark = 0

    def read(self, size: int = -1) -> bytes:
        if self.handle.tell() - self.mark > MAX_RECORD_BYTES:
            raise BudgetError(
                f"more than {MAX_RECORD_BYTES} bytes without a record ending (at byte {self.handle.tell()})"
            )
        return self.handle.read(size if 0 <= size <= _CHUNK else _CHUNK)


def _events(budget: _Budget) -> Iterator[tuple[int, str, Any]]:
    """The parser's events with the depth each leaves the document at; BudgetError past MAX_DEPTH."""
    depth = 0
    for event, value in ijson.basic_parse(budget, use_float=True):
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_DEPTH:
                raise BudgetError(f"nested more than {MAX_DEPTH} levels deep (at byte {budget.handle.tell()})")
        elif event in ("end_map", "end_array"):
            depth -= 1
        yield depth, event, value


def _check_header(path: Path) -> None:
    """Check ``schema_version`` and that ``records`` is a list, from parser events only (nothing is built)."""
    version: object = None
    records_kind: str | None = None
    key = None
    top: set[str] = set()
    with path.open("rb") as handle:
        budget = _Budget(handle)
        for depth, event, value in _events(budget):
            if depth <= 2:
                budget.mark = handle.tell()
            if depth == 1 and event == "map_key":
                if value in ("schema_version", "records") and value in top:
                    raise ValueError(f"the document names {value!r} twice")
                top.add(value)
                key = value
                continue
            if key == "schema_version" and event in ("string", "number"):
                version = value
            elif key == "records" and records_kind is None:
                records_kind = event  # the first event of the value: start_array for a list
            key = None
            if version is not None and records_kind is not None:
                break
    serialization.check_version({"schema_version": version} if version is not None else {})
    if records_kind != "start_array":
        raise ValueError("'records' is not a list")


def _records(path: Path) -> Iterator[object]:
    """Every record of the document, one at a time: a national pack's parsed records would fill the memory
    many times over (9 GB for 85,000 children), so each is built into a CaseRecord before the next is read."""
    with path.open("rb") as handle:
        budget = _Budget(handle)
        key = None
        in_records = False
        builder: Any = None
        # The keys met so far in each object open inside the record, and the first key met twice.
        keys: list[set[str]] = []
        repeated: str | None = None
        key_seen = False
        try:
            for depth, event, value in _events(budget):
                if depth <= 2:
                    # Between records: the size budget starts again here.
                    budget.mark = handle.tell()
                if builder is not None:
                    builder.event(event, value)
                    if event == "start_map":
                        keys.append(set())
                    elif event == "end_map":
                        keys.pop()
                    elif event == "map_key":
                        if value in keys[-1] and repeated is None:
                            repeated = value
                        keys[-1].add(value)
                    if depth == 2:
                        yield builder.value if repeated is None else RepeatedKey(repeated)
                        builder, repeated = None, None
                elif depth == 1 and event == "map_key":
                    if value == "records" and key_seen:
                        raise ValueError("the document names 'records' twice")
                    key_seen = key_seen or value == "records"
                    key = value
                elif key is not None:
                    in_records, key = key == "records" and event == "start_array", None
                elif in_records and depth == 1:
                    in_records = False
                elif in_records and depth == 2:
                    yield value
                elif in_records:
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    keys = [set()] if event == "start_map" else []
        except (ijson.JSONError, ValueError) as exc:
            raise _Unreadable() from exc


def _problem(exc: BaseException) -> str:
    """What is wrong with the document, never quoting it: the JSON parser's message after its first line
    (sometimes as bytes) quotes the text around the fault, and a pack's text is names and case notes."""
    if not isinstance(exc, ijson.JSONError):
        return str(exc)
    message = exc.args[0] if exc.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message).strip().split("\n", 1)[0]


def _unreadable(source: str, exc: BaseException) -> JsonPack:
    reason = f"is not a readable interchange document ({_problem(exc)}); none of its records loaded"
    whole = rejection(source=source, row=None, child_id=None, column=None, value=None, reason=reason)
    return JsonPack(rejected=(whole,), count=TableCount(table=PACK_JSON, read=1, rejected=1))


def read_json(path: Path, children: Collection[str]) -> JsonPack:
    """Read the interchange document at ``path``; a record whose child is not in the return is rejected."""
    source = f"pack/{path.name}"
    try:
        _check_header(path)
    except (ijson.JSONError, ValueError, serialization.InterchangeError) as exc:
        return _unreadable(source, exc)
    try:
        records, rejected, read = _read_records(path, source, children)
    except _Unreadable as exc:
        # A fault part-way through rejects the whole document, the records built before it included.
        return _unreadable(source, exc.__cause__ or exc)
    return JsonPack(
        records=records,
        rejected=tuple(rejected),
        count=TableCount(table=path.name, read=read, rejected=len(rejected)),
    )


def _read_records(
    path: Path, source: str, children: Collection[str]
) -> tuple[dict[str, CaseRecord], list[Rejection], int]:
    """The document's records by child id, the rejected ones, and how many were read."""
    records: dict[str, CaseRecord] = {}
    rejected: list[Rejection] = []
    number = 0
    for number, item in enumerate(_records(path), 1):
        raw = item if isinstance(item, dict) else {}
        identifiers = raw.get("child", {}).get("identifiers", {}) if isinstance(raw.get("child"), dict) else {}
        reject = partial(rejection, source=source, row=number, element=f"records[{number - 1}]")
        if isinstance(item, RepeatedKey):
            reason = "names this key twice in one object: which value is meant cannot be told, so the record is refused"
            rejected.append(reject(child_id=None, column=item.key, value=None, reason=reason))
            continue
        try:
            record = serialization.record_from_dict(raw)
        except serialization.InterchangeError as exc:
            child_id = identifiers.get("case_id") if isinstance(identifiers, dict) else None
            value = None if exc.value is None else str(exc.value)
            rejected.append(
                reject(child_id=str(child_id) if child_id else None, column=exc.field, value=value, reason=exc.reason)
            )
            continue
        if record.child_id not in children:
            reason = NOT_IN_RETURN
        elif record.child_id in records:
            reason = "repeats an earlier record of this child"
        else:
            records[record.child_id] = record
            continue
        rejected.append(reject(child_id=record.child_id, column="case_id", value=record.child_id, reason=reason))
    return records, rejected, number
