"""Client construction, headers, sessions, typed calls, extras, timeouts, middleware, proxies."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from llamastack import (
    DEFAULT_BASE_URL,
    APIConnectionError,
    APIConnectionTimeoutError,
    APITimeoutError,
    AuthenticationError,
    LlamaStackClient,
    NotFoundError,
    WithResponse,
)
from llamastack.executor import CallNext
from tests.unit.conftest import MakeClient, send_kwargs
from tests.unit.specs_for_tests import (
    BASE,
    Options,
    Thing,
    ThingCreate,
    ThingDelete,
    ThingRetrieve,
)

THING = {"id": "t1", "name": "one"}
URL_T1 = BASE + "/v1/things/t1"


def only_request(mock: responses.RequestsMock, index: int = 0) -> requests.PreparedRequest:
    request = mock.calls[index].request
    assert isinstance(request, requests.PreparedRequest)
    return request


# --- base_url ------------------------------------------------------------------------------


def test_base_url_argument_is_used_without_trailing_slash() -> None:
    with LlamaStackClient("http://example.invalid:9000/") as client:
        assert client.base_url == "http://example.invalid:9000"


def test_base_url_from_llama_stack_base_url_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_STACK_BASE_URL", "http://from-env.invalid:1")
    with LlamaStackClient() as client:
        assert client.base_url == "http://from-env.invalid:1"


def test_base_url_from_llama_stack_client_base_url_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_STACK_CLIENT_BASE_URL", "http://client-env.invalid:2")
    with LlamaStackClient() as client:
        assert client.base_url == "http://client-env.invalid:2"


def test_base_url_argument_beats_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_STACK_BASE_URL", "http://from-env.invalid:1")
    with LlamaStackClient("http://arg.invalid") as client:
        assert client.base_url == "http://arg.invalid"


def test_llama_stack_base_url_beats_the_client_variant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_STACK_BASE_URL", "http://first.invalid")
    monkeypatch.setenv("LLAMA_STACK_CLIENT_BASE_URL", "http://second.invalid")
    with LlamaStackClient() as client:
        assert client.base_url == "http://first.invalid"


def test_environment_local_names_the_local_server() -> None:
    with LlamaStackClient(environment="local") as client:
        assert client.base_url == "http://localhost:8321"


@pytest.mark.parametrize("variable", ["LLAMA_STACK_BASE_URL", "LLAMA_STACK_CLIENT_BASE_URL"])
def test_environment_argument_beats_the_base_url_variables(
        variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit argument wins over the environment, as base_url and api_key do."""
    monkeypatch.setenv(variable, "http://from-env.invalid:1")
    with LlamaStackClient(environment="local") as client:
        assert client.base_url == "http://localhost:8321"


def test_unknown_environment_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown environment 'prod'.*local"):
        LlamaStackClient(environment="prod")


def test_default_base_url_is_localhost_8321() -> None:
    with LlamaStackClient() as client:
        assert client.base_url == DEFAULT_BASE_URL == "http://localhost:8321"


def test_base_url_and_environment_together_are_ambiguous() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        LlamaStackClient("http://x.invalid", environment="local")


@pytest.mark.parametrize("bad", [
    "localhost:8321",
    "ftp://host.invalid",
    "http://",
    "http://host.invalid:notaport",
    "http://host.invalid/?q=1",
    "http://host.invalid/#frag",
    "",
])
def test_invalid_base_url_is_refused_with_a_clear_message(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid base_url") as info:
        LlamaStackClient(bad)
    assert repr(bad) in str(info.value)


def test_invalid_base_url_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_STACK_BASE_URL", "localhost:8321")
    with pytest.raises(ValueError, match="http:// or https://"):
        LlamaStackClient()


def test_base_url_with_a_path_prefix_keeps_it(mock: responses.RequestsMock,
                                              make_client: MakeClient) -> None:
    mock.get("http://proxy.invalid/llama/v1/things/t1", json=THING)
    client = make_client("http://proxy.invalid/llama/")
    assert client.call(ThingRetrieve(thing_id="t1")).id == "t1"


# --- auth, provider data, default headers and query ----------------------------------------


def test_api_key_argument_is_sent_as_bearer(mock: responses.RequestsMock,
                                            make_client: MakeClient) -> None:
    mock.get(URL_T1, json=THING, match=[matchers.header_matcher({"Authorization": "Bearer sk-arg"})])
    make_client(api_key="sk-arg").call(ThingRetrieve(thing_id="t1"))


@pytest.mark.parametrize("variable", ["LLAMA_STACK_API_KEY", "LLAMA_STACK_CLIENT_API_KEY"])
def test_api_key_from_the_environment_is_sent_as_bearer(
        variable: str, monkeypatch: pytest.MonkeyPatch, mock: responses.RequestsMock,
        make_client: MakeClient) -> None:
    monkeypatch.setenv(variable, "sk-env")
    mock.get(URL_T1, json=THING, match=[matchers.header_matcher({"Authorization": "Bearer sk-env"})])
    make_client().call(ThingRetrieve(thing_id="t1"))


def test_api_key_argument_beats_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                mock: responses.RequestsMock,
                                                make_client: MakeClient) -> None:
    monkeypatch.setenv("LLAMA_STACK_API_KEY", "sk-env")
    mock.get(URL_T1, json=THING, match=[matchers.header_matcher({"Authorization": "Bearer sk-arg"})])
    make_client(api_key="sk-arg").call(ThingRetrieve(thing_id="t1"))


