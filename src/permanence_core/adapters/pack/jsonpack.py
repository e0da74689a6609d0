"""Reading ``pack.json``, the interchange document, record by record: one bad record is rejected alone."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from functools import partial
from pathlib import Path

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


def _check_header(path: Path) -> None:
    """Check ``schema_version`` and that ``records`` is a list, from parser events only (nothing is built)."""
    version: object = None
    records_kind: str | None = None
    with path.open("rb") as handle:
        for prefix, event, value in ijson.parse(handle):
            if prefix == "schema_version" and event in ("string", "number"):
                version = value
            elif prefix == "records" and records_kind is None:
                records_kind = event  # the first event of the value: start_array for a list
            if version is not None and records_kind is not None:
                break
    serialization.check_version({"schema_version": version} if version is not None else {})
    if records_kind != "start_array":
        raise ValueError("'records' is not a list")


class _Unreadable(Exception):
    """The document broke off or went wrong part-way through its records (the parser's error is the cause)."""


def _records(path: Path) -> Iterator[object]:
    """Every record of the document, one at a time: a national pack's parsed records would fill the memory
    many times over (9 GB for 85,000 children), so each is built into a CaseRecord before the next is read."""
    with path.open("rb") as handle:
        try:
            yield from ijson.items(handle, "records.item", use_float=True)
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
