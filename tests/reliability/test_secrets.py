"""Secrets stay secret, TLS is verified, and the environment is not consulted.

The API key, the provider data (every string in it, at any depth) and the credentials of a
``http://user:password@host`` base URL never appear in any log record of the ``llamastack``
logger at any level, in ``repr(client)``, or in ``str()``/``repr()`` of any exception the
client raises (nor anywhere in its printed traceback), even when the server echoes the
Authorization header back, in an error body, a 200 body, a redirect, or a stream.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import ssl
import subprocess
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

from llamastack import (
    APIConnectionError,
    APIError,
    APIStatusError,
    LlamaStackClient,
    RetryPolicy,
)
from tests.reliability.conftest import SleepRecorder
from tests.reliability.faultserver import (
    Action,
    Conn,
    FaultServer,
    RecordedRequest,
    json_response,
    raw,
    respond,
    sse_response,
)
from tests.reliability.specs import ItemListRetrieve, ThingCreate, ThingRetrieve, ThingStream

API_KEY = "sk-live-4f9a8c7e6d5b4a3f2e1d0c9b"
PROVIDER_SECRET = "fw-prov-7e6d5c4b3a2f1e0d"
NESTED_SECRET = "vllm-tok-5a4b3c2d1e0f9a8b"  # inside an object: {"vllm": {"api_token": ...}}
LISTED_SECRET = "fallback-key-0f1e2d3c4b5a"  # inside a list of objects
PROVIDER_DATA = {"fireworks_api_key": PROVIDER_SECRET, "region": "us",
                 "vllm": {"api_token": NESTED_SECRET, "url": "http://127.0.0.1:1"},
                 "fallbacks": [{"key": LISTED_SECRET}]}
URL_USER, URL_PASSWORD = "svc-reader", "pw-9d8c7b6a5f4e3d2c1b"
# What requests sends for credentials in the URL: Authorization: Basic base64(user:password)
BASIC = base64.b64encode(f"{URL_USER}:{URL_PASSWORD}".encode()).decode()
SECRETS = (API_KEY, PROVIDER_SECRET, NESTED_SECRET, LISTED_SECRET, URL_PASSWORD, BASIC)
THING = {"id": "t1", "name": "first"}


def leaks(text: str) -> list[str]:
    """The secrets in ``text``, whole or as any 12-character piece of one (a key cut by a
    truncated message is still a leak)."""
    found = []
    for secret in SECRETS:
        pieces = {secret[i:i + 12] for i in range(len(secret) - 11)}
        if any(piece in text for piece in pieces):
            found.append(secret)
    return found


def exception_text(exc: BaseException) -> str:
    """What a user could see of an exception: str, repr, and the printed traceback with
    every exception it was raised from."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


# --- a server that echoes the credentials it receives ---------------------------------------


def echoing(status: int, shape: Callable[[str, str], str],
            headers: Mapping[str, str] | None = None) -> Action:
    """Answer ``status`` with a body built from the Authorization and provider-data headers
    the request carried, as a careless proxy or debug endpoint would."""

    def action(conn: Conn, request: RecordedRequest) -> bool | None:
        auth = request.headers.get("authorization", "")
        provider = request.headers.get("x-llamastack-provider-data", "")
        built = {name: value.format(auth=auth) for name, value in (headers or {}).items()}
        return respond(status, shape(auth, provider), built)(conn, request)

    return action


def echo_stream(shape: Callable[[str, str], bytes], *, end: str = "finish",
                first: bool = True) -> Action:
    """A stream whose second event (or, without ``first``, its first) echoes the request's
    Authorization and provider-data headers."""

    def action(conn: Conn, request: RecordedRequest) -> None:
        auth = request.headers.get("authorization", "")
        provider = request.headers.get("x-llamastack-provider-data", "")
        before = [b'data: {"index": 0, "delta": "x"}\n\n'] if first else []
        sse_response([*before, shape(auth, provider)], end=end)(conn, request)

    return action


def error_json(auth: str, provider: str) -> str:
    return json.dumps({"error": {"message": f"invalid credentials {auth} with {provider}"}})


