"""The neutral JSON interchange format of a CaseRecord: one private cattrs converter and its JSON Schema."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import sys
import types
import typing
import weakref
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

import attrs
import cattrs
from cattrs.preconf.json import make_converter
from cattrs.v import format_exception

from permanence_core.errors import ModelValueError
from permanence_core.model import Attendee, CaseRecord

#: Version of the interchange format; bump the major part on any incompatible change.
INTERCHANGE_VERSION = "1.0"
SCHEMA_FILE = f"caserecord-{INTERCHANGE_VERSION}.schema.json"

#: One date object per distinct date: a national pack holds millions of dates but only some thousand days.
_date = functools.lru_cache(maxsize=1 << 16)(dt.date.fromisoformat)

_converter = make_converter(forbid_extra_keys=True, omit_if_default=True)
_converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
_converter.register_structure_hook(
    dt.date, lambda value, _type: _date(value) if isinstance(value, str) else dt.date.fromisoformat(value)
)
# Roles, names, owners, codes and stock phrases recur in every meeting: one string object per distinct text
# instead of one per occurrence (a synthetic pack of 8,500 children: 2.7 million strings, 0.3 million distinct,
# 185 MB down to 35 MB). Interned strings are freed with the last record that holds them.
_converter.register_structure_hook(str, lambda value, _type: sys.intern(str(value)))
_attendee: Callable[[Any, type[Attendee]], Attendee] = _converter.get_structure_hook(Attendee)
# Weak values: an attendee is kept only while a loaded meeting holds it, so no name outlives the records.
_attendees: weakref.WeakValueDictionary[tuple[tuple[str, str], ...], Attendee] = weakref.WeakValueDictionary()


def _shared_attendee(value: Any, _type: type) -> Attendee:
    """The same people attend meeting after meeting (a child's social worker, team manager, IRO): attendees
    are frozen, so one object serves every meeting they attend (200 MB less for a national cohort)."""
    if not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
        return _attendee(value, Attendee)
    key = tuple(value.items())
    found = _attendees.get(key)
    if found is None:
        found = _attendees[key] = _attendee(value, Attendee)
    return found


_converter.register_structure_hook(Attendee, _shared_attendee)
_converter.register_unstructure_hook_func(
    lambda tp: isinstance(tp, type) and issubclass(tp, enum.Enum), lambda member: member.value
)
# A frozenset has no order of its own: sorting makes the same record serialise to the same text in every run.
_converter.register_unstructure_hook_func(
    lambda tp: frozenset in (tp, typing.get_origin(tp)),
    lambda value: sorted(_converter.unstructure(item) for item in value),
)


class InterchangeError(ModelValueError):
    """A JSON record does not fit the interchange format; ``field`` is the dotted path at fault."""


def record_to_dict(record: CaseRecord) -> dict[str, Any]:
    """Return the JSON-ready form of ``record``."""
    data: dict[str, Any] = _converter.unstructure(record)
    return data


def record_from_dict(data: dict[str, Any]) -> CaseRecord:
    """Build a CaseRecord from its JSON form; InterchangeError names the path and the reason."""
    try:
        return _converter.structure(data, CaseRecord)
    except cattrs.BaseValidationError as exc:
        messages = cattrs.transform_error(exc, path="record", format_exception=_describe)
        raise InterchangeError("record", _case_id(data), "; ".join(messages)) from None
    except ModelValueError as exc:
        raise InterchangeError(exc.field, exc.value, exc.reason) from None


def _case_id(data: Any) -> Any:
    """The record's child id for an error message, when the record is well enough formed to have one."""
    child = data.get("child") if isinstance(data, dict) else None
    identifiers = child.get("identifiers") if isinstance(child, dict) else None
    return identifiers.get("case_id") if isinstance(identifiers, dict) else None


def _describe(exc: BaseException, type_: Any) -> str:
    # The model's own errors already name the field and the value; keep their words.
    if isinstance(exc, ModelValueError):
        return str(exc)
    return format_exception(exc, type_)


def dumps(records: Iterable[CaseRecord]) -> str:
    """Serialise records as an interchange document (``{"schema_version", "records"}``)."""
    document = {"schema_version": INTERCHANGE_VERSION, "records": [record_to_dict(r) for r in records]}
    return json.dumps(document, indent=1, ensure_ascii=False)


def loads(text: str) -> list[CaseRecord]:
    """Parse an interchange document; every record must be valid (use the pack reader to collect errors)."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        # The decoder recurses per level: a document of nested arrays is refused like any other bad JSON.
        reason = "is nested too deeply" if isinstance(exc, RecursionError) else f"is not JSON ({exc})"
        raise InterchangeError("document", None, reason) from None
    if not isinstance(document, dict):
        raise InterchangeError("document", None, "is not a JSON object")
    check_version(document)
    return [record_from_dict(item) for item in document["records"]]


def check_version(document: dict[str, Any]) -> None:
    """Refuse a document whose major version differs from ours."""
    version = str(document.get("schema_version", ""))
    if version.split(".")[0] != INTERCHANGE_VERSION.split(".")[0]:
        raise InterchangeError(
            "schema_version", version or None, f"is not supported (this library reads {INTERCHANGE_VERSION})"
        )


def json_schema() -> dict[str, Any]:
    """Return the published JSON Schema of the interchange document (shipped as a package file)."""
    schema: dict[str, Any] = json.loads(
        resources.files("permanence_core").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    )
    return schema


def build_json_schema() -> dict[str, Any]:
    """Derive the JSON Schema from the model classes (the shipped file is this, written out)."""
    defs: dict[str, Any] = {}
    _schema_for(CaseRecord, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://permanence-core.invalid/schemas/{SCHEMA_FILE}",
        "title": f"permanence_core case-record interchange, version {INTERCHANGE_VERSION}",
        "type": "object",
        "required": ["schema_version", "records"],
        "additionalProperties": False,
        "properties": {
            "schema_version": {"type": "string", "pattern": f"^{INTERCHANGE_VERSION.split('.')[0]}\\."},
            "records": {"type": "array", "items": {"$ref": "#/$defs/CaseRecord"}},
        },
        "$defs": dict(sorted(defs.items())),
    }


def _schema_for(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [_schema_for(arg, defs) for arg in args if arg is not type(None)]
        schema: dict[str, Any] = options[0] if len(options) == 1 else {"anyOf": options}
        return {"anyOf": [schema, {"type": "null"}]} if type(None) in args else schema
    if origin in (tuple, frozenset):
        schema = {"type": "array", "items": _schema_for(args[0], defs)}
        if origin is frozenset:
            schema["uniqueItems"] = True
        return schema
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"type": "string", "enum": [member.value for member in tp]}
    if attrs.has(tp):
        if tp.__name__ not in defs:
            defs[tp.__name__] = {}  # placeholder so recursive references terminate
            hints = typing.get_type_hints(tp)
            fields = attrs.fields(tp)
            defs[tp.__name__] = {
                "type": "object",
                "additionalProperties": False,
                "required": [f.name for f in fields if f.default is attrs.NOTHING],
                "properties": {f.name: _schema_for(hints[f.name], defs) for f in fields},
            }
        return {"$ref": f"#/$defs/{tp.__name__}"}
    simple = {
        str: {"type": "string"},
        int: {"type": "integer"},
        bool: {"type": "boolean"},
        dt.date: {"type": "string", "format": "date"},
    }
    if tp in simple:
        return simple[tp]
    raise TypeError(f"no JSON Schema mapping for {tp!r}")
