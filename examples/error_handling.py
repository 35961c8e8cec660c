"""Handling errors: every failure is an ``llamastack.APIError`` subclass.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/error_handling.py

Status errors carry ``.status``, ``.body`` (parsed), ``.headers`` and ``.response``;
``str(err)`` names the spec, method, URL, status and the server's message.
"""

import socket

import llamastack
from llamastack import LlamaStackClient
from llamastack.endpoints import (
    AgentRetrieve,
    ChatCompletionCreate,
    FileRetrieve,
    ModelList,
    ModelRetrieve,
)


def unused_local_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    with LlamaStackClient(max_retries=0) as client:
        # 404: the server's message, and the parsed body it came in.
        try:
            client.call(ModelRetrieve(model_id="no-such-model"))
        except llamastack.NotFoundError as err:
            print(f"NotFoundError {err.status}: {err.message}")
            print(f"  body: {err.body}")

        # 400: the server validates ids ({"error": {"message": ...}} body shape).
        try:
            client.call(FileRetrieve(file_id="not-a-file-id"))
        except llamastack.BadRequestError as err:
            print(f"BadRequestError {err.status}: {err.message}")

        # A spec the server's line does not serve: refused before sending, naming the lines
        # that do (the Agents API is 0.2/0.3 only; the client asked the server its line).
        try:
            client.call(AgentRetrieve(agent_id="a1"))
        except llamastack.NotServedError as err:
            print(f"wrong server line: {err.message} (this server: {err.server_line}, "
                  f"served by: {', '.join(err.served_by)})")

        # Validation errors (422 or 400, depending on the server) are APIStatusErrors too.
        try:
            client.call(ChatCompletionCreate(model="no-such-model", messages=[]))
        except llamastack.APIStatusError as err:
            print(f"{type(err).__name__} {err.status}: {err.message[:80]}")

        # Values a request cannot carry fail before anything is sent.
        try:
            client.call(ModelRetrieve(model_id=""))
        except ValueError as err:
            print(f"ValueError before sending: {err}")

    # No server at all: a connection error (retried, like timeouts, unless max_retries=0).
    with LlamaStackClient(base_url=f"http://127.0.0.1:{unused_local_port()}",
                          max_retries=0) as offline:
        try:
            offline.call(ModelList())
        except llamastack.APIConnectionError as err:
            print(f"APIConnectionError: {type(err.__cause__).__name__} underneath")

    # One except clause for everything the client raises on purpose:
    try:
        with LlamaStackClient(max_retries=0) as client:
            client.call(ModelRetrieve(model_id="still-missing"))
    except llamastack.APIError as err:
        print(f"caught as APIError: {type(err).__name__} ({err.status_code})")
    print("all errors handled")


if __name__ == "__main__":
    main()
