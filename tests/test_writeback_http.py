"""The HTTP gateway: request shape, idempotency header, token, timeouts, retries and Retry-After."""

import datetime as dt
import email.utils
import json

import attrs
import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from responses import matchers

from permanence_core.errors import ConfigError, PayloadRefused
from permanence_core.writeback import CaseNote, DocumentUpload, ReceiptStatus, WorkTrayAlert
from permanence_core.writeback.http import HttpGateway, Payload, default_payload, retry_after

BASE = "https://gateway.council.test/permanence"
NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def note(child_id="C001", title="Permanence planning meeting held"):
    return CaseNote(
        child_id=child_id,
        note_type="PERM",
        title=title,
        contact_date=dt.date(2025, 3, 1),
        body="Synthetic note body.",
        significant=True,
        recipients=("W17", "W22"),
    )


def document(child_id="C001"):
    return DocumentUpload(
        child_id=child_id,
        document_type="ppm-minutes",
        filename="ppm-minutes.docx",
        content=b"PK\x03\x04 synthetic docx",
        title="PPM minutes",
        category="Permanence",
    )


class Sleeps(list):
    """Records what the gateway asked to sleep for, without sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def gateway(sleeps, monkeypatch):
    monkeypatch.setenv("GATEWAY_TOKEN", "synthetic-token-123")
    gw = HttpGateway(
        BASE, token_env="GATEWAY_TOKEN", max_attempts=4, backoff=1.0, max_wait=30.0, sleep=sleeps, now=lambda: NOW
    )
    yield gw
    gw.close()


@responses.activate
def test_case_note_is_posted_as_json_with_idempotency_key_and_bearer_token(gateway, sleeps):
    item = note()
    responses.post(
        f"{BASE}/case-notes",
        json={"id": "N-991"},
        status=201,
        headers={"Location": f"{BASE}/case-notes/N-991"},
        match=[
            matchers.header_matcher(
                {"Idempotency-Key": item.idempotency_key, "Authorization": "Bearer synthetic-token-123"}
            )
        ],
    )
    receipt = gateway.deliver(item)
    assert receipt.status is ReceiptStatus.DELIVERED
    assert receipt.external_id == "N-991"
    assert receipt.location == f"{BASE}/case-notes/N-991"
    body = json.loads(responses.calls[0].request.body)
    assert body["item_type"] == "CaseNote"
    assert body["contact_date"] == "2025-03-01"
    assert body["recipients"] == ["W17", "W22"]
    assert body["significant"] is True
    assert body["idempotency_key"] == item.idempotency_key
    assert responses.calls[0].request.headers["User-Agent"].startswith("permanence-core/")
    assert sleeps == []


@responses.activate
def test_document_is_posted_as_multipart_metadata_and_file(gateway):
    item = document()
    responses.post(f"{BASE}/documents", json={"id": 7}, status=200)
    receipt = gateway.deliver(item)
    assert receipt.status is ReceiptStatus.DELIVERED
    assert receipt.external_id == "7"
    request = responses.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b"PK\x03\x04 synthetic docx" in request.body
    assert b'name="metadata"' in request.body
    assert b'filename="ppm-minutes.docx"' in request.body
    assert b"wordprocessingml" in request.body


def test_default_payload_keeps_document_content_out_of_the_metadata():
    payload = default_payload(document())
    metadata = json.loads(payload.fields["metadata"])
    assert "content" not in metadata
    assert metadata["filename"] == "ppm-minutes.docx"
    assert payload.files["file"][1] == b"PK\x03\x04 synthetic docx"


@responses.activate
def test_each_item_type_goes_to_its_path_with_the_child_id_quoted(sleeps):
    gateway = HttpGateway(
        BASE,
        paths={"work_tray_alert": "/people/{child_id}/tasks"},
        sleep=sleeps,
    )
    alert = WorkTrayAlert(child_id="C/00 1", recipient_role="team_manager", title="Review overdue", body="x")
    responses.post(f"{BASE}/people/C%2F00%201/tasks", status=202)
    assert gateway.deliver(alert).status is ReceiptStatus.DELIVERED


@responses.activate
def test_an_adapter_payload_function_shapes_the_body_and_may_choose_the_path(sleeps):
    def mosaic_body(item):
        return Payload(json={"personId": item.child_id, "noteTitle": item.title}, path="/mosaic/notes")

    gateway = HttpGateway(BASE, payloads=mosaic_body, sleep=sleeps)
    responses.post(
        f"{BASE}/mosaic/notes",
        status=201,
        match=[matchers.json_params_matcher({"personId": "C001", "noteTitle": "Permanence planning meeting held"})],
    )
    assert gateway.deliver(note()).status is ReceiptStatus.DELIVERED


def test_a_payload_is_json_or_multipart_not_both():
    with pytest.raises(ValueError, match="either JSON or multipart"):
        Payload(json={"a": 1}, fields={"b": "2"})
    with pytest.raises(ValueError, match="either JSON or multipart"):
        Payload()


@responses.activate
def test_a_broken_payload_function_is_a_failed_receipt_not_an_exception(sleeps):
    gateway = HttpGateway(BASE, payloads=lambda item: Payload(json={}, path="/x/{person}"), sleep=sleeps)
    receipt = gateway.deliver(note())
    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == "payload path: KeyError"
    assert len(responses.calls) == 0


@responses.activate
def test_a_payload_builder_error_gives_its_class_never_its_text(sleeps):
    # A builder's message can quote the item it was given; the detail goes to the state store and audit log.
    def refuses(item):
        raise ValueError(f"no case worker for Jane Doe, born 01/02/2015 ({item.child_id})")

    receipt = HttpGateway(BASE, payloads=refuses, sleep=sleeps).deliver(note())
    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == "payload: ValueError"
    assert len(responses.calls) == 0


@responses.activate
def test_a_deliberate_refusal_keeps_its_words_and_sends_nothing(sleeps):
    # PayloadRefused is the builder saying, in ids and codes, what the council must fix before the item can go.
    def refuses(item):
        raise PayloadRefused(f"child {item.child_id} has no allocated team_manager")

    receipt = HttpGateway(BASE, payloads=refuses, sleep=sleeps).deliver(note())
    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == f"payload: child {note().child_id} has no allocated team_manager"
    assert len(responses.calls) == 0


@responses.activate
def test_500_is_retried_with_exponential_back_off_then_delivered(gateway, sleeps):
    url = f"{BASE}/case-notes"
    responses.post(url, status=500)
    responses.post(url, status=502)
    responses.post(url, status=503)
    responses.post(url, status=201, json={"id": "N1"})
    receipt = gateway.deliver(note())
    assert receipt.status is ReceiptStatus.DELIVERED
    assert sleeps == [1.0, 2.0, 4.0]
    keys = {call.request.headers["Idempotency-Key"] for call in responses.calls}
    assert keys == {note().idempotency_key}


@responses.activate
def test_persistent_500_fails_after_max_attempts_without_raising(gateway, sleeps):
    responses.post(f"{BASE}/case-notes", status=500)
    receipt = gateway.deliver(note())
    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == "HTTP 500 Internal Server Error after 4 attempts"
    assert len(responses.calls) == 4
    assert sleeps == [1.0, 2.0, 4.0]


@responses.activate
def test_429_honours_retry_after_seconds(gateway, sleeps):
    url = f"{BASE}/case-notes"
    responses.post(url, status=429, headers={"Retry-After": "7"})
    responses.post(url, status=201)
    assert gateway.deliver(note()).status is ReceiptStatus.DELIVERED
    assert sleeps == [7.0]


@responses.activate
def test_429_honours_retry_after_as_an_http_date(gateway, sleeps):
    url = f"{BASE}/case-notes"
    when = email.utils.format_datetime(NOW + dt.timedelta(seconds=12), usegmt=True)
    responses.post(url, status=429, headers={"Retry-After": when})
    responses.post(url, status=201)
    assert gateway.deliver(note()).status is ReceiptStatus.DELIVERED
    assert sleeps == [12.0]


@responses.activate
def test_retry_after_is_capped(gateway, sleeps):
    url = f"{BASE}/case-notes"
    responses.post(url, status=503, headers={"Retry-After": "3600"})
    responses.post(url, status=201)
    assert gateway.deliver(note()).status is ReceiptStatus.DELIVERED
    assert sleeps == [30.0]


@responses.activate
def test_unreadable_retry_after_falls_back_to_back_off(gateway, sleeps):
    url = f"{BASE}/case-notes"
    responses.post(url, status=429, headers={"Retry-After": "soon"})
    responses.post(url, status=201)
    assert gateway.deliver(note()).status is ReceiptStatus.DELIVERED
    assert sleeps == [1.0]


@responses.activate
def test_read_timeout_is_retried_with_the_same_idempotency_key(gateway, sleeps):
    url = f"{BASE}/case-notes"
    responses.post(url, body=requests.exceptions.ReadTimeout("read timed out"))
    responses.post(url, status=201)
    assert gateway.deliver(note()).status is ReceiptStatus.DELIVERED
    assert [c.request.headers["Idempotency-Key"] for c in responses.calls] == [note().idempotency_key] * 2
    assert sleeps == [1.0]


@responses.activate
def test_connect_timeouts_until_the_end_fail_the_item(gateway, sleeps):
    responses.post(f"{BASE}/case-notes", body=requests.exceptions.ConnectTimeout("connect timed out"))
    receipt = gateway.deliver(note())
    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == "ConnectTimeout after 4 attempts"
    assert sleeps == [1.0, 2.0, 4.0]


@responses.activate
def test_timeouts_are_passed_to_requests(sleeps):
    gateway = HttpGateway(BASE, connect_timeout=3.5, read_timeout=12.0, sleep=sleeps)
    responses.post(f"{BASE}/case-notes", status=201)
    gateway.deliver(note())
    assert responses.calls[0].request.req_kwargs["timeout"] == (3.5, 12.0)
    # True, or the environment's CA bundle: verification is never switched off.
    assert responses.calls[0].request.req_kwargs["verify"] not in (False, None, "")


@responses.activate
def test_a_client_error_is_final_and_never_reports_the_body(gateway, sleeps):
    responses.post(f"{BASE}/case-notes", status=422, json={"error": "child Jane Doe not found"})
    receipt = gateway.deliver(note())
    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == "HTTP 422 Unprocessable Entity"
    assert "Jane" not in receipt.detail
    assert len(responses.calls) == 1
    assert sleeps == []


@responses.activate
def test_a_redirect_is_not_followed_and_not_taken_for_success(gateway):
    responses.post(f"{BASE}/case-notes", status=302, headers={"Location": "https://elsewhere.test/login"})
    receipt = gateway.deliver(note())
    assert receipt.status is ReceiptStatus.FAILED
    assert len(responses.calls) == 1


@responses.activate
def test_a_tls_failure_is_not_retried(gateway, sleeps):
    responses.post(f"{BASE}/case-notes", body=requests.exceptions.SSLError("certificate verify failed"))
    receipt = gateway.deliver(note())
    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == "TLS verification failed"
    assert sleeps == []


def test_the_token_is_read_from_the_named_environment_variable_only(monkeypatch):
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="NO_SUCH_TOKEN: is not set"):
        HttpGateway(BASE, token_env="NO_SUCH_TOKEN")


def test_plain_http_is_refused_except_to_this_machine():
    with pytest.raises(ConfigError, match="HTTPS"):
        HttpGateway("http://gateway.council.test/api")
    assert HttpGateway("http://localhost:8080/api/").endpoint == "http://localhost:8080/api"


def test_credentials_in_the_url_are_refused():
    with pytest.raises(ConfigError, match="credentials must not be in the URL"):
        HttpGateway("https://user:pw@gateway.council.test/api")


def test_a_ca_bundle_adds_trust_but_must_exist(tmp_path):
    bundle = tmp_path / "council-ca.pem"
    with pytest.raises(ConfigError, match="ca_bundle"):
        HttpGateway(BASE, ca_bundle=bundle)
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert HttpGateway(BASE, ca_bundle=bundle).verify == str(bundle)


@settings(deadline=None)  # timing on a shared machine is no part of the property
@given(st.integers(min_value=0, max_value=10**6))
def test_retry_after_seconds_round_trip(seconds):
    assert retry_after(str(seconds), NOW) == float(seconds)


@settings(deadline=None)  # timing on a shared machine is no part of the property
@given(st.integers(min_value=-86_400, max_value=86_400))
def test_retry_after_date_is_relative_to_now_and_never_negative(offset):
    header = email.utils.format_datetime(NOW + dt.timedelta(seconds=offset), usegmt=True)
    assert retry_after(header, NOW) == max(0.0, float(offset))


@pytest.mark.parametrize("value", [None, "", "later", "-5", "1.5"])
def test_retry_after_unreadable_values_are_ignored(value):
    assert retry_after(value, NOW) is None


@settings(deadline=None)  # timing on a shared machine is no part of the property
@given(attempts=st.integers(min_value=1, max_value=12), backoff=st.floats(0.01, 10), cap=st.floats(0.1, 120))
def test_back_off_doubles_and_never_exceeds_the_cap(attempts, backoff, cap):
    asked = Sleeps()
    gateway = HttpGateway(BASE, max_attempts=attempts, backoff=backoff, max_wait=cap, sleep=asked)
    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/case-notes", status=503)
        assert gateway.deliver(note()).status is ReceiptStatus.FAILED
        assert len(mock.calls) == attempts
    assert asked == [min(cap, backoff * 2**n) for n in range(attempts - 1)]


@responses.activate
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (None, b'{"id": "N-1"}'),
        ("text/plain", b'{"id": "N-1"}'),
        ("application/json", b"not json"),
        ("application/json", b'{"other": "N-1"}'),
        ("application/json", b'["N-1"]'),
        ("application/json", b""),
    ],
)
def test_an_external_id_is_read_only_from_a_json_object_that_has_the_id_field(gateway, content_type, body):
    responses.post(f"{BASE}/case-notes", body=body, status=201, content_type=content_type)
    receipt = gateway.deliver(note())
    assert (receipt.status, receipt.external_id, receipt.location) == (ReceiptStatus.DELIVERED, None, None)


def test_a_document_of_unknown_type_is_sent_as_octet_stream_and_its_metadata_keeps_non_ascii_text():
    item = attrs.evolve(document(), filename="minutes.synthetic-unknown", title="Réunion PPM")
    payload = default_payload(item)
    assert payload.files["file"][2] == "application/octet-stream"
    assert '"title": "Réunion PPM"' in payload.fields["metadata"]


def test_retry_after_as_a_date_without_a_zone_is_read_as_utc():
    assert retry_after("Mon, 03 Mar 2025 09:00:30 -0000", NOW) == 30.0


def _refusing(item):
    raise PayloadRefused(f"child {item.child_id} has no allocated team_manager")


@responses.activate
@pytest.mark.parametrize(
    ("payloads", "answer", "detail"),
    [
        (_refusing, None, "payload: child C001 has no allocated team_manager"),
        (lambda item: Payload(json={}, path="/x/{person}"), None, "payload path: KeyError"),
        (default_payload, requests.exceptions.SSLError("certificate verify failed"), "TLS verification failed"),
        (default_payload, requests.exceptions.InvalidHeader("synthetic"), "InvalidHeader"),
        (default_payload, 422, "HTTP 422 Unprocessable Entity"),
        (default_payload, 499, "HTTP 499"),
    ],
)
def test_a_failed_receipt_carries_the_items_key_and_says_why_without_retrying(sleeps, payloads, answer, detail):
    # The key is what the state store records the failure under: without it the next run could not retry it.
    if isinstance(answer, int):
        responses.post(f"{BASE}/case-notes", status=answer)
    elif answer is not None:
        responses.post(f"{BASE}/case-notes", body=answer)
    receipt = HttpGateway(BASE, payloads=payloads, sleep=sleeps).deliver(note())
    assert (receipt.idempotency_key, receipt.status, receipt.detail) == (
        note().idempotency_key,
        ReceiptStatus.FAILED,
        detail,
    )
    assert sleeps == []


@responses.activate
@pytest.mark.parametrize("status", [300, 302])
def test_a_3xx_answer_is_a_failure_not_a_delivery(gateway, sleeps, status):
    responses.post(f"{BASE}/case-notes", status=status, headers={"Location": "https://elsewhere.test/login"})
    receipt = gateway.deliver(note())
    assert (receipt.status, receipt.detail.split()[:2]) == (ReceiptStatus.FAILED, ["HTTP", str(status)])
    assert sleeps == []


@responses.activate
def test_a_single_attempt_is_named_in_the_singular(sleeps):
    responses.post(f"{BASE}/case-notes", status=503)
    receipt = HttpGateway(BASE, max_attempts=1, sleep=sleeps).deliver(note())
    assert receipt.detail == "HTTP 503 Service Unavailable after 1 attempt"
    assert sleeps == []


@responses.activate
def test_requests_verify_with_the_ca_bundle_when_one_is_given_and_with_the_system_store_otherwise(tmp_path, sleeps):
    bundle = tmp_path / "council-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    responses.post(f"{BASE}/case-notes", status=201)
    assert HttpGateway(BASE).verify is True
    HttpGateway(BASE, ca_bundle=bundle, sleep=sleeps).deliver(note())
    assert responses.calls[0].request.req_kwargs["verify"] == str(bundle)
