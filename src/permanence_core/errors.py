"""The library's own error types: every failure a caller should handle is one of these."""

from __future__ import annotations

import attrs

from permanence_core.privacy import shown


class PermanenceError(Exception):
    """Base class for every error the library raises on purpose."""


class ModelValueError(PermanenceError, ValueError):
    """A value given to the permanence model is invalid; the message names the field and the value."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        quoted = shown(field, value) if isinstance(value, str) else value
        super().__init__(f"{field}: {quoted!r} {reason}")


class PayloadRefused(PermanenceError, ValueError):
    """A payload builder's deliberate refusal of an item the target system would reject. Its message names ids,
    codes and rules only (never a name or case text): the HTTP gateway records it as the item's failure detail,
    where any other error is recorded by its class alone."""


@attrs.frozen(kw_only=True)
class Location:
    """Where a piece of input came from: file, row (or XML line), element and field."""

    source: str
    row: int | None = None
    field: str | None = None
    element: str | None = None

    def __str__(self) -> str:
        parts = [self.source]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.element:
            parts.append(self.element)
        if self.field:
            parts.append(self.field)
        return ", ".join(parts)


class InputError(PermanenceError):
    """Input could not be read at all (missing folder, unreadable file, malformed configuration)."""

    def __init__(self, location: Location | str, reason: str) -> None:
        self.location = location
        self.reason = reason
        super().__init__(f"{location}: {reason}")


class ConfigError(InputError):
    """A configuration or profile file is malformed; the message names the file and the key."""


class StoreError(PermanenceError):
    """A database the library keeps (write-back state, ledger) cannot be read or written: read-only, locked, damaged."""


class UsageError(PermanenceError):
    """The user asked for something that does not exist (an adapter, a profile): the command line is wrong."""


class UnknownProfileError(UsageError, ConfigError):
    """No registered profile has this name (and it is not a path to a .toml file)."""
