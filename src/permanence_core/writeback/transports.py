"""The transport an adapter's write_back method delivers through: the council's HTTP gateway or an outbox folder.

An adapter's ``write_back`` method calls :func:`transport_for` with its own payload builder, so
Mosaic and Liquidlogic shape their own request bodies while sharing retries, timeouts and the outbox.
Exactly-once delivery and alert-change tracking sit one level up, in the ``WriteBack`` service
(see :func:`permanence_core.api.writer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from permanence_core.errors import ConfigError
from permanence_core.writeback.http import HttpGateway, PayloadBuilder, default_payload
from permanence_core.writeback.outbox import Outbox
from permanence_core.writeback.service import Transport
from permanence_core.writeback.settings import WriteBackSettings

_KEYS = ("config", "endpoint", "outbox", "token_env")


def transport_for(options: Mapping[str, Any], payloads: PayloadBuilder = default_payload) -> Transport:
    """The gateway (when ``endpoint`` is set) or outbox the options describe, reused across items of a run."""
    return _cached(tuple(str(options.get(key) or "") for key in _KEYS), payloads)


@lru_cache(maxsize=32)
def _cached(key: tuple[str, ...], payloads: PayloadBuilder) -> Transport:
    # One HTTP session per configuration, kept for the run, rather than a new connection per item.
    settings = WriteBackSettings.from_options(dict(zip(_KEYS, key, strict=True)))
    if settings.endpoint:
        return HttpGateway.from_settings(settings, payloads=payloads)
    if settings.outbox:
        return Outbox(settings.outbox)
    raise ConfigError("write-back options", "set endpoint (HTTP gateway) or outbox (folder)")
