"""Embeddings against the real 0.7.3 server.

The fake backend's vectors are a pure function of the text (``fake_openai.embed``), float32
exact, so the values that come back through llama-stack are compared exactly.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Literal

import pytest

from llamastack import LlamaStackClient
from llamastack.endpoints import EmbeddingCreate
from llamastack.models import OpenAIEmbeddingsResponse
from tests.integration.conftest import EMBEDDING_MODEL
from tests.integration.servers import fake_openai, manage
from tests.integration.support import fake_journal


def test_float_embeddings_are_the_backends_vectors(client: LlamaStackClient) -> None:
    result = client.call(EmbeddingCreate(model=EMBEDDING_MODEL, input=["hello world", "capital city"]))

    assert isinstance(result, OpenAIEmbeddingsResponse)
    assert result.object == "list" and result.model == EMBEDDING_MODEL
    assert [(d.object, d.index) for d in result.data] == [("embedding", 0), ("embedding", 1)]
    assert [d.embedding for d in result.data] == [fake_openai.embed("hello world"),
                                                  fake_openai.embed("capital city")]
    first = result.data[0].embedding
    assert isinstance(first, list) and len(first) == 16
    assert math.isclose(math.fsum(v * v for v in first), 1.0, rel_tol=1e-6)
    assert (result.usage.prompt_tokens, result.usage.total_tokens) == (4, 4)


@pytest.mark.parametrize("encoding", [None, "float", "base64"])
def test_the_server_passes_the_encoding_format_to_the_backend(
        client: LlamaStackClient, servers: manage.State, encoding: Literal["float", "base64"] | None) -> None:
    text = f"journal check for {encoding} encoding"
    client.call(EmbeddingCreate(model=EMBEDDING_MODEL, input=text, encoding_format=encoding))

    [sent] = [entry["body"] for entry in fake_journal(servers)
              if entry["path"] == "/v1/embeddings" and entry["body"].get("input") in (text, [text])]
    # 0.7.3 fills in its default "float" when the client sends none.
    assert sent["encoding_format"] == (encoding or "float")
    assert sent["model"] == "fake-embed"


def test_base64_embeddings_decode_to_the_same_vector(client: LlamaStackClient) -> None:
    result = client.call(EmbeddingCreate(model=EMBEDDING_MODEL, input="hello world",
                                         encoding_format="base64"))

    encoded = result.data[0].embedding
    assert isinstance(encoded, str)
    raw = base64.b64decode(encoded)
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == fake_openai.embed("hello world")


def test_dimensions_are_passed_to_the_backend(client: LlamaStackClient) -> None:
    result = client.call(EmbeddingCreate(model=EMBEDDING_MODEL, input="hello world", dimensions=8))

    assert result.data[0].embedding == fake_openai.embed("hello world", dim=8)