def test_no_api_key_sends_no_authorization_header(mock: responses.RequestsMock,
                                                  client: LlamaStackClient) -> None:
    mock.get(URL_T1, json=THING)
    client.call(ThingRetrieve(thing_id="t1"))
    assert "Authorization" not in only_request(mock).headers


def test_api_key_with_a_newline_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="Authorization") as info:
        LlamaStackClient("http://x.invalid", api_key="sk-secret\r\nX-Evil: 1")
    assert "sk-secret" not in str(info.value)


def test_provider_data_is_sent_as_a_json_header(mock: responses.RequestsMock,
                                                make_client: MakeClient) -> None:
    data = {"openai_api_key": "sk-provider", "nested": {"n": 1}}
    mock.get(URL_T1, json=THING)
    make_client(provider_data=data).call(ThingRetrieve(thing_id="t1"))
    assert json.loads(only_request(mock).headers["X-LlamaStack-Provider-Data"]) == data


def test_default_headers_and_query_go_with_every_call(mock: responses.RequestsMock,
                                                      make_client: MakeClient) -> None:
    client = make_client(default_headers={"X-Team": "infra"}, default_query={"region": "eu"})
    for _ in range(2):
        mock.get(URL_T1, json=THING, match=[
            matchers.header_matcher({"X-Team": "infra"}),
            matchers.query_param_matcher({"region": "eu"}),
        ])
    client.call(ThingRetrieve(thing_id="t1"))
    client.call(ThingRetrieve(thing_id="t1"))


