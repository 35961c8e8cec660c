"""Retries: what is retried, how often, how long the waits are, and the idempotency key."""

from __future__ import annotations

import dataclasses
import email.utils
import time
from typing import ClassVar

import pytest
import requests
import responses

from llamastack import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LlamaStackClient,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    Spec,
    header_field,
)
from tests.unit.conftest import MakeClient
from tests.unit.specs_for_tests import BASE, Thing, ThingCreate, ThingDelete, ThingRetrieve

URL = BASE + "/v1/things/t1"
THING = {"id": "t1", "name": "one"}


def fail(mock: responses.RequestsMock, times: int, status: int = 503,
         headers: dict[str, str] | None = None, url: str = URL, method: str = "GET") -> None:
    for _ in range(times):
        mock.add(method, url, status=status, json={"error": {"message": f"failed {status}"}},
                 headers=headers)


# --- what is retried, how often -----------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_tried_three_times_by_default(
        status: int, mock: responses.RequestsMock, client: LlamaStackClient,
        sleeps: list[float]) -> None:
    fail(mock, 3, status)
    with pytest.raises(APIStatusError) as info:
        client.call(ThingRetrieve(thing_id="t1"))
    assert info.value.status == status
    assert len(mock.calls) == 3
    assert sleeps == [0.5, 1.0]


def test_501_not_implemented_is_final_and_not_retried(
        mock: responses.RequestsMock, client: LlamaStackClient, sleeps: list[float]) -> None:
    # llama-stack answers 501 for what a provider lacks (a non-streaming agent turn, eval job
    # cancel): the same request will never succeed, so it is raised at once.
    fail(mock, 1, 501)
    with pytest.raises(InternalServerError) as info:
        client.call(ThingRetrieve(thing_id="t1"))
    assert info.value.status == 501
    assert len(mock.calls) == 1
    assert sleeps == []


def test_a_retry_that_succeeds_returns_the_data(mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    fail(mock, 1, 429)
    fail(mock, 1, 500)
    mock.get(URL, json=THING)
    assert client.call(ThingRetrieve(thing_id="t1")) == Thing(id="t1", name="one")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 418, 422])
