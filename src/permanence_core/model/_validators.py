"""Validators shared by the model classes: each failure names the field and the value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from permanence_core.errors import ModelValueError


def in_codes(codes: Iterable[str], what: str) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Validate that an optional value is one of ``codes``."""

    allowed = frozenset(codes)  # a plain set: this runs for every coded field of every record loaded

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and value not in allowed:
            raise ModelValueError(attribute.name, value, f"is not a valid {what} code")

    return check


def not_blank(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validate a required, non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ModelValueError(attribute.name, value, "must be a non-empty string")


def printable(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validate that an id holds no control characters: they break file names, logs and the systems written to."""
    if isinstance(value, str) and any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        at = next(i for i, c in enumerate(value) if ord(c) < 32 or 127 <= ord(c) < 160)
        raise ModelValueError(attribute.name, value, f"holds a control character (at position {at + 1})")


def optional_date(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validate an optional ``datetime.date`` (a datetime is refused: the model holds days)."""
    if value is not None and type(value) is not dt.date:  # exactly a date: a datetime is refused too
        raise ModelValueError(attribute.name, value, "must be a date")


def required_date(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validate a required ``datetime.date``."""
    if value is None:
        raise ModelValueError(attribute.name, value, "is required")
    optional_date(instance, attribute, value)


def not_before(other: str) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Validate that an optional end date is not before the instance's ``other`` date."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        optional_date(instance, attribute, value)
        start = getattr(instance, other)
        if value is not None and start is not None and value < start:
            raise ModelValueError(attribute.name, value, f"is before {other} {start.isoformat()}")

    return check


def to_tuple(value: Iterable[Any] | None) -> tuple[Any, ...]:
    """Convert any iterable to a tuple so frozen records stay hashable and immutable."""
    return tuple(value) if value is not None else ()
