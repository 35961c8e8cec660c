"""executor.prepare: the same prepared request as Session.prepare_request, without its cost."""

from __future__ import annotations

import pytest
import requests

from llamastack.encoding import HttpRequest
from llamastack.executor import new_session, prepare
from llamastack.multipart import MultipartBody, file_part


def _by_requests(session: requests.Session, request: HttpRequest) -> requests.PreparedRequest:
    return session.prepare_request(requests.Request(
        request.method, request.url, headers=request.headers, data=request.body))


def _same(a: requests.PreparedRequest, b: requests.PreparedRequest) -> None:
    assert (a.method, a.url, a.body) == (b.method, b.url, b.body)
    assert list(a.headers.items()) == list(b.headers.items())
    assert a.hooks == b.hooks
    cookies_a, cookies_b = a._cookies, b._cookies  # type: ignore[attr-defined]
    assert type(cookies_a) is type(cookies_b) and cookies_a.get_dict() == cookies_b.get_dict()
    assert a._body_position == b._body_position  # type: ignore[attr-defined]


REQUESTS = [
    HttpRequest("POST", "http://127.0.0.1:8321/v1/conversations",
                {"Accept": "application/json", "Content-Type": "application/json",
                 "Idempotency-Key": "k"}, b"{}"),
    HttpRequest("GET", "http://127.0.0.1:8321/v1/models?limit=2&q=a%20b", {"accept": "text/plain"}),
    HttpRequest("DELETE", "http://127.0.0.1:8321/v1/files/f%2F1", {"User-Agent": "mine"}),
    HttpRequest("POST", "http://[::1]:8321/v1/x", {"Connection": "close"}, b""),
    HttpRequest("GET", "http://127.0.0.1:8321/v1/version", {}),
    HttpRequest("HEAD", "http://127.0.0.1:8321/v1/health", {}, b""),
    HttpRequest("PUT", "http://Bücher.example:8321/v1/prompts/p%C3%A9?x=%E2%82%AC&y=é",
                {"Content-Type": "application/json"}, '{"prompt": "é"}'.encode()),
    HttpRequest("POST", "http://user:secret@127.0.0.1:8321/v1/conversations",
                {"Content-Type": "application/json"}, b"{}"),
    HttpRequest("POST", "https://example.com/base/v1/chat/completions",
                {"Content-Length": "2", "Accept": "text/event-stream"}, b"{}"),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r.method} {r.url}")
def test_a_request_is_prepared_exactly_as_the_session_would(request_: HttpRequest) -> None:
    session = new_session()
    session.headers["X-Session-Default"] = "1"
    _same(prepare(session, request_), _by_requests(session, request_))
    # the second time its URL's preparation is remembered: the same again
    _same(prepare(session, request_), _by_requests(session, request_))


def test_a_session_hook_is_kept() -> None:
    session = new_session()
    seen: list[object] = []
    session.hooks["response"].append(lambda response, **kwargs: seen.append(response))
    prepared = prepare(session, REQUESTS[0])
    _same(prepared, _by_requests(session, REQUESTS[0]))
    assert len(prepared.hooks["response"]) == 1


def test_credentials_in_the_url_become_the_authorization_header() -> None:
    session = new_session()
    prepared = prepare(session, REQUESTS[-2])
    assert prepared.headers["Authorization"].startswith("Basic ")


def test_a_multipart_body_keeps_its_length() -> None:
    session = new_session()
    body = MultipartBody({"purpose": "assistants"}, [file_part("file", ("a.txt", b"hello"))])
    request = HttpRequest("POST", "http://127.0.0.1:8321/v1/files",
                          {"Content-Type": body.content_type}, body)
    prepared = prepare(session, request)
    sent: object = prepared.body
    assert sent is body
    assert prepared.headers["Content-Length"] == str(len(body))


def test_a_session_header_set_to_none_is_left_out() -> None:
    session = new_session()
    session.headers["Accept-Encoding"] = None  # type: ignore[assignment]
    request = REQUESTS[0]
    prepared = prepare(session, request)
    assert "Accept-Encoding" not in prepared.headers
    _same(prepared, _by_requests(session, request))


@pytest.mark.parametrize("setup", ["cookie", "auth", "params", "trust_env"])
def test_what_only_the_session_can_merge_goes_through_it(setup: str) -> None:
    session = new_session()
    if setup == "cookie":  # e.g. a Set-Cookie from the server on an earlier answer
        session.cookies.set("sid", "abc", domain="127.0.0.1")
    elif setup == "auth":
        session.auth = ("user", "pass")
    elif setup == "params":
        session.params = {"tenant": "t1"}
    else:
        session.trust_env = True
    request = REQUESTS[0]
    prepared = prepare(session, request)
    _same(prepared, _by_requests(session, request))
    if setup == "cookie":
        assert prepared.headers["Cookie"] == "sid=abc"
    elif setup == "auth":
        assert prepared.headers["Authorization"].startswith("Basic ")
    elif setup == "params":
        assert prepared.url is not None and prepared.url.endswith("?tenant=t1")


def test_a_session_header_requests_would_refuse_is_refused() -> None:
    session = new_session()
    session.headers["X-Bad"] = " leading space"
    with pytest.raises(requests.exceptions.InvalidHeader):
        prepare(session, REQUESTS[0])
    with pytest.raises(requests.exceptions.InvalidHeader):
        _by_requests(session, REQUESTS[0])


def test_session_headers_as_a_plain_dict_are_merged_too() -> None:
    session = new_session()
    session.headers = {"User-Agent": "mine", "accept": None}  # type: ignore[dict-item]
    _same(prepare(session, REQUESTS[0]), _by_requests(session, REQUESTS[0]))


def test_the_clients_session_sends_no_connection_header() -> None:
    """HTTP/1.1 connections persist by default; requests' "Connection: keep-alive" is left out
    of the session a client makes (every header line costs time in each call)."""
    session = new_session()
    assert "Connection" not in prepare(session, REQUESTS[0]).headers
    assert session.headers["Accept-Encoding"] == "gzip, deflate"
