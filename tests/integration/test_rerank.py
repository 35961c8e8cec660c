"""Rerank (v1alpha) on the real 0.7 server.

Offline limitation: only a model of type ``rerank`` can rerank, and 0.7.3's ``remote::openai``
provider (the one inference provider here) has no rerank models and no rerank implementation;
0.7 cannot register models over HTTP. So the server refuses every model, with these errors.
"""

from __future__ import annotations

import pytest

from llamastack import BadRequestError, LlamaStackClient, NotFoundError
from llamastack.endpoints import RerankCreate
from llamastack.models import OpenAIChatCompletionContentPartTextParam
from tests.integration.conftest import EMBEDDING_MODEL, MODEL


@pytest.mark.parametrize(("model", "kind"), [(MODEL, "llm"), (EMBEDDING_MODEL, "embedding")])
def test_a_model_that_is_not_a_reranker_is_a_400(client: LlamaStackClient, model: str,
                                                 kind: str) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(RerankCreate(model=model, query="capital of France",
                                 items=["Paris is the capital of France.", "Llamas live in the Andes."],
                                 max_num_results=1))
    assert info.value.message == f"Model '{model}' is of type '{kind}' rather than the expected type 'rerank'"


def test_typed_query_and_items_reach_the_model_check(client: LlamaStackClient) -> None:
    # Text parts are accepted for the query and the items: the body validates, and the
    # server gets as far as looking the model up.
    part = OpenAIChatCompletionContentPartTextParam(text="capital of France")
    with pytest.raises(NotFoundError) as info:
        client.call(RerankCreate(model="no-such-reranker", query=part,
                                 items=[part, "Paris", {"type": "text", "text": "Andes"}]))
    assert info.value.message == ("Model 'no-such-reranker' not found. Use 'client.models.list()' "
                                  "to list available Models.")
