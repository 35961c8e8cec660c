"""The same user code on every server line, against real servers of 0.2.24 ... 0.7.3.

Each test runs once per line (``line_server``) with a client that is not told the line: it
discovers it. The code is what a user writes for 0.7; the client routes and adapts it. Where a
line cannot do something (no Conversations on 0.2, no Agents API after 0.3, a Responses field
0.5 does not know), the test asserts the ``NotServedError`` that says so before sending.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llamastack import (
    BadRequestError,
    LlamaStackClient,
    NotFoundError,
    NotServedError,
    endpoints,
)
from llamastack.models import UserMessage
from tests.integration.conftest import EMBEDDING_MODEL, MODEL, LineServer

ROOT = Path(__file__).resolve().parents[2]
WEATHER_TOOL = {
    "type": "function", "name": "get_weather", "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
PARIS = b"Paris is the capital of France.\nLlamas live in the Andes mountains.\n"


def output_text(response: Any) -> str:
    return "".join(getattr(part, "text", "") for item in response.output if item.type == "message"
                   for part in item.content)


@pytest.fixture
def client(line_server: LineServer) -> Iterator[LlamaStackClient]:
    """A client of one line's server that has to find out the line itself."""
    with LlamaStackClient(base_url=line_server.base_url, timeout=30.0) as c:
        yield c


def test_the_client_discovers_the_line(line_server: LineServer, client: LlamaStackClient) -> None:
    assert client.server_line == line_server.line


def test_models_are_listed_in_the_same_shape(client: LlamaStackClient) -> None:
    models = {model.id: model for model in client.call(endpoints.ModelList()).data}
    assert models[MODEL].custom_metadata == {"model_type": "llm", "provider_id": "fake-openai",
                                             "provider_resource_id": "fake-llm"}
    assert (models[EMBEDDING_MODEL].custom_metadata or {}).get("model_type") == "embedding"
    assert client.call(endpoints.ModelRetrieve(model_id=MODEL)).identifier == MODEL


def test_chat_completion_whole_and_streamed(client: LlamaStackClient) -> None:
    spec = endpoints.ChatCompletionCreate(model=MODEL, messages=[{"role": "user", "content": "hello"}])
    assert client.call(spec).choices[0].message.content == "Echo: hello"
    with client.stream(spec) as chunks:
        text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "Echo: hello"


def test_completion_and_embeddings(client: LlamaStackClient) -> None:
    completion = client.call(endpoints.CompletionCreate(model=MODEL, prompt="hello"))
    assert completion.choices[0].text == "Echo: hello"
    embeddings = client.call(endpoints.EmbeddingCreate(model=EMBEDDING_MODEL, input=["a", "b"]))
    assert [len(item.embedding) for item in embeddings.data] == [16, 16]


def test_files_upload_list_content_delete(client: LlamaStackClient) -> None:
    uploaded = client.call(endpoints.FileCreate(file=("notes.txt", PARIS), purpose="assistants"))
    assert uploaded.bytes == len(PARIS)
    assert uploaded.id in [file.id for file in client.call(endpoints.FileList(limit=100)).data]
    assert client.call(endpoints.FileContentRetrieve(file_id=uploaded.id)) == PARIS
    assert client.call(endpoints.FileDelete(file_id=uploaded.id)).deleted is True


def test_vector_store_with_a_file_is_searched(client: LlamaStackClient) -> None:
    uploaded = client.call(endpoints.FileCreate(file=("paris.txt", PARIS), purpose="assistants"))
    store = client.call(endpoints.VectorStoreCreate(name="cross-line", file_ids=[uploaded.id]))
    files = client.call(endpoints.VectorStoreFileList(vector_store_id=store.id)).data
    assert [file.id for file in files] == [uploaded.id]
    results = client.call(endpoints.VectorStoreSearch(vector_store_id=store.id,
                                                      query="capital of France"))
    assert results.search_query == ["capital of France"]
    assert any("Paris" in part.text for hit in results.data for part in hit.content)
    contents = client.call(endpoints.VectorStoreFileContentRetrieve(vector_store_id=store.id,
                                                                    file_id=uploaded.id))
    assert "Paris" in "".join(part.text for part in contents.data)


