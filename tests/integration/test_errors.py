"""Every error shape the real servers send reaches the right exception with the server's message.

Shapes (specs/README.md, REAL_SERVER.md): ``{"error": {"message"}}`` (0.7 validation, most
not-found, backend failures), ``{"detail"}`` (router 404/405, the responses and conversations
routers, 0.2 agents), 0.2's nested validation ``{"error": {"detail": {"errors": [...]}}}``, and
errors inside an HTTP 200 stream. A spec sent to a server line without its route names the
lines that serve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from llamastack import (
    APIStatusError,
    BadRequestError,
    InternalServerError,
    LlamaStackClient,
    NotFoundError,
    NotServedError,
    Spec,
)
from llamastack.endpoints import (
    AgentCreate,
    ChatCompletionCreate,
    ConversationCreate,
    ConversationRetrieve,
    DatasetRetrieve,
    ResponseRetrieve,
    SessionCreate,
    ShieldList,
    ShieldRun,
    TurnCreate,
)
from llamastack.models import Shield, UserMessage
from tests.integration.conftest import MODEL


@dataclass(frozen=True, kw_only=True)
class ShieldReplace(Spec[Shield]):
    """A user's own spec for a method the server does not route (PUT)."""

    method: ClassVar[str] = "PUT"
    path: ClassVar[str] = "/v1/shields/{identifier}"
    identifier: str


# --- {"error": {"message": ...}} on 0.7 ------------------------------------------------------