@pytest.fixture
def captured_logs() -> Iterator[list[str]]:
    """Everything the llamastack logger emits at DEBUG and above, fully formatted."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))
            records.append(repr(record.args))

    logger = logging.getLogger("llamastack")
    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def secret_client(server: FaultServer, policy: RetryPolicy, **options: Any) -> LlamaStackClient:
    options.setdefault("timeout", 5.0)
    return LlamaStackClient(base_url=server.url, api_key=API_KEY, provider_data=PROVIDER_DATA,
                            retry_policy=policy, **options)


def url_credentials_client(server: FaultServer, policy: RetryPolicy, **options: Any
                           ) -> LlamaStackClient:
    """Credentials in the base URL instead of an API key (requests sends them as Basic)."""
    options.setdefault("timeout", 5.0)
    base_url = server.url.replace("http://", f"http://{URL_USER}:{URL_PASSWORD}@")
    return LlamaStackClient(base_url=base_url, provider_data=PROVIDER_DATA, retry_policy=policy,
                            **options)


CLIENTS: dict[str, tuple[Callable[..., LlamaStackClient], str]] = {
    "api-key": (secret_client, f"Bearer {API_KEY}"),
    "url-credentials": (url_credentials_client, f"Basic {BASIC}"),
}


# Each case: what the server does, and the call that meets it.
Call = Callable[[LlamaStackClient], Any]


def call_thing(client: LlamaStackClient) -> Any:
    return client.call(ThingRetrieve(thing_id="t1"))


def stream_all(client: LlamaStackClient) -> Any:
    with client.stream(ThingStream(name="n")) as stream:
        return list(stream)


CASES: dict[str, tuple[list[Action], Call]] = {
    "success": ([json_response(THING)], call_thing),
    "post-success": ([json_response(THING)], lambda c: c.call(ThingCreate(name="n"))),
    "401-echo": ([echoing(401, error_json)], call_thing),
    "400-detail-echo": ([echoing(400, lambda a, p: json.dumps({"detail": f"{p} {a}"}))],
                        call_thing),
    "500-echo-retried": ([echoing(500, error_json)] * 3, call_thing),
    "503-then-success": ([echoing(503, error_json), json_response(THING)], call_thing),
    "429-then-success": ([echoing(429, error_json, {"Retry-After": "1"}), json_response(THING)],
                        call_thing),
    "html-echo": ([echoing(502, lambda a, p: f"<html><pre>{a}\n{p}</pre></html>")] * 3,
                  call_thing),
    "long-body-cut-at-a-secret": ([echoing(400, lambda a, p: json.dumps(
        {"detail": "x" * 470 + a + p}))], call_thing),
    "200-not-json-echo": ([echoing(200, lambda a, p: f"token={a}&provider={p}")], call_thing),
    "200-not-json-cut-at-a-secret": ([echoing(200, lambda a, p: "y" * 180 + a)], call_thing),
    "200-wrong-shape-echo": ([echoing(200, lambda a, p: json.dumps({"data": a}))],
                             lambda c: c.call(ItemListRetrieve())),
    "redirect-echo": ([echoing(302, lambda a, p: "", {"Location": "http://127.0.0.2:9/?t={auth}"})],
                      call_thing),
    "nested-provider-value-echo": ([echoing(401, lambda a, p: json.dumps({"detail": (
        f"vllm refused token {json.loads(p)['vllm']['api_token']}, fallback "
        f"{json.loads(p)['fallbacks'][0]['key']}")}))], call_thing),
    "provider-data-reserialised-echo": ([echoing(400, lambda a, p: json.dumps(
        {"detail": {"provider_data": json.loads(p)}}, sort_keys=True))], call_thing),
    "undocumented-echo": ([echoing(403, error_json)], lambda c: c.get("/v1/anything")),
    "undocumented-200-echo": ([echoing(200, lambda a, p: a)], lambda c: c.get("/v1/anything")),
    "reset": ([raw(b"", then="reset")] * 3, call_thing),
    "stall": ([raw(b"", then="stall")], lambda c: c.call(ThingRetrieve(thing_id="t1"),
                                                          timeout=0.2, max_retries=0)),
    "stream-success": ([sse_response([b'data: {"index": 0, "delta": "x"}\n\n'])], stream_all),
    "stream-error-echo": ([echo_stream(lambda a, p: f"data: {error_json(a, p)}\n\n".encode())],
                          stream_all),
    "stream-error-frame-echo": ([echo_stream(lambda a, p: f"event: error\ndata: {a}\n\n".encode())],
                                stream_all),
    "stream-type-error-echo": ([echo_stream(lambda a, p: ("data: " + json.dumps(
        {"type": "error", "message": a, "code": p}) + "\n\n").encode())], stream_all),
    "stream-not-json-echo": ([echo_stream(lambda a, p: f"data: {a}\n\n".encode())], stream_all),
    "stream-cut-in-echo": ([echo_stream(lambda a, p: f'data: {{"delta": "{a}'.encode(),
                                        end="close")], stream_all),
    "stream-error-first": ([echo_stream(lambda a, p: f"data: {error_json(a, p)}\n\n".encode(),
                                        first=False)], stream_all),
}


@pytest.mark.parametrize("kind", list(CLIENTS))
@pytest.mark.parametrize("case", list(CASES))
def test_no_secret_in_logs_or_exceptions(server: FaultServer, policy: RetryPolicy,
                                         captured_logs: list[str], case: str, kind: str) -> None:
    actions, call = CASES[case]
    make, authorization = CLIENTS[kind]
    server.script(*actions)
    with make(server, policy) as client:
        try:
            call(client)
        except APIError as exc:
            assert leaks(exception_text(exc)) == [], exception_text(exc)
        assert leaks(repr(client)) == []
    assert server.requests, "the call reached the server"
    assert server.requests[0].headers["authorization"] == authorization  # it was sent
    assert NESTED_SECRET in server.requests[0].headers["x-llamastack-provider-data"]
    assert captured_logs, "the client logs every request at DEBUG"
    assert leaks("\n".join(captured_logs)) == [], captured_logs


def test_the_echo_cases_do_raise(server: FaultServer, policy: RetryPolicy) -> None:
    """The cases above would prove nothing if their calls did not fail as intended."""
    expected_to_fail = [name for name in CASES if "success" not in name
                        and name != "undocumented-200-echo"]
    for name in expected_to_fail:
        actions, call = CASES[name]
        server.script(*actions)
        with secret_client(server, policy) as client, pytest.raises(APIError):
            call(client)


def test_repr_of_client_shows_no_secret() -> None:
    client = LlamaStackClient(base_url="http://127.0.0.1:9", api_key=API_KEY,
                              provider_data=PROVIDER_DATA)
    assert leaks(repr(client)) == [] and leaks(str(client)) == []


def test_repr_of_client_shows_no_credentials_of_the_url() -> None:
    client = LlamaStackClient(base_url=f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:9")
    assert leaks(repr(client)) == [] and leaks(str(client)) == []
    assert "127.0.0.1:9" in repr(client)


def test_a_refused_connection_shows_no_credentials_of_the_url(
        policy: RetryPolicy, captured_logs: list[str]) -> None:
    with LlamaStackClient(base_url=f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:9",
                          retry_policy=policy) as client, \
            pytest.raises(APIConnectionError) as caught:
        call_thing(client)
    assert leaks(exception_text(caught.value)) == [], exception_text(caught.value)
    assert caught.value.url is not None and URL_PASSWORD not in caught.value.url
    assert "127.0.0.1:9/v1/things/t1" in caught.value.url
    assert leaks("\n".join(captured_logs)) == [], captured_logs


def test_secrets_from_the_environment_are_treated_alike(
        server: FaultServer, policy: RetryPolicy, captured_logs: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_STACK_API_KEY", API_KEY)
    server.script(echoing(401, error_json))
    with LlamaStackClient(base_url=server.url, retry_policy=policy) as client, \
            pytest.raises(APIStatusError) as caught:
        call_thing(client)
    assert server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert leaks(exception_text(caught.value)) == []
    assert leaks("\n".join(captured_logs)) == []


# --- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no CA signed (made with the openssl CLI)."""
    openssl = shutil.which("openssl")
    assert openssl is not None, "this test needs the openssl command to make a certificate"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[FaultServer]:
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with FaultServer(tls=context) as fault_server:
        yield fault_server