def test_responses_with_a_function_tool_whole_and_streamed(client: LlamaStackClient) -> None:
    ask = endpoints.ResponseCreate(model=MODEL, input="use get_weather for Paris", tools=[WEATHER_TOOL])
    first = client.call(ask)
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_weather"
    assert first.store is True  # 0.2-0.4 do not say; they store unless told not to
    answer = client.call(endpoints.ResponseCreate(
        model=MODEL, previous_response_id=first.id, tools=[WEATHER_TOOL],
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}]))
    assert output_text(answer) == "Tool result: sunny"
    with client.stream(ask) as events:
        kinds = [event.type for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.function_call_arguments.done" in kinds
    stored = client.call(endpoints.ResponseRetrieve(response_id=first.id))
    assert stored.id == first.id and stored.store is True
    assert first.id in [response.id for response in client.call(endpoints.ResponseList(limit=50)).data]


def test_a_responses_field_a_line_does_not_know_is_refused_before_sending(
        line_server: LineServer, client: LlamaStackClient) -> None:
    spec = endpoints.ResponseCreate(model=MODEL, input="hello", top_p=0.9)
    if line_server.line in ("0.6", "0.7"):
        assert client.call(spec).status == "completed"
        return
    with pytest.raises(NotServedError) as raised:
        client.call(spec)  # 0.5 would answer 400, 0.2-0.4 would drop it silently
    assert raised.value.field == "top_p"


def test_conversations_where_served(line_server: LineServer, client: LlamaStackClient) -> None:
    if line_server.line == "0.2":
        with pytest.raises(NotServedError, match=r"not served by Llama Stack 0\.2"):
            client.call(endpoints.ConversationCreate())
        return
    conversation = client.call(endpoints.ConversationCreate(metadata={"topic": "lines"}))
    client.call(endpoints.ResponseCreate(model=MODEL, input="hello", conversation=conversation.id))
    items = client.call(endpoints.ConversationItemList(conversation_id=conversation.id)).data
    assert len(items) == 2  # the user message and the answer
    assert client.call(endpoints.ConversationDelete(conversation_id=conversation.id)).deleted is True


def test_prompts_create_update_list(client: LlamaStackClient) -> None:
    created = client.call(endpoints.PromptCreate(prompt="Hello {{ name }}", variables=["name"]))
    updated = client.call(endpoints.PromptUpdate(prompt_id=created.prompt_id, prompt="Hi {{ name }}",
                                                 version=created.version, variables=["name"],
                                                 set_as_default=True))
    assert updated.version == created.version + 1  # PUT on 0.5+, POST before: both routed
    versions = client.call(endpoints.PromptVersionList(prompt_id=created.prompt_id)).data
    assert sorted(prompt.version for prompt in versions) == [created.version, updated.version]


def test_the_agents_api_where_served(line_server: LineServer, client: LlamaStackClient) -> None:
    config = {"model": MODEL, "instructions": "Be brief."}
    if line_server.line not in ("0.2", "0.3"):
        with pytest.raises(NotServedError) as raised:
            client.call(endpoints.AgentCreate(agent_config=config))
        assert raised.value.served_by == ("0.2", "0.3")
        return
    agent = client.call(endpoints.AgentCreate(agent_config=config))
    session = client.call(endpoints.SessionCreate(agent_id=agent.agent_id, session_name="lines"))
    turn = endpoints.TurnCreate(agent_id=agent.agent_id, session_id=session.session_id,
                                messages=[UserMessage(content="hello")])
    with client.stream(turn) as chunks:
        kinds = [chunk.event.payload.event_type for chunk in chunks]
    assert kinds[-1] == "turn_complete"
    assert client.call(endpoints.AgentDelete(agent_id=agent.agent_id)) is None


def test_both_error_shapes_reach_the_right_exception(client: LlamaStackClient) -> None:
    with pytest.raises(NotFoundError, match="not found"):
        client.call(endpoints.ChatCompletionCreate(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}]),
            max_retries=0)
    with pytest.raises(BadRequestError) as raised:
        client.call(endpoints.ChatCompletionCreate(model=MODEL, messages=[]), max_retries=0)
    assert raised.value.body is not None


def run_cli(base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_STACK")}
    env.update(LLAMA_STACK_BASE_URL=base_url, NO_PROXY="127.0.0.1", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "llamastack", *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=ROOT)


def test_the_same_cli_commands_work_on_every_line(line_server: LineServer) -> None:
    listed = run_cli(line_server.base_url, "models", "list")
    assert listed.returncode == 0, listed.stderr
    assert MODEL in [model["id"] for model in json.loads(listed.stdout)["data"]]
    chat = run_cli(line_server.base_url, "chat-completions", "create", "--model", MODEL,
                   "--message", "user:hello", "--stream")
    assert (chat.returncode, chat.stdout.strip()) == (0, "Echo: hello"), chat.stderr
    responses = run_cli(line_server.base_url, "responses", "create", "--model", MODEL,
                        "--input", "hello", "--stream")
    assert (responses.returncode, responses.stdout.strip()) == (0, "Echo: hello"), responses.stderr


def test_the_chat_example_runs_unchanged(line_server: LineServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_STACK")}
    env.update(LLAMA_STACK_BASE_URL=line_server.base_url, NO_PROXY="127.0.0.1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "chat_completion.py")],
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Echo:" in done.stdout