def test_client_errors_are_not_retried(status: int, mock: responses.RequestsMock,
                                       client: LlamaStackClient, sleeps: list[float]) -> None:
    fail(mock, 1, status)
    with pytest.raises(APIStatusError):
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(mock.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize("error", [
    requests.exceptions.ConnectionError("refused"),
    requests.exceptions.ConnectTimeout("slow connect"),
    requests.exceptions.ReadTimeout("slow read"),
])
def test_connection_errors_and_timeouts_are_retried(error: Exception, mock: responses.RequestsMock,
                                                    client: LlamaStackClient,
                                                    sleeps: list[float]) -> None:
    for _ in range(3):
        mock.get(URL, body=error)
    with pytest.raises(APIConnectionError):
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(mock.calls) == 3
    assert sleeps == [0.5, 1.0]


def test_max_retries_zero_disables_retries(mock: responses.RequestsMock,
                                           make_client: MakeClient, sleeps: list[float]) -> None:
    fail(mock, 1, 503)
    with pytest.raises(InternalServerError):
        make_client(max_retries=0).call(ThingRetrieve(thing_id="t1"))
    assert len(mock.calls) == 1
    assert sleeps == []


def test_per_call_max_retries_overrides_the_client(mock: responses.RequestsMock,
                                                   make_client: MakeClient) -> None:
    client = make_client(max_retries=0)
    fail(mock, 4, 503)
    with pytest.raises(InternalServerError):
        client.call(ThingRetrieve(thing_id="t1"), max_retries=3)
    assert len(mock.calls) == 4

    fail(mock, 1, 503)
    with pytest.raises(InternalServerError):
        make_client(max_retries=5).call(ThingRetrieve(thing_id="t1"), max_retries=0)
    assert len(mock.calls) == 5


def test_per_call_max_retries_applies_to_raw_and_with_response(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    fail(mock, 2, 503)
    with pytest.raises(InternalServerError):
        client.raw(ThingRetrieve(thing_id="t1"), max_retries=1)
    fail(mock, 1, 503)
    with pytest.raises(InternalServerError):
        client.with_response(ThingRetrieve(thing_id="t1"), max_retries=0)
    assert len(mock.calls) == 3


def test_invalid_per_call_max_retries_is_refused(client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        client.call(ThingRetrieve(thing_id="t1"), max_retries=-1)


# --- backoff and Retry-After --------------------------------------------------------------


def test_backoff_doubles_from_half_a_second_and_caps_at_eight(
        mock: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]) -> None:
    fail(mock, 8, 503)
    with pytest.raises(InternalServerError):
        make_client(max_retries=7).call(ThingRetrieve(thing_id="t1"))
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_shortens_the_wait_by_up_to_a_quarter(mock: responses.RequestsMock,
                                                     make_client: MakeClient) -> None:
    waits: list[float] = []
    policy = RetryPolicy(sleep=waits.append, jitter=lambda: 1.0)
    fail(mock, 3, 503)
    with pytest.raises(InternalServerError):
        make_client(retry_policy=policy).call(ThingRetrieve(thing_id="t1"))
    assert waits == [0.375, 0.75]


def test_backoff_settings_are_configurable(mock: responses.RequestsMock,
                                           make_client: MakeClient) -> None:
    waits: list[float] = []
    policy = RetryPolicy(initial_delay=0.1, max_delay=0.3, sleep=waits.append, jitter=lambda: 0.0)
    fail(mock, 4, 500)
    with pytest.raises(InternalServerError):
        make_client(retry_policy=policy, max_retries=3).call(ThingRetrieve(thing_id="t1"))
    assert waits == pytest.approx([0.1, 0.2, 0.3])


@pytest.mark.parametrize(("headers", "wait"), [
    ({"Retry-After": "3"}, 3.0),
    ({"Retry-After": "0.25"}, 0.25),
    ({"Retry-After": "0"}, 0.0),
    ({"Retry-After": "-5"}, 0.0),
    ({"retry-after-ms": "1500"}, 1.5),
    ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),
    ({"Retry-After": "86400"}, 60.0),
    ({"retry-after-ms": "99999999"}, 60.0),
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
    ({"Retry-After": "soon"}, 0.5),
    ({"retry-after-ms": "later", "Retry-After": "2"}, 2.0),
    ({"Retry-After": "inf"}, 60.0),
])
def test_retry_after_headers_set_the_wait(headers: dict[str, str], wait: float,
                                          mock: responses.RequestsMock, make_client: MakeClient,
                                          sleeps: list[float]) -> None:
    fail(mock, 1, 429, headers=headers)
    mock.get(URL, json=THING)
    make_client().call(ThingRetrieve(thing_id="t1"))
    assert sleeps == [pytest.approx(wait)]


def test_retry_after_as_an_http_date(mock: responses.RequestsMock, client: LlamaStackClient,
                                     sleeps: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    fail(mock, 1, 503, headers={"Retry-After": when})
    mock.get(URL, json=THING)
    client.call(ThingRetrieve(thing_id="t1"))
    (wait,) = sleeps
    assert 28.0 <= wait <= 30.0


def test_retry_after_on_a_status_that_is_not_retried_is_ignored(
        mock: responses.RequestsMock, client: LlamaStackClient, sleeps: list[float]) -> None:
    fail(mock, 1, 400, headers={"Retry-After": "1"})
    with pytest.raises(BadRequestError):
        client.call(ThingRetrieve(thing_id="t1"))
    assert sleeps == []


# --- x-should-retry -----------------------------------------------------------------------


def test_x_should_retry_false_stops_a_retryable_status(mock: responses.RequestsMock,
                                                       client: LlamaStackClient) -> None:
    fail(mock, 1, 503, headers={"x-should-retry": "false"})
    with pytest.raises(InternalServerError):
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(mock.calls) == 1


def test_x_should_retry_true_retries_any_status(mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    fail(mock, 1, 404, headers={"X-Should-Retry": "true"})
    mock.get(URL, json=THING)
    assert client.call(ThingRetrieve(thing_id="t1")).id == "t1"
    assert len(mock.calls) == 2


def test_x_should_retry_with_another_value_falls_back_to_the_status(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    fail(mock, 1, 404, headers={"x-should-retry": "maybe"})
    with pytest.raises(NotFoundError):
        client.call(ThingRetrieve(thing_id="t1"))


def test_retries_stop_at_max_retries_even_when_the_server_insists(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    fail(mock, 3, 409, headers={"x-should-retry": "true"})
    with pytest.raises(ConflictError):
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(mock.calls) == 3


# --- idempotency key ----------------------------------------------------------------------


def test_post_carries_one_idempotency_key_across_attempts(mock: responses.RequestsMock,
                                                          client: LlamaStackClient) -> None:
    fail(mock, 1, 503, url=BASE + "/v1/things", method="POST")
    mock.post(BASE + "/v1/things", body=requests.exceptions.ConnectionError("reset"))
    mock.post(BASE + "/v1/things", json=THING)
    client.call(ThingCreate(name="n"))
    keys = [call.request.headers["Idempotency-Key"] for call in mock.calls]
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert keys[0].startswith("llamastack-")


def test_the_idempotency_key_is_a_random_uuid(mock: responses.RequestsMock,
                                              client: LlamaStackClient) -> None:
    import uuid

    for _ in range(20):
        mock.post(BASE + "/v1/things", json=THING)
        client.call(ThingCreate(name="n"))
    keys = [call.request.headers["Idempotency-Key"] for call in mock.calls]
    uuids = [uuid.UUID(key.removeprefix("llamastack-")) for key in keys]
    assert all(key == f"llamastack-{value}" for key, value in zip(keys, uuids, strict=True))
    assert {(value.version, value.variant) for value in uuids} == {(4, uuid.RFC_4122)}
    assert len(set(uuids)) == 20


def test_each_call_gets_its_own_idempotency_key(mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", json=THING)
    mock.post(BASE + "/v1/things", json=THING)
    client.call(ThingCreate(name="n"))
    client.call(ThingCreate(name="n"))
    first, second = (call.request.headers["Idempotency-Key"] for call in mock.calls)
    assert first != second


def test_get_has_no_idempotency_key(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    fail(mock, 1, 503)
    mock.get(URL, json=THING)
    client.call(ThingRetrieve(thing_id="t1"))
    assert all("Idempotency-Key" not in call.request.headers for call in mock.calls)


def test_delete_has_an_idempotency_key(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.delete(URL, status=204)
    client.call(ThingDelete(thing_id="t1"))
    assert mock.calls[0].request.headers["Idempotency-Key"].startswith("llamastack-")


def test_a_caller_supplied_idempotency_key_is_kept(mock: responses.RequestsMock,
                                                   client: LlamaStackClient) -> None:
    fail(mock, 1, 500, url=BASE + "/v1/things", method="POST")
    mock.post(BASE + "/v1/things", json=THING)
    client.call(ThingCreate(name="n"), extra_headers={"Idempotency-Key": "mine-1"})
    assert [call.request.headers["Idempotency-Key"] for call in mock.calls] == ["mine-1", "mine-1"]


def test_rate_limit_error_after_retries_carries_the_last_answer(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    for n in range(3):
        mock.get(URL, status=429, json={"error": {"message": f"slow down {n}"}},
                 headers={"Retry-After": "0"})
    with pytest.raises(RateLimitError, match="slow down 2"):
        client.call(ThingRetrieve(thing_id="t1"))


@pytest.mark.parametrize("headers", [{"Retry-After": "nan"}, {"retry-after-ms": "NaN"}])
def test_a_retry_after_that_is_not_a_number_falls_back_to_backoff(
        headers: dict[str, str], mock: responses.RequestsMock, client: LlamaStackClient,
        sleeps: list[float]) -> None:
    fail(mock, 1, 503, headers=headers)
    mock.get(URL, json=THING)
    client.call(ThingRetrieve(thing_id="t1"))
    assert sleeps == [0.5]


def test_a_caller_supplied_idempotency_key_in_any_case_is_kept(mock: responses.RequestsMock,
                                                               client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", json=THING)
    mock.post(BASE + "/v1/anything", json={})
    client.call(ThingCreate(name="n"), extra_headers={"idempotency-key": "mine-2"})
    client.post("/v1/anything", body={}, headers={"IDEMPOTENCY-KEY": "mine-3"})
    assert [call.request.headers["Idempotency-Key"] for call in mock.calls] == ["mine-2", "mine-3"]


def test_an_idempotency_key_in_the_clients_default_headers_is_kept(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.post(BASE + "/v1/things", json=THING)
    make_client(default_headers={"IDEMPOTENCY-key": "fixed"}).call(ThingCreate(name="n"))
    headers = mock.calls[0].request.headers
    assert headers["Idempotency-Key"] == "fixed"
    assert [name for name in headers if name.lower() == "idempotency-key"] == ["IDEMPOTENCY-key"]


def test_a_spec_header_field_named_idempotency_key_is_kept(mock: responses.RequestsMock,
                                                           client: LlamaStackClient) -> None:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class KeyedCreate(Spec[Thing]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/things"
        key: str | None = header_field("Idempotency-Key")

    mock.post(BASE + "/v1/things", json=THING)
    mock.post(BASE + "/v1/things", json=THING)
    client.call(KeyedCreate(key="from-the-spec"))
    client.call(KeyedCreate())
    first, second = (call.request.headers["Idempotency-Key"] for call in mock.calls)
    assert first == "from-the-spec" and second.startswith("llamastack-")


def test_a_forked_child_never_reuses_its_parents_random_bytes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Idempotency keys come from os.urandom 64 at a time; a child of fork() would inherit the
    unused ones and send its parent's next keys. It tells by the process id and reads anew."""
    import os

    import llamastack.client as client_module

    monkeypatch.setattr(client_module, "_random_blocks", [])
    client_module._random_16()
    parents_next = set(client_module._random_blocks)
    assert len(parents_next) == client_module._KEYS_PER_READ - 1
    child_pid = os.getpid() + 1
    monkeypatch.setattr(os, "getpid", lambda: child_pid)
    childs = {client_module._random_16() for _ in range(client_module._KEYS_PER_READ)}
    assert not childs & parents_next
