"""Logging on the ``llamastack`` logger: DEBUG records, redaction, nothing configured on import."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import responses

import llamastack.log
from llamastack import LlamaStackClient
from tests.unit.conftest import MakeClient
from tests.unit.specs_for_tests import BASE, ThingCreate, ThingRetrieve

URL = BASE + "/v1/things/t1"
THING = {"id": "t1", "name": "one"}
API_KEY = "sk-never-in-logs-123"
PROVIDER_SECRET = "prov-never-in-logs-456"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """The llamastack logger, with its handlers and level restored after the test."""
    log = logging.getLogger("llamastack")
    handlers, level = list(log.handlers), log.level
    yield log
    for handler in log.handlers[:]:
        if handler not in handlers:
            log.removeHandler(handler)
    log.setLevel(level)


@pytest.fixture
def env_handler_reset(monkeypatch: pytest.MonkeyPatch, logger: logging.Logger) -> None:
    # The env handler is attached once per process; start each test as a fresh process would.
    monkeypatch.setattr(llamastack.log, "_env_handler", None)


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "llamastack"]


def test_each_request_and_response_is_logged_at_debug(
        caplog: pytest.LogCaptureFixture, mock: responses.RequestsMock,
        client: LlamaStackClient) -> None:
    mock.get(URL, json=THING)
    with caplog.at_level(logging.DEBUG, logger="llamastack"):
        client.call(ThingRetrieve(thing_id="t1"))
    request, response = messages(caplog)
    assert request.startswith(f"request: GET {URL} headers=")
    assert response.startswith(f"response: GET {URL} -> 200 in ")
    assert all(record.levelno == logging.DEBUG for record in caplog.records)


def test_nothing_is_logged_above_debug_on_success(caplog: pytest.LogCaptureFixture,
                                                  mock: responses.RequestsMock,
                                                  client: LlamaStackClient) -> None:
    mock.get(URL, json=THING)
    with caplog.at_level(logging.INFO, logger="llamastack"):
        client.call(ThingRetrieve(thing_id="t1"))
    assert messages(caplog) == []


def test_secrets_are_redacted_in_every_record(caplog: pytest.LogCaptureFixture,
                                              mock: responses.RequestsMock,
                                              make_client: MakeClient) -> None:
    client = make_client(api_key=API_KEY, provider_data={"together_api_key": PROVIDER_SECRET},
                         default_headers={"Cookie": "session=abc123secret"})
    mock.post(BASE + "/v1/things", status=401,
              json={"detail": f"key {API_KEY} refused for {PROVIDER_SECRET}"},
              headers={"x-should-retry": "true"})
    mock.post(BASE + "/v1/things", json=THING)
    with caplog.at_level(logging.DEBUG, logger="llamastack"):
        client.call(ThingCreate(name="n"))
    logged = messages(caplog)
    assert any(text.startswith("retrying in") for text in logged)
    assert len(logged) == 5
    for text in logged:
        assert API_KEY not in text
        assert PROVIDER_SECRET not in text
        assert "abc123secret" not in text
    request_line = logged[0]
    assert "'Authorization': '<redacted>'" in request_line
    assert "'X-LlamaStack-Provider-Data': '<redacted>'" in request_line
    assert "'Cookie': '<redacted>'" in request_line


def test_retries_are_logged_with_the_wait(caplog: pytest.LogCaptureFixture,
                                          mock: responses.RequestsMock,
                                          client: LlamaStackClient) -> None:
    mock.get(URL, status=503, json={"error": {"message": "warming up"}})
    mock.get(URL, json=THING)
    with caplog.at_level(logging.DEBUG, logger="llamastack"):
        client.call(ThingRetrieve(thing_id="t1"))
    (retry,) = [text for text in messages(caplog) if text.startswith("retrying")]
    assert retry.startswith("retrying in 0.50 s (attempt 1 failed: ")
    assert "warming up" in retry


def test_importing_configures_nothing_but_a_null_handler() -> None:
    script = (
        "import json, logging, llamastack\n"
        "log = logging.getLogger('llamastack')\n"
        "print(json.dumps({'handlers': [type(h).__name__ for h in log.handlers],\n"
        "                  'level': log.level, 'propagate': log.propagate,\n"
        "                  'root': [type(h).__name__ for h in logging.getLogger().handlers]}))\n"
    )
    env = {key: value for key, value in os.environ.items()
           if key not in ("LLAMA_STACK_LOG", "DEBUG")}
    env["LLAMA_STACK_LOG"] = "debug"  # even asked for, importing alone attaches nothing
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, check=True, timeout=60)
    assert json.loads(result.stdout) == {"handlers": ["NullHandler"], "level": logging.NOTSET,
                                         "propagate": True, "root": []}
    assert result.stderr == ""


def test_a_client_attaches_nothing_without_the_environment(logger: logging.Logger,
                                                           env_handler_reset: None) -> None:
    before = list(logger.handlers)
    LlamaStackClient(BASE).close()
    assert logger.handlers == before


@pytest.mark.parametrize(("name", "value"), [("LLAMA_STACK_LOG", "debug"),
                                             ("LLAMA_STACK_LOG", "DEBUG"),
                                             ("DEBUG", "true"), ("DEBUG", "1")])
def test_the_environment_attaches_one_stderr_handler_at_client_creation(
        name: str, value: str, monkeypatch: pytest.MonkeyPatch, logger: logging.Logger,
        env_handler_reset: None) -> None:
    monkeypatch.setenv(name, value)
    before = list(logger.handlers)
    LlamaStackClient(BASE).close()
    LlamaStackClient(BASE).close()
    added = [handler for handler in logger.handlers if handler not in before]
    assert len(added) == 1
    (handler,) = added
    assert isinstance(handler, logging.StreamHandler)
    assert handler.stream is sys.stderr
    assert logger.level == logging.DEBUG


@pytest.mark.parametrize(("name", "value"), [("LLAMA_STACK_LOG", "info"), ("DEBUG", "false"),
                                             ("DEBUG", "")])
def test_other_values_attach_nothing(name: str, value: str, monkeypatch: pytest.MonkeyPatch,
                                     logger: logging.Logger, env_handler_reset: None) -> None:
    monkeypatch.setenv(name, value)
    before = list(logger.handlers)
    LlamaStackClient(BASE).close()
    assert logger.handlers == before


def test_the_env_handler_writes_redacted_requests_to_stderr(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        logger: logging.Logger, env_handler_reset: None, mock: responses.RequestsMock) -> None:
    monkeypatch.setenv("LLAMA_STACK_LOG", "debug")
    mock.get(URL, json=THING)
    with LlamaStackClient(BASE, api_key=API_KEY) as client:
        client.call(ThingRetrieve(thing_id="t1"))
    err = capsys.readouterr().err
    assert f"llamastack DEBUG request: GET {URL}" in err
    assert f"llamastack DEBUG response: GET {URL} -> 200" in err
    assert API_KEY not in err