def test_tls_certificates_are_verified_by_default(
        tls_server: FaultServer, policy: RetryPolicy, self_signed: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cert, _ = self_signed
    # Trusting the certificate through the environment would work for requests itself;
    # the client reads no environment, so it must still refuse.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(cert))
    base_url = tls_server.url.replace("http://", "https://")
    tls_server.script(json_response(THING))
    with LlamaStackClient(base_url=base_url, api_key=API_KEY, retry_policy=policy,
                          max_retries=0) as client:
        assert client._transport.session.verify is True
        with pytest.raises(APIConnectionError) as caught:
            call_thing(client)
    assert "CERTIFICATE_VERIFY_FAILED" in exception_text(caught.value)
    assert tls_server.requests == []  # the request (and its Authorization) was never sent
    # The server is fine: a caller's session that trusts the certificate gets through.
    with requests.Session() as session:
        session.verify = str(cert)
        with LlamaStackClient(base_url=base_url, session=session, max_retries=0) as client:
            assert call_thing(client).id == "t1"


# --- the environment -----------------------------------------------------------------------

CLIENT_OWN_ENV = {"LLAMA_STACK_BASE_URL", "LLAMA_STACK_CLIENT_BASE_URL", "LLAMA_STACK_API_KEY",
                  "LLAMA_STACK_CLIENT_API_KEY", "LLAMA_STACK_LOG", "DEBUG",
                  "LLAMA_STACK_SERVER_LINE"}


def test_proxy_and_netrc_environment_is_ignored(
        server: FaultServer, other_host: FaultServer, policy: RetryPolicy,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    proxy = other_host.url
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))
    other_host.script(*[json_response({"id": "from-proxy", "name": "proxy"})] * 3)
    server.script(json_response(THING), json_response(THING))
    with LlamaStackClient(base_url=server.url, retry_policy=policy) as client:
        assert call_thing(client).id == "t1"
        assert client.post("/v1/things", body={"name": "n"}) == THING
    assert other_host.connections == 0
    assert [request.target for request in server.requests] == ["/v1/things/t1", "/v1/things"]
    assert all("authorization" not in request.headers for request in server.requests)