def test_validation_400_carries_the_stringified_dict(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(ShieldRun(shield_id="llama-guard", messages=[{"role": "robot", "content": "x"}]))
    # 0.7.3 sends pydantic's errors as a Python repr string, not as JSON.
    message = ("{'errors': [{'loc': ['body', 'messages', 0], 'msg': \"Input tag 'robot' found using "
               "'role' does not match any of the expected tags: 'user', 'system', 'assistant', "
               "'tool', 'developer'\", 'type': 'union_tag_invalid'}]}")
    assert info.value.body == {"error": {"message": message}}
    assert info.value.message == message
    assert info.value.status == 400


def test_not_found_404_with_an_error_message(client: LlamaStackClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.call(DatasetRetrieve(dataset_id="no-such-dataset"))
    assert info.value.message == ("Dataset 'no-such-dataset' not found. Use "
                                  "'client.datasets.list()' to list available Datasets.")
    assert str(info.value).startswith(
        f"DatasetRetrieve GET {client.base_url}/v1beta/datasets/no-such-dataset -> 404: Dataset ")
    assert info.value.spec == DatasetRetrieve(dataset_id="no-such-dataset")
    assert info.value.response is not None and info.value.response.status_code == 404


def test_a_backend_failure_is_a_500_with_the_backend_message(client: LlamaStackClient) -> None:
    with pytest.raises(InternalServerError) as info:
        client.call(ChatCompletionCreate(model=MODEL,
                                         messages=[{"role": "user", "content": "error-trigger"}]),
                    max_retries=0)
    assert info.value.status == 500
    assert info.value.body == {"error": {"message": "Error code: 500 - fake backend error"}}


def test_a_version_mismatch_is_a_426_on_any_route(client: LlamaStackClient) -> None:
    with pytest.raises(APIStatusError) as info:
        client.call(ShieldList(), extra_headers={"X-LlamaStack-Client-Version": "0.1.0"})
    assert type(info.value) is APIStatusError and info.value.status == 426
    assert info.value.message == ("Client version 0.1.0 is not compatible with server version "
                                  "0.7.3. Please update your client.")


# --- {"detail": ...} ---------------------------------------------------------------------------


def test_unknown_route_404(client: LlamaStackClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get("/v1/no-such-route")
    assert info.value.body == {"detail": "Not Found"}
    assert info.value.message == "Not Found"


def test_wrong_method_405(client: LlamaStackClient) -> None:
    with pytest.raises(APIStatusError) as info:
        client.call(ShieldReplace(identifier="llama-guard"))
    assert type(info.value) is APIStatusError  # 405 has no subclass of its own
    assert (info.value.status, info.value.message) == (405, "Method Not Allowed")
    assert info.value.headers["allow"] == "GET"  # Starlette names the first route that matched


def test_responses_router_404(client: LlamaStackClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.call(ResponseRetrieve(response_id="resp_none"))
    assert info.value.body == {"detail": "Response 'resp_none' not found. Use "
                                         "'client.responses.list()' to list available Responses."}


def test_conversations_router_400_and_404(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as bad:
        client.call(ConversationRetrieve(conversation_id="nope"))
    assert bad.value.message == ("Invalid value for 'conversation_id': nope. Conversation ID must "
                                 "match format 'conv_' followed by 48 lowercase hex characters.")
    missing_id = "conv_" + "0" * 48
    with pytest.raises(NotFoundError) as missing:
        client.call(ConversationRetrieve(conversation_id=missing_id))
    assert missing.value.body == {"detail": f"Conversation '{missing_id}' not found."}


def test_02_unknown_agent_is_a_400_with_detail(client_02: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client_02.call(SessionCreate(agent_id="no-such-agent", session_name="x"))
    assert info.value.body == {"detail": "Invalid value: Could not find agent info for no-such-agent"}


# --- 0.2 nested validation ---------------------------------------------------------------------


def test_02_validation_400_is_nested_json(client_02: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client_02.call(AgentCreate(agent_config={"model": MODEL}))
    assert info.value.body == {"error": {"detail": {"errors": [
        {"loc": ["body", "agent_config", "instructions"], "msg": "Field required",
         "type": "missing"}]}}}
    assert info.value.message == "body.agent_config.instructions: Field required"


# --- errors inside an HTTP 200 stream ----------------------------------------------------------


def test_07_mid_stream_error_raises_from_the_stream(client: LlamaStackClient) -> None:
    received: list[Any] = []
    stream = client.stream(ChatCompletionCreate(
        model=MODEL, messages=[{"role": "user", "content": "midstream-trigger now"}]))
    with pytest.raises(InternalServerError) as info:
        for chunk in stream:
            received.append(chunk)
    # The fake sends two chunks before failing: the role chunk and "Echo:".
    assert [c.choices[0].delta.content for c in received] == ["", "Echo:"]
    assert info.value.body == {"error": {"message": "Internal server error: An unexpected error "
                                                    "occurred.", "code": "500"}}
    assert info.value.status == 500  # from the event's code; the HTTP status was 200
    assert info.value.response is not None and info.value.response.status_code == 200
    assert info.value.message == ("error inside the stream: Internal server error: An unexpected "
                                  "error occurred.")


def test_02_mid_turn_error_raises_after_the_text_so_far(client_02: LlamaStackClient) -> None:
    agent_id = client_02.call(AgentCreate(agent_config={"model": MODEL,
                                                        "instructions": "test"})).agent_id
    session_id = client_02.call(SessionCreate(agent_id=agent_id, session_name="errors")).session_id
    event_types: list[str] = []
    with pytest.raises(InternalServerError) as info:
        for chunk in client_02.stream(TurnCreate(
                agent_id=agent_id, session_id=session_id,
                messages=[UserMessage(content="midstream-trigger")])):
            event_types.append(chunk.event.payload.event_type)
    assert event_types == ["step_start", "step_progress"]
    assert info.value.body == {"error": {"message": "500: Internal server error: An unexpected "
                                                    "error occurred."}}
    assert info.value.status == 500


# --- a spec on a server line that lacks it -----------------------------------------------------


def test_an_agents_spec_on_0_7_names_the_lines_that_serve_it(client: LlamaStackClient) -> None:
    with pytest.raises(NotServedError) as info:
        client.call(SessionCreate(agent_id="a1", session_name="triage"))
    assert (info.value.server_line, info.value.served_by) == ("0.7", ("0.2", "0.3"))
    assert info.value.message == ("not served by Llama Stack 0.7, the server's line (it is by "
                                  "0.2, 0.3); nothing was sent")


def test_a_spec_new_after_0_2_on_0_2_names_the_lines_that_serve_it(client_02: LlamaStackClient) -> None:
    with pytest.raises(NotServedError) as info:
        client_02.call(ConversationCreate())
    assert (info.value.server_line, info.value.served_by) == ("0.2", ("0.3", "0.4", "0.5", "0.6", "0.7"))


def test_a_route_the_server_lacks_after_all_still_names_the_lines(server_02: str) -> None:
    # Pinned to the wrong line on purpose: the route of 0.7 is missing on the 0.2 server; the
    # router's 404 is the safety net that says so.
    with LlamaStackClient(base_url=server_02, server_line="0.7", timeout=30.0) as wrong, \
            pytest.raises(NotFoundError) as info:
        wrong.call(ConversationCreate())
    assert info.value.body == {"detail": "Not Found"}
    assert "ConversationCreate is served by Llama Stack 0.3, 0.4, 0.5, 0.6, 0.7" in info.value.message
    assert "takes this server for 0.7; if that is wrong, pass server_line=" in info.value.message
