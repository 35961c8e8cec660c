"""Declaring your own spec for an endpoint the library does not declare.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/custom_spec.py

A spec is one frozen dataclass: method and path as ClassVars, the response type as the
generic argument, fields for the parameters. The same engine sends it with the client's auth,
retries, timeouts, errors and decoding, and the command line can offer it too.
"""

import os
import sys
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from llamastack import LlamaStackClient, Model, Spec, header_field, query_field
from llamastack.cli import main as cli_main

MODEL = os.environ.get("LLAMA_STACK_MODEL", "fake-openai/fake-llm")


# The server's own OpenAPI document (served by FastAPI, not part of the Llama Stack API).
@dataclass(kw_only=True)
class OpenAPIInfo(Model):
    title: str
    version: str


@dataclass(kw_only=True)
class OpenAPIDocument(Model):
    openapi: str
    info: OpenAPIInfo
    paths: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ApiDocumentRetrieve(Spec[OpenAPIDocument]):
    """Fetch the server's OpenAPI document."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/openapi.json"


# A spec with a path parameter, a query parameter and a header.
@dataclass(kw_only=True)
class ModelInfo(Model):
    identifier: str
    provider_id: str
    model_type: str


@dataclass(frozen=True, kw_only=True)
class ModelLookup(Spec[ModelInfo]):
    """Look a model up by id (ids may contain '/': it is encoded as one path segment)."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/models/{model_id}"
    model_id: str
    verbose: Optional[bool] = query_field()  # GET fields go to the query anyway; explicit here
    trace_id: Optional[str] = header_field("X-Trace-Id")


def main() -> None:
    with LlamaStackClient() as client:
        document = client.call(ApiDocumentRetrieve())
        print(f"{document.info.title} {document.info.version}: OpenAPI {document.openapi}, "
              f"{len(document.paths)} paths")

        models = client.get("/v1/models")  # undocumented calls also work without a spec
        print(f"client.get('/v1/models'): {len(models['data'])} models")
        model_id = MODEL
        found = client.call(ModelLookup(model_id=model_id, trace_id="example-1"))
        print(f"ModelLookup({model_id!r}) -> {found.model_type} model from {found.provider_id}")
        print(f"fields the declaration leaves out are kept: {sorted(found.model_extra)}")

    # Your specs get a command line too (`python examples/custom_spec.py cli --help`):
    # ModelLookup is `models lookup`, ApiDocumentRetrieve `api-documents retrieve`.
    print("the same spec from the command line:")
    code = cli_main(["--output", "table", "models", "lookup", "--model-id", model_id],
                    specs=[ModelLookup, ApiDocumentRetrieve])
    if code != 0:
        sys.exit(code)


if __name__ == "__main__":
    if sys.argv[1:2] == ["cli"]:
        sys.exit(cli_main(sys.argv[2:], specs=[ModelLookup, ApiDocumentRetrieve]))
    main()
