"""The HTTP gateway transport: posts write-back items to a council's integration gateway, idempotently, with retries."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import mimetypes
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
import requests

from permanence_core import __version__
from permanence_core.errors import ConfigError, Location, PayloadRefused
from permanence_core.writeback.items import CaseNote, DocumentUpload, Receipt, ReceiptStatus, WriteBackItem
from permanence_core.writeback.outbox import sidecar
from permanence_core.writeback.settings import DEFAULT_PATHS, WriteBackSettings, check_endpoint

logger = logging.getLogger(__name__)

# Overload and gateway errors are worth another try; with the Idempotency-Key a retried POST that had in
# fact succeeded is answered by the gateway without creating a second document or note.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@attrs.frozen(kw_only=True)
class Payload:
    """One request body: JSON, or multipart form fields and files; ``path`` overrides the item type's path."""

    json: Mapping[str, Any] | None = None
    fields: Mapping[str, str] = attrs.field(factory=dict)
    files: Mapping[str, tuple[str, bytes, str]] = attrs.field(factory=dict)
    path: str | None = None

    def __attrs_post_init__(self) -> None:
        if (self.json is None) == (not self.fields and not self.files):
            raise ValueError("a payload is either JSON or multipart (fields and files), not both or neither")


PayloadBuilder = Callable[[WriteBackItem], Payload]


def item_kind(item: WriteBackItem) -> str:
    """The item type's key in the gateway's ``paths`` setting."""
    if isinstance(item, DocumentUpload):
        return "document"
    return "case_note" if isinstance(item, CaseNote) else "work_tray_alert"


def default_payload(item: WriteBackItem) -> Payload:
    """The neutral body: the outbox sidecar as JSON; a document as multipart ``metadata`` (JSON) plus ``file``."""
    meta = sidecar(item)
    if isinstance(item, DocumentUpload):
        mime = mimetypes.guess_type(item.filename)[0] or "application/octet-stream"
        return Payload(
            fields={"metadata": json.dumps(meta, ensure_ascii=False)},
            files={"file": (item.filename, item.content, mime)},
        )
    return Payload(json=meta)


def retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delay in seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HttpGateway:
    """Posts items to ``endpoint`` + the item type's path with an ``Idempotency-Key`` header; never raises on failure.

    Each item gets up to ``max_attempts`` tries: 429 and 5xx answers, timeouts and dropped connections are retried
    after an exponential back-off (``backoff`` × 2ⁿ seconds) or the server's Retry-After, both capped at
    ``max_wait``. Any other answer is final for this run. TLS certificates are always verified.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        paths: Mapping[str, str] = DEFAULT_PATHS,
        token_env: str | None = None,
        ca_bundle: Path | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        id_field: str = "id",
        payloads: PayloadBuilder = default_payload,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.endpoint = check_endpoint(endpoint, "write-back endpoint")
        self.paths = {**DEFAULT_PATHS, **paths}
        self.timeout = (connect_timeout, read_timeout)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.id_field = id_field
        self.payloads = payloads
        self.sleep = sleep
        self.now = now
        self.session = session if session is not None else requests.Session()
        # Verification stays on whatever the environment says; a council CA bundle only adds trust roots.
        if ca_bundle is not None and not Path(ca_bundle).is_file():
            raise ConfigError(Location(source="write-back settings", field="ca_bundle"), f"{ca_bundle} is not a file")
        self.verify: str | bool = str(ca_bundle) if ca_bundle is not None else True
        self.session.headers["User-Agent"] = f"permanence-core/{__version__}"
        if token_env:
            token = os.environ.get(token_env)
            if not token:
                raise ConfigError(Location(source="environment", field=token_env), "is not set (gateway token)")
            self.session.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_settings(cls, settings: WriteBackSettings, **kwargs: Any) -> HttpGateway:
        """Build from write-back settings; ``kwargs`` supply ``payloads``, ``session``, ``sleep`` or ``now``."""
        if not settings.endpoint:
            raise ConfigError("write-back settings", "endpoint: a gateway URL is required for HTTP write-back")
        return cls(
            settings.endpoint,
            paths=settings.paths,
            token_env=settings.token_env,
            ca_bundle=settings.ca_bundle,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_attempts=settings.max_attempts,
            backoff=settings.backoff,
            max_wait=settings.max_wait,
            id_field=settings.id_field,
            **kwargs,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.session.close()

    def url(self, item: WriteBackItem, payload: Payload) -> str:
        """Where ``item`` is posted: the endpoint plus its path, with ``{child_id}`` filled in."""
        template = payload.path or self.paths[item_kind(item)]
        return self.endpoint + template.format(child_id=quote(item.child_id, safe=""))

    def deliver(self, item: WriteBackItem) -> Receipt:
        """Post ``item``; DELIVERED on a 2xx answer, FAILED otherwise (the status and reason, never the body,
        which may echo the child's details)."""
        key = item.idempotency_key
        # The error's class only, never its text: a payload builder's message can quote the item it was given,
        # and the detail goes to the state store and the audit log. A deliberate refusal, written to name ids
        # only, keeps its words: they tell the council what to fix.
        try:
            payload = self.payloads(item)
        except PayloadRefused as exc:
            return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail=f"payload: {exc}")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail=f"payload: {type(exc).__name__}")
        try:
            url = self.url(item, payload)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            detail = f"payload path: {type(exc).__name__}"
            return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail=detail)
        error = ""
        for attempt in range(1, self.max_attempts + 1):
            wait = min(self.max_wait, self.backoff * 2 ** (attempt - 1))
            try:
                response = self._post(url, key, payload)
            except requests.exceptions.SSLError:
                return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail="TLS verification failed")
            except _RETRY_ERRORS as exc:
                error = type(exc).__name__
            except requests.RequestException as exc:
                return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail=type(exc).__name__)
            else:
                if 200 <= response.status_code < 300:
                    return self._delivered(key, response)
                error = f"HTTP {response.status_code} {response.reason or ''}".strip()
                if response.status_code not in RETRY_STATUSES:
                    return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail=error)
                asked = retry_after(response.headers.get("Retry-After"), self.now())
                if asked is not None:
                    wait = min(self.max_wait, asked)
            logger.info("write-back %s: %s on attempt %d of %d", key, error, attempt, self.max_attempts)
            if attempt < self.max_attempts:
                self.sleep(wait)
        detail = f"{error} after {self.max_attempts} attempt{'s' if self.max_attempts > 1 else ''}"
        return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail=detail)

    def _post(self, url: str, key: str, payload: Payload) -> requests.Response:
        # Redirects are not followed: a redirected POST becomes a GET and would look like a success.
        return self.session.post(
            url,
            json=payload.json,
            data=dict(payload.fields) or None,
            files=dict(payload.files) or None,
            headers={"Idempotency-Key": key},
            timeout=self.timeout,
            verify=self.verify,
            allow_redirects=False,
        )

    def _delivered(self, key: str, response: requests.Response) -> Receipt:
        external_id = None
        if response.content and "json" in response.headers.get("Content-Type", ""):
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and body.get(self.id_field) is not None:
                external_id = str(body[self.id_field])
        return Receipt(
            idempotency_key=key,
            status=ReceiptStatus.DELIVERED,
            external_id=external_id,
            location=response.headers.get("Location"),
        )


__all__ = ["RETRY_STATUSES", "HttpGateway", "Payload", "PayloadBuilder", "default_payload", "item_kind", "retry_after"]
