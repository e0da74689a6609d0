"""Write-back settings from a TOML section: where items go and how; secrets are refused, only env-var names allowed."""

from __future__ import annotations

import math
import os
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from permanence_core.config_file import read_toml
from permanence_core.config_secrets import looks_secret, refuse_secrets
from permanence_core.errors import ConfigError, Location, UsageError
from permanence_core.writeback.state import DEFAULT_URL

SECTION = "write_back"

# The part of the gateway URL each item type is posted to; ``{child_id}`` is replaced (URL-quoted).
DEFAULT_PATHS: Mapping[str, str] = {
    "document": "/documents",
    "case_note": "/case-notes",
    "work_tray_alert": "/alerts",
}

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_endpoint(endpoint: str, where: Location | str) -> str:
    """Refuse an endpoint that is not HTTPS (plain HTTP only to this machine) or carries credentials."""
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - reading the port is what checks it (a port over 65535, or letters)
    except ValueError as exc:
        raise ConfigError(where, f"{endpoint!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("https", "http") or not parts.hostname or any(c.isspace() for c in endpoint):
        raise ConfigError(where, f"{endpoint!r} is not an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        raise ConfigError(where, "the gateway must be reached over HTTPS (plain HTTP only to localhost)")
    if parts.username or parts.password:
        raise ConfigError(where, "credentials must not be in the URL; name an environment variable in token_env")
    secret = [name for name, _value in parse_qsl(parts.query, keep_blank_values=True) if looks_secret(name)]
    if secret or looks_secret(parts.fragment.split("=", 1)[0]):
        # The value is never repeated: it is the secret.
        raise ConfigError(
            where,
            f"a credential must not be in the URL's query ({', '.join(secret) or 'fragment'}): "
            "name an environment variable in token_env",
        )
    return endpoint.rstrip("/")


def _check_path(template: str, where: Location) -> str:
    try:
        # A format spec or conversion ({child_id!r}, {child_id:{x}}) would change the id or fail when used.
        fields = {
            name if not (spec or conversion) else "{" + name + "}"
            for _text, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        }
    except ValueError as exc:
        raise ConfigError(
            where, f"{template!r} is not a path template ({exc}); write {{child_id}} for the id"
        ) from None
    if fields - {"child_id"}:
        raise ConfigError(where, f"{template!r}: only the {{child_id}} placeholder is allowed")
    if not template.startswith("/"):
        raise ConfigError(where, f"{template!r} must start with '/'")
    return template


def _positive(value: Any, where: Location, *, integer: bool = False) -> Any:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not 0 < value < math.inf:
        raise ConfigError(where, f"{value!r} must be a positive {'whole ' if integer else ''}number")
    return value


def _env_name(value: Any, where: Location) -> str:
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        raise ConfigError(where, f"{value!r} is not an environment variable name")
    return value


class NoDestinationError(UsageError):
    """Write-back was asked for with nowhere to deliver: a usage error, found before any work is done."""


@attrs.frozen(kw_only=True)
class WriteBackSettings:
    """Everything write-back needs to know, none of it secret: the token is read from ``token_env`` at run time."""

    endpoint: str | None = None
    paths: Mapping[str, str] = attrs.field(factory=lambda: dict(DEFAULT_PATHS))
    token_env: str | None = None
    ca_bundle: Path | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    id_field: str = "id"
    outbox: Path | None = None
    state: str = DEFAULT_URL
    state_password_env: str | None = None
    lease_minutes: float = 60.0
    audit_log: Path | None = None

    @classmethod
    def from_file(cls, path: str | Path, section: str = SECTION) -> WriteBackSettings:
        """Read the ``[write_back]`` section of a TOML file; relative paths are relative to the file."""
        path = Path(path)
        data = read_toml(path, "cannot read")
        # A secret anywhere in the council's file is refused, not only in the table read here.
        refuse_secrets(data, str(path))
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(Location(source=str(path), field=section), "must be a table")
        return cls.from_mapping(table, source=str(path), base_dir=path.resolve().parent, section=section)

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        *,
        source: str = "write-back options",
        base_dir: Path | None = None,
        section: str = SECTION,
    ) -> WriteBackSettings:
        """Validate a mapping of settings; a secret, an unknown key or a bad value is a ConfigError naming it."""
        refuse_secrets(data, source, section)
        known = {a.name for a in attrs.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            where = Location(source=source, field=f"{section}.{key}")
            if key not in known:
                raise ConfigError(where, f"unknown setting (known: {', '.join(sorted(known))})")
            if value is None:
                continue
            values[key] = _convert(key, value, where, base_dir)
        if values.get("endpoint") and values.get("outbox"):
            # Which one a run would use is a guess: the file says both, the docs say one.
            raise ConfigError(
                Location(source=source, field=f"{section}.endpoint"),
                "set either endpoint (HTTP gateway) or outbox (folder), not both",
            )
        if "state" not in values and base_dir is not None:
            # The default store sits beside the configuration file, not wherever a scheduled job happens to start.
            values["state"] = _state_url(DEFAULT_URL, Location(source=source, field=f"{section}.state"), base_dir)
        return cls(**values)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> WriteBackSettings:
        """Settings from the ``config`` file named in ``options`` (if any), overridden by the options themselves.

        The options the CLI passes are ``endpoint``, ``outbox``, ``state`` and ``token_env``; others are ignored.
        An ``outbox`` option replaces the file's ``endpoint`` and vice versa, so a run can divert to a folder.
        """
        config = options.get("config")
        base = cls.from_file(config) if config else cls()
        overrides = {key: options[key] for key in ("endpoint", "outbox", "state", "token_env") if options.get(key)}
        if not overrides:
            return base
        checked = cls.from_mapping(overrides, source="write-back options", base_dir=Path.cwd())
        values = {key: getattr(checked, key) for key in overrides}
        if "outbox" in values and "endpoint" not in values:
            values["endpoint"] = None
        if "endpoint" in values and "outbox" not in values:
            values["outbox"] = None
        return attrs.evolve(base, **values)

    def require_destination(self) -> WriteBackSettings:
        """These settings, when they name a gateway or an outbox folder; NoDestinationError otherwise."""
        if not (self.endpoint or self.outbox):
            raise NoDestinationError(
                "no write-back destination is configured: give --outbox FOLDER, or --config FILE whose "
                "[write_back] table sets endpoint (the council's gateway) or outbox (a folder)"
            )
        return self

    def state_url(self) -> URL:
        """The state database URL, with the password taken from ``state_password_env`` when one is named."""
        url = make_url(self.state)
        if not self.state_password_env:
            return url
        password = os.environ.get(self.state_password_env)
        if not password:
            raise ConfigError(
                Location(source="environment", field=self.state_password_env), "is not set (state store password)"
            )
        return url.set(password=password)


def _convert(key: str, value: Any, where: Location, base_dir: Path | None) -> Any:
    if key in ("connect_timeout", "read_timeout", "backoff", "max_wait", "lease_minutes"):
        return float(_positive(value, where))
    if key == "max_attempts":
        return _positive(value, where, integer=True)
    if key in ("token_env", "state_password_env"):
        return _env_name(value, where)
    if key == "paths":
        if not isinstance(value, Mapping):
            raise ConfigError(where, f"{value!r} must be a table of item type = path")
        unknown = set(value) - set(DEFAULT_PATHS)
        if unknown:
            raise ConfigError(where, f"unknown item type(s) {sorted(unknown)}; known: {sorted(DEFAULT_PATHS)}")
        paths = dict(DEFAULT_PATHS)
        for kind, template in value.items():
            paths[kind] = _check_path(str(template), Location(source=where.source, field=f"{where.field}.{kind}"))
        return paths
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(where, f"{value!r} must be a non-empty string")
    if key == "endpoint":
        return check_endpoint(value, where)
    if key in ("outbox", "ca_bundle", "audit_log"):
        path = _expanded(value, where)
        return path if path.is_absolute() or base_dir is None else base_dir / path
    if key == "state":
        return _state_url(value, where, base_dir)
    return value


def _state_url(value: str, where: Location, base_dir: Path | None) -> str:
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        raise ConfigError(where, f"{value!r} is not a database URL (e.g. sqlite:///writeback.sqlite)") from None
    if url.password:
        raise ConfigError(
            where, "the database password must not be in the URL; name its variable in state_password_env"
        )
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = _expanded(url.database, where)
        if not database.is_absolute() and base_dir is not None:
            return url.set(database=str(base_dir / database)).render_as_string(hide_password=False)
    return value


def _expanded(value: str, where: Location) -> Path:
    """A path with ``~`` or ``~user`` expanded; a user with no home here is a ConfigError, not a RuntimeError."""
    try:
        return Path(value).expanduser()
    except RuntimeError:
        raise ConfigError(where, f"{value!r}: the home folder it names is unknown on this machine") from None


__all__ = ["DEFAULT_PATHS", "SECTION", "NoDestinationError", "WriteBackSettings", "check_endpoint"]