class RecordingEnviron(dict[str, str]):
    """os.environ stand-in that records every variable name looked up."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()
        self.listed = False

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self.listed = True
        return super().__iter__()

    def items(self) -> Any:
        self.listed = True
        return super().items()

    def keys(self) -> Any:
        self.listed = True
        return super().keys()

    def copy(self) -> dict[str, str]:
        self.listed = True
        return dict(self)


def test_no_environment_variable_but_the_clients_own_is_read(
        server: FaultServer, policy: RetryPolicy, sleeps: SleepRecorder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    environ = RecordingEnviron({**os.environ, "HTTP_PROXY": "http://127.0.0.1:9",
                                "REQUESTS_CA_BUNDLE": "/nonexistent.pem"})
    monkeypatch.setattr(os, "environ", environ)
    server.script(respond(503), json_response(THING),
                  sse_response([b'data: {"index": 0, "delta": "x"}\n\n']),
                  respond(404, '{"detail": "Not Found"}'))
    with LlamaStackClient(base_url=server.url, retry_policy=policy) as client:
        call_thing(client)
        stream_all(client)
        with pytest.raises(APIStatusError):
            client.get("/v1/missing")
    assert environ.read <= CLIENT_OWN_ENV, environ.read - CLIENT_OWN_ENV
    assert not environ.listed  # nothing scanned the whole environment (proxy discovery does)
    assert sleeps.waits == [0.5]
