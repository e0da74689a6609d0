"""Secrets never live in configuration files: every loader refuses a credential-looking key that holds a value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from permanence_core.errors import ConfigError, Location

# Matched anywhere in a key: no ordinary setting contains these.
_SECRET_PARTS = re.compile(
    r"passw|passphrase|secret|token|credential|(?:api|private|access|signing|encryption|hmac|pseudonym)_?key",
    re.IGNORECASE,
)
# Matched as whole words only, so "authority" or "keyword" in a council's answer text is not taken for a secret.
_SECRET_WORDS = frozenset({"auth", "authorization", "bearer", "pwd"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def looks_secret(key: str) -> bool:
    """True when ``key`` names a credential (``token``, ``db_password``, ``clientSecret``, ``Authorization``…).

    A key ending in ``_env`` names the environment variable that holds the secret, and is allowed.
    """
    if key.endswith("_env"):
        return False
    if _SECRET_PARTS.search(key):
        return True
    return any(word.lower() in _SECRET_WORDS for word in _WORD.findall(key))


def refuse_secrets(data: Mapping[str, Any], source: str, prefix: str = "") -> None:
    """Raise ConfigError naming ``source`` and the dotted key when a credential-looking key holds a value.

    Tables (and tables inside lists) are searched to any depth. The value itself is never repeated in the error.
    """
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            refuse_secrets(value, source, path)
            continue
        elements = value if isinstance(value, list) else [value]
        for index, element in enumerate(elements):
            if isinstance(element, Mapping):
                refuse_secrets(element, source, f"{path}[{index}]")
        scalars = [e for e in elements if not isinstance(e, Mapping | list) and e not in (None, "")]
        if not scalars or not looks_secret(str(key)):
            continue
        raise ConfigError(
            Location(source=source, field=path),
            "secrets must not be written in a configuration file: put the value in an environment "
            f"variable and give its name as {key}_env",
        )


__all__ = ["looks_secret", "refuse_secrets"]
