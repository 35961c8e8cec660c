"""Models against the real 0.7.3 server: list, and retrieve by ids that contain ``/``."""

from __future__ import annotations

import pytest

from llamastack import LlamaStackClient, NotFoundError
from llamastack.endpoints import ModelList, ModelRetrieve
from llamastack.models import OpenAIModel, RegisteredModel
from tests.integration.conftest import EMBEDDING_MODEL, MODEL


def test_list_has_the_configured_llm_and_embedding_model(client: LlamaStackClient) -> None:
    models = {model.id: model for model in client.call(ModelList()).data}

    assert set(models) >= {MODEL, EMBEDDING_MODEL}
    llm, embed = models[MODEL], models[EMBEDDING_MODEL]
    assert isinstance(llm, OpenAIModel) and llm.object == "model"
    assert llm.owned_by == "llama_stack"
    assert llm.custom_metadata == {"model_type": "llm", "provider_id": "fake-openai",
                                   "provider_resource_id": "fake-llm"}
    assert embed.custom_metadata == {"model_type": "embedding", "provider_id": "fake-openai",
                                     "provider_resource_id": "fake-embed", "embedding_dimension": 16}


def test_retrieve_sends_an_id_with_a_slash_as_one_encoded_segment(client: LlamaStackClient) -> None:
    model, response = client.with_response(ModelRetrieve(model_id=MODEL))

    assert response.request.path_url == "/v1/models/fake-openai%2Ffake-llm"
    assert isinstance(model, RegisteredModel)
    assert (model.identifier, model.provider_id, model.provider_resource_id) == (
        MODEL, "fake-openai", "fake-llm")
    assert model.model_type == "llm" and model.type == "model"


def test_retrieve_an_embedding_model_has_its_dimension(client: LlamaStackClient) -> None:
    model = client.call(ModelRetrieve(model_id=EMBEDDING_MODEL))

    assert model.identifier == EMBEDDING_MODEL
    assert model.model_type == "embedding"
    assert model.metadata == {"embedding_dimension": 16}


@pytest.mark.parametrize("path", ["/v1/models/fake-openai/fake-llm", "/v1/models/fake-openai%2Ffake-llm"],
                         ids=["literal-slash", "percent-encoded"])
def test_the_server_answers_both_spellings_of_the_path(client: LlamaStackClient, path: str) -> None:
    body = client.get(path)

    assert body["identifier"] == MODEL
    assert RegisteredModel.from_dict(body) == client.call(ModelRetrieve(model_id=MODEL))


def test_an_id_is_taken_literally_so_a_pre_encoded_id_is_not_found(client: LlamaStackClient) -> None:
    # The spec encodes "%" too: "fake-openai%2Ffake-llm" is a different (unknown) id.
    with pytest.raises(NotFoundError) as caught:
        client.call(ModelRetrieve(model_id="fake-openai%2Ffake-llm"))

    assert caught.value.status == 404
    assert "Model 'fake-openai%2Ffake-llm' not found" in caught.value.message


def test_the_bare_provider_model_id_is_not_found(client: LlamaStackClient) -> None:
    with pytest.raises(NotFoundError, match="Model 'fake-llm' not found"):
        client.call(ModelRetrieve(model_id="fake-llm"))
