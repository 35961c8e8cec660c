"""The interface between the ``Agent`` shell and one API family of the server.

A backend knows the requests of its API; it runs no tool and keeps no turn logic. Two exist:
``ResponsesBackend`` (Responses + Conversations, Llama Stack 0.3 and later) and
``AgentsApiBackend`` (the Agents API of 0.2, also served by 0.3 under ``/v1alpha``).

``start_turn`` does no I/O. Each round is a generator of ``ModelEvent``s that sends its request
when first iterated and closes its HTTP stream when closed, so a shell that stops early leaks
no connection. Errors are the library's typed errors.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from typing import Any, Protocol, Union

from llamastack.agents.model_events import Answers, ModelEvent

__all__ = ["Backend", "BackendTurn", "Messages", "RoundEvents"]

Messages = Union[str, Sequence[Mapping[str, Any]]]
RoundEvents = Generator[ModelEvent, None, None]


class BackendTurn(Protocol):
    def first_round(self) -> RoundEvents:
        """The model's first response to the turn's messages."""
        ...

    def next_round(self, answers: Answers) -> RoundEvents:
        """Send the answers to the last round's requests; the model's next response."""
        ...

    def abandon(self, answers: Answers) -> None:
        """Record answers on the server without asking the model for more, so a turn that
        stops early leaves no call unanswered where the API allows it. Best effort."""
        ...


class Backend(Protocol):
    def create_session(self, name: str, extra_headers: Mapping[str, str] | None = None) -> str:
        ...

    def start_turn(self, session_id: str, messages: Messages,
                   extra_headers: Mapping[str, str] | None = None) -> BackendTurn:
        ...