def test_user_agent_and_accept_headers(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.get(URL_T1, json=THING)
    client.call(ThingRetrieve(thing_id="t1"))
    headers = only_request(mock).headers
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("llamastack-python/")
    # A version header would make servers of another line answer 426 on every route.
    assert "X-LlamaStack-Client-Version" not in headers


def test_repr_shows_no_secrets() -> None:
    client = LlamaStackClient("http://x.invalid", api_key="sk-very-secret",
                              provider_data={"token": "prov-secret-value"})
    text = repr(client)
    client.close()
    assert "http://x.invalid" in text
    assert "sk-very-secret" not in text
    assert "prov-secret-value" not in text


def test_repr_shows_the_base_url_without_its_password() -> None:
    with LlamaStackClient("http://reader:s3cret-pass@x.invalid:81") as client:
        assert repr(client).startswith("LlamaStackClient(base_url='http://<redacted>@x.invalid:81'")
        assert client.base_url == "http://reader:s3cret-pass@x.invalid:81"  # still used as given


@pytest.mark.parametrize("from_env", [False, True])
def test_credentials_in_the_url_and_an_api_key_together_are_refused(
        from_env: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """requests would send the URL's as Basic auth, silently replacing the Bearer key."""
    if from_env:
        monkeypatch.setenv("LLAMA_STACK_API_KEY", "sk-key-123")
    with pytest.raises(ValueError, match="both would be the Authorization header") as caught:
        LlamaStackClient("http://reader:s3cret-pass@x.invalid",
                         api_key=None if from_env else "sk-key-123")
    assert "s3cret-pass" not in str(caught.value) and "sk-key-123" not in str(caught.value)


def test_a_secret_nested_in_provider_data_is_redacted_from_errors(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    client = make_client(provider_data={"vllm": {"api_token": "tok-nested-123"}, "n": [["deep-456"]]})
    mock.get(URL_T1, status=401, json={"detail": "tokens tok-nested-123 and deep-456 refused"})
    with pytest.raises(AuthenticationError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert "tok-nested-123" not in str(caught.value) and "deep-456" not in str(caught.value)
    assert "tokens <redacted> and <redacted> refused" in str(caught.value)


@pytest.mark.parametrize(("option", "value"), [
    ("timeout", 0), ("timeout", -1), ("timeout", "5"), ("timeout", True), ("timeout", (1, 0)),
    ("max_retries", -1), ("max_retries", 1.5), ("max_retries", True),
    ("max_response_bytes", 0), ("max_response_bytes", -1), ("max_response_bytes", 1.5),
    ("max_response_bytes", True), ("max_response_bytes", "1MB"),
])
def test_invalid_options_are_refused(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        LlamaStackClient("http://x.invalid", **{option: value})


# --- sessions and lifecycle -----------------------------------------------------------------


@pytest.fixture
def closed_sessions(monkeypatch: pytest.MonkeyPatch) -> list[requests.Session]:
    closed: list[requests.Session] = []
    original = requests.Session.close

    def record(self: requests.Session) -> None:
        closed.append(self)
        original(self)

    monkeypatch.setattr(requests.Session, "close", record)
    return closed


def test_with_closes_the_session_the_client_owns(closed_sessions: list[requests.Session]) -> None:
    with LlamaStackClient("http://x.invalid"):
        assert closed_sessions == []
    assert len(closed_sessions) == 1


def test_close_leaves_a_user_session_open(closed_sessions: list[requests.Session]) -> None:
    session = requests.Session()
    with LlamaStackClient("http://x.invalid", session=session):
        pass
    assert session not in closed_sessions
    session.close()


class CountingAdapter(requests.adapters.HTTPAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
             ) -> requests.Response:
        self.sent += 1
        return super().send(request, *args, **kwargs)


def test_user_session_is_used_and_never_mutated(mock: responses.RequestsMock,
                                                make_client: MakeClient) -> None:
    session = requests.Session()
    adapter = CountingAdapter()
    session.mount("http://", adapter)
    session.headers["X-User"] = "mine"
    session.proxies = {"https": "http://user-proxy.invalid:3128"}
    before = (dict(session.headers), dict(session.adapters), dict(session.proxies),
              session.trust_env, session.verify, session.auth, dict(session.hooks))

    mock.post(BASE + "/v1/things", json=THING, status=503)
    mock.post(BASE + "/v1/things", json=THING, match=[matchers.header_matcher({
        "Authorization": "Bearer sk-1", "X-User": "mine", "X-Extra": "e"})])
    with make_client(session=session, api_key="sk-1", proxies={"http": "http://p.invalid:1"},
                     provider_data={"k": "v"}, default_headers={"X-Default": "d"}) as client:
        client.call(ThingCreate(name="n"), extra_headers={"X-Extra": "e"})

    after = (dict(session.headers), dict(session.adapters), dict(session.proxies),
             session.trust_env, session.verify, session.auth, dict(session.hooks))
    assert after == before
    assert adapter.sent == 2
    session.close()


def test_user_session_proxies_are_used(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    session = requests.Session()
    session.proxies = {"http": "http://user-proxy.invalid:3128"}
    mock.get(URL_T1, json=THING)
    make_client(session=session).call(ThingRetrieve(thing_id="t1"))
    assert send_kwargs(mock)[0]["proxies"]["http"] == "http://user-proxy.invalid:3128"
    session.close()


def test_client_proxies_go_with_every_send(mock: responses.RequestsMock,
                                           make_client: MakeClient) -> None:
    proxies = {"http": "http://proxy.invalid:3128", "https": "http://proxy.invalid:3129"}
    mock.get(URL_T1, status=500)
    mock.get(URL_T1, json=THING)
    make_client(proxies=proxies).call(ThingRetrieve(thing_id="t1"))
    assert [kwargs["proxies"] for kwargs in send_kwargs(mock)] == [proxies, proxies]


def test_client_proxies_over_a_user_session_leave_its_proxies_alone(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    session = requests.Session()
    session.proxies = {"https": "http://user.invalid:1"}
    mock.get(URL_T1, json=THING)
    make_client(session=session, proxies={"http": "http://client.invalid:2"}).call(
        ThingRetrieve(thing_id="t1"))
    assert send_kwargs(mock)[0]["proxies"] == {
        "https": "http://user.invalid:1", "http": "http://client.invalid:2"}
    assert session.proxies == {"https": "http://user.invalid:1"}
    session.close()


# --- typed calls: call, with_response, raw ------------------------------------------------


def test_call_returns_the_declared_type(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.get(URL_T1, json={"id": "t1", "name": "one", "options": {"temperature": 0.5}})
    thing = client.call(ThingRetrieve(thing_id="t1"))
    assert thing == Thing(id="t1", name="one", options=Options(temperature=0.5))


def test_delete_with_an_empty_204_returns_none(mock: responses.RequestsMock,
                                               client: LlamaStackClient) -> None:
    mock.delete(URL_T1, status=204, body=b"")
    assert client.call(ThingDelete(thing_id="t1")) is None
    assert only_request(mock).body is None


def test_with_response_is_a_named_pair(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.get(URL_T1, json=THING, headers={"X-Request-Id": "r-1"})
    result = client.with_response(ThingRetrieve(thing_id="t1"))
    data, response = result
    assert isinstance(result, WithResponse)
    assert isinstance(result, tuple)
    assert result.data is data
    assert result.response is response
    assert data == Thing(id="t1", name="one")
    assert isinstance(response, requests.Response)
    assert response.headers["X-Request-Id"] == "r-1"
    assert response.status_code == 200


def test_raw_returns_the_undecoded_response(mock: responses.RequestsMock,
                                            client: LlamaStackClient) -> None:
    mock.get(URL_T1, body=b"not even json", status=200)
    response = client.raw(ThingRetrieve(thing_id="t1"))
    assert isinstance(response, requests.Response)
    assert response.content == b"not even json"


def test_raw_still_raises_on_error_statuses(mock: responses.RequestsMock,
                                            client: LlamaStackClient) -> None:
    mock.get(URL_T1, status=404, json={"detail": "Thing t1 not found"})
    with pytest.raises(NotFoundError, match="Thing t1 not found"):
        client.raw(ThingRetrieve(thing_id="t1"))


# --- extras precedence ---------------------------------------------------------------------


def test_query_precedence_client_then_spec_then_extra(mock: responses.RequestsMock,
                                                      make_client: MakeClient) -> None:
    client = make_client(default_query={"dry_run": "from-client", "region": "eu", "keep": "1"})
    mock.post(BASE + "/v1/things", json=THING, match=[matchers.query_param_matcher(
        {"dry_run": "true", "region": "us", "keep": "1"})])
    client.call(ThingCreate(name="n", dry_run=True), extra_query={"region": "us"})
    mock.post(BASE + "/v1/things", json=THING, match=[matchers.query_param_matcher(
        {"dry_run": "extra", "region": "eu", "keep": "1"})])
    client.call(ThingCreate(name="n", dry_run=True), extra_query={"dry_run": "extra"})


def test_header_precedence_client_then_spec_then_extra(mock: responses.RequestsMock,
                                                       make_client: MakeClient) -> None:
    client = make_client(default_headers={"X-Trace": "client", "X-Other": "o"})
    mock.post(BASE + "/v1/things", json=THING,
              match=[matchers.header_matcher({"X-Trace": "spec", "X-Other": "o"})])
    client.call(ThingCreate(name="n", trace="spec"))
    mock.post(BASE + "/v1/things", json=THING)
    client.call(ThingCreate(name="n", trace="spec"), extra_headers={"x-trace": "extra"})
    sent = only_request(mock, 1).headers
    assert [(name, value) for name, value in sent.items() if name.lower() == "x-trace"] == [
        ("x-trace", "extra")]


def test_extra_header_none_removes_a_header(mock: responses.RequestsMock,
                                            make_client: MakeClient) -> None:
    client = make_client(api_key="sk-1", default_headers={"X-Other": "o"})
    mock.get(URL_T1, json=THING)
    client.call(ThingRetrieve(thing_id="t1"),
                extra_headers={"authorization": None, "X-Other": None, "User-Agent": None})
    sent = only_request(mock).headers
    assert "Authorization" not in sent
    assert "X-Other" not in sent


def test_extra_body_overrides_and_adds_fields(mock: responses.RequestsMock,
                                              client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", json=THING, match=[matchers.json_params_matcher(
        {"name": "from-extra", "displayName": "D", "undocumented": {"x": [1, 2]}})])
    client.call(ThingCreate(name="n", display_name="D"),
                extra_body={"name": "from-extra", "undocumented": {"x": [1, 2]}})


def test_extras_do_not_mutate_the_callers_dicts(mock: responses.RequestsMock,
                                                make_client: MakeClient) -> None:
    default_headers = {"X-A": "a"}
    default_query = {"q": "1"}
    client = make_client(default_headers=default_headers, default_query=default_query)
    extra_headers: dict[str, str | None] = {"X-A": None}
    extra_query = {"q": "2"}
    extra_body = {"b": 1}
    mock.post(BASE + "/v1/things", json=THING)
    client.call(ThingCreate(name="n"), extra_headers=extra_headers, extra_query=extra_query,
                extra_body=extra_body)
    assert default_headers == {"X-A": "a"}
    assert default_query == {"q": "1"}
    assert extra_headers == {"X-A": None}
    assert extra_query == {"q": "2"}
    assert extra_body == {"b": 1}


def test_spec_refuses_unknown_fields() -> None:
    with pytest.raises(TypeError):
        ThingCreate(name="n", undocumented=1)  # type: ignore[call-arg]


# --- request bodies: nested values ---------------------------------------------------------


def test_nested_dataclass_values_omit_none_fields(mock: responses.RequestsMock,
                                                  client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", json=THING, match=[matchers.json_params_matcher(
        {"name": "n", "options": {"temperature": 0.5}})])
    client.call(ThingCreate(name="n", options=Options(temperature=0.5)))


def test_nested_values_may_be_plain_dicts_and_lists(mock: responses.RequestsMock,
                                                    client: LlamaStackClient) -> None:
    body = {"name": "n", "options": {"temperature": 1, "tags": ["a", "b"]},
            "metadata": {"deep": [{"k": Options(tags=["x"])}]}}
    mock.post(BASE + "/v1/things", json=THING, match=[matchers.json_params_matcher(
        {"name": "n", "options": {"temperature": 1, "tags": ["a", "b"]},
         "metadata": {"deep": [{"k": {"tags": ["x"]}}]}})])
    client.call(ThingCreate(name="n", options=body["options"],  # type: ignore[arg-type]
                            metadata=body["metadata"]))  # type: ignore[arg-type]


def test_unknown_fields_of_a_nested_model_are_sent_back(mock: responses.RequestsMock,
                                                        client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", json=THING, match=[matchers.json_params_matcher(
        {"name": "n", "options": {"temperature": 0.1, "top_p": 0.9}})])
    client.call(ThingCreate(name="n", options=Options(temperature=0.1, model_extra={"top_p": 0.9})))


def test_a_body_that_is_not_json_is_refused_before_sending(client: LlamaStackClient,
                                                           mock: responses.RequestsMock) -> None:
    with pytest.raises(TypeError, match="JSON"):
        client.call(ThingCreate(name="n", metadata={"when": object()}))
    with pytest.raises(ValueError, match="nan"):
        client.call(ThingCreate(name="n", metadata={"x": float("nan")}))
    assert len(mock.calls) == 0


# --- timeouts ------------------------------------------------------------------------------


def test_default_timeout_is_sixty_seconds_connect_and_read(mock: responses.RequestsMock,
                                                           client: LlamaStackClient) -> None:
    mock.get(URL_T1, json=THING)
    client.call(ThingRetrieve(thing_id="t1"))
    assert send_kwargs(mock)[0]["timeout"] == (60.0, 60.0)


def test_client_timeout_is_passed_as_connect_and_read(mock: responses.RequestsMock,
                                                      make_client: MakeClient) -> None:
    mock.get(URL_T1, json=THING)
    make_client(timeout=5).call(ThingRetrieve(thing_id="t1"))
    assert send_kwargs(mock)[0]["timeout"] == (5, 5)


def test_per_call_timeout_overrides_the_client(mock: responses.RequestsMock,
                                               make_client: MakeClient) -> None:
    client = make_client(timeout=5)
    mock.get(URL_T1, json=THING)
    client.call(ThingRetrieve(thing_id="t1"), timeout=(1.5, 30.0))
    mock.get(URL_T1, json=THING)
    client.get("/v1/things/t1", timeout=2.0)
    assert [kwargs["timeout"] for kwargs in send_kwargs(mock)] == [(1.5, 30.0), (2.0, 2.0)]


def test_invalid_per_call_timeout_is_refused(client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match="timeout"):
        client.call(ThingRetrieve(thing_id="t1"), timeout=0)


@pytest.mark.parametrize("timeout", [(1.0,), (1.0, 2.0, 3.0), ()])
def test_a_timeout_tuple_must_be_connect_and_read(timeout: Any, client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match=r"\(connect, read\)"):
        LlamaStackClient(BASE, timeout=timeout)
    with pytest.raises(ValueError, match=r"\(connect, read\)"):
        client.call(ThingRetrieve(thing_id="t1"), timeout=timeout)


@pytest.mark.parametrize("error", [requests.exceptions.ReadTimeout("read timed out"),
                                   requests.exceptions.ConnectTimeout("connect timed out")])
def test_transport_timeouts_become_timeout_errors_and_are_retried(
        error: Exception, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    for _ in range(3):
        mock.get(URL_T1, body=error)
    with pytest.raises(APIConnectionTimeoutError) as info:
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(mock.calls) == 3
    assert info.value.__cause__ is error
    assert isinstance(info.value, APITimeoutError)
    assert isinstance(info.value, APIConnectionError)
    assert "ThingRetrieve GET http://test.invalid/v1/things/t1" in str(info.value)


def test_timeout_then_success_returns_the_data(mock: responses.RequestsMock,
                                               client: LlamaStackClient) -> None:
    mock.get(URL_T1, body=requests.exceptions.ReadTimeout("slow"))
    mock.get(URL_T1, json=THING)
    assert client.call(ThingRetrieve(thing_id="t1")).name == "one"


# --- middleware ----------------------------------------------------------------------------


def test_middleware_sees_and_alters_requests_and_responses(mock: responses.RequestsMock,
                                                           make_client: MakeClient) -> None:
    seen: list[str] = []

    def tag(request: requests.PreparedRequest, call_next: CallNext) -> requests.Response:
        seen.append(f"{request.method} {request.url}")
        request.headers["X-Middleware"] = "yes"
        response = call_next(request)
        response.headers["X-Seen-By"] = "middleware"
        return response

    mock.get(URL_T1, json=THING, match=[matchers.header_matcher({"X-Middleware": "yes"})])
    data, response = make_client(middleware=[tag]).with_response(ThingRetrieve(thing_id="t1"))
    assert seen == ["GET http://test.invalid/v1/things/t1"]
    assert response.headers["X-Seen-By"] == "middleware"
    assert data.id == "t1"


def test_middleware_runs_in_order_on_every_attempt(mock: responses.RequestsMock,
                                                   make_client: MakeClient) -> None:
    order: list[str] = []

    def named(name: str) -> Any:
        def middleware(request: requests.PreparedRequest, call_next: CallNext) -> requests.Response:
            order.append(f"{name}>")
            response = call_next(request)
            order.append(f"<{name}:{response.status_code}")
            return response
        return middleware

    mock.get(URL_T1, status=503)
    mock.get(URL_T1, json=THING)
    make_client(middleware=[named("a"), named("b")]).call(ThingRetrieve(thing_id="t1"))
    assert order == ["a>", "b>", "<b:503", "<a:503", "a>", "b>", "<b:200", "<a:200"]


def test_middleware_may_answer_by_itself(make_client: MakeClient, mock: responses.RequestsMock) -> None:
    def cached(request: requests.PreparedRequest, call_next: CallNext) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(THING).encode()
        response.request = request
        return response

    assert make_client(middleware=[cached]).call(ThingRetrieve(thing_id="t1")).id == "t1"
    assert len(mock.calls) == 0


def test_a_transport_error_raised_in_middleware_is_wrapped(make_client: MakeClient,
                                                           mock: responses.RequestsMock) -> None:
    def broken(request: requests.PreparedRequest, call_next: CallNext) -> requests.Response:
        raise requests.exceptions.ConnectionError("middleware could not connect")

    with pytest.raises(APIConnectionError, match="middleware could not connect"):
        make_client(middleware=[broken], max_retries=0).call(ThingRetrieve(thing_id="t1"))


@pytest.mark.parametrize("host", ["\u2603.invalid", "a.\u2603\u2603.invalid"])
def test_a_request_that_cannot_be_built_is_a_value_error_not_retried(
        host: str, mock: responses.RequestsMock, make_client: MakeClient,
        sleeps: list[float]) -> None:
    client = make_client(f"http://{host}")
    with pytest.raises(ValueError, match="invalid request GET") as info:
        client.call(ThingRetrieve(thing_id="t1"))
    assert not isinstance(info.value, APIConnectionError)
    assert sleeps == []
    assert len(mock.calls) == 0
