"""Run configs of every server line: all the APIs the client can use there, offline providers only.

Each builder returns the config as a dict; ``manage.write_config`` writes it as JSON (YAML is a
superset of JSON). The model ids are the same on every line (``fake-openai/fake-llm``,
``fake-openai/fake-embed``), so the same user code runs against each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .fake_openai import EMBED_DIM, EMBED_ID, LLM_ID
from .install import ALL_LINES

__all__ = [
    "CONFIGS",
    "CONNECTOR_ID",
    "EMBED",
    "EMBED_DIM",
    "EMBED_ID",
    "FAKE_PROVIDER",
    "LLM",
    "LLM_ID",
    "MCP_TOOLGROUP_ID",
    "RAG_TOOLGROUP_ID",
    "SHIELD_ID",
    "config_for",
]

JSON = dict[str, Any]

# Names the configs give to things; tests use them. The model ids and the embedding size are the
# fake backend's (LLM_ID, EMBED_ID, EMBED_DIM above): the servers register what it serves.
FAKE_PROVIDER = "fake-openai"  # the inference provider id on every line (0.2 too, with remote::vllm)
LLM = f"{FAKE_PROVIDER}/{LLM_ID}"
EMBED = f"{FAKE_PROVIDER}/{EMBED_ID}"
SHIELD_ID = "llama-guard"
CONNECTOR_ID = "fake-mcp"  # connector to the fake backend's MCP endpoint (0.4-0.7)
RAG_TOOLGROUP_ID = "builtin::rag"  # knowledge_search (0.2-0.6)
MCP_TOOLGROUP_ID = "mcp::fake"  # the fake's MCP tools as a tool group (0.2-0.6)

# SQL stores, one sqlite file each: 0.7.3 shares one engine per backend and creates only the
# tables registered before its first query, so with one shared backend the inference_store
# table is never created (GET /v1/chat/completions/{id} -> 500). Harmless on the other lines.
SQL_TABLES = ("files_metadata", "responses", "inference_store", "openai_conversations")


def mcp_url(fake_base_url: str) -> str:
    return fake_base_url.rsplit("/v1", 1)[0] + "/mcp"


def _kv(namespace: str) -> dict[str, str]:
    return {"namespace": namespace, "backend": "kv_default"}


def _sql(table: str) -> dict[str, str]:
    return {"table_name": table, "backend": f"sql_{table}"}


def _minor(line: str) -> int:
    return int(line.split(".")[1])


def config_v2(line: str, state: Path, fake_base_url: str, port: int) -> JSON:
    """The ``storage``-style config of 0.3-0.7 (``StackRunConfig``/``StackConfig``)."""
    minor = _minor(line)
    store = state / "store"
    # 0.3-0.6 serve Responses (and on 0.3 the Agents API) from the agents provider
    # inline::meta-reference; 0.7 renamed the API "responses" and the provider inline::builtin.
    responses_api, responses_type = ("responses", "inline::builtin") if minor >= 7 else (
        "agents", "inline::meta-reference")
    apis = [responses_api, "batches", "datasetio", "eval", "files", "inference", "safety", "scoring",
            "tool_runtime", "vector_io"]
    if minor >= 6:
        apis.append("file_processors")  # the router exists from 0.6 (0.4/0.5 do not register it)
    # No "connectors" on 0.4.7: its server would mount /v1alpha/connectors for it, but 0.4.7 has
    # no implementation, and create_app dies with KeyError <Api.connectors> (seen live).
    rag_type = "inline::file-search" if minor >= 7 else "inline::rag-runtime"
    providers: JSON = {
        "inference": [{
            "provider_id": FAKE_PROVIDER,
            "provider_type": "remote::openai",
            "config": {"base_url": fake_base_url, "api_key": "fake-key"},
        }],
        "vector_io": [{
            "provider_id": "faiss",
            "provider_type": "inline::faiss",
            "config": {"persistence": _kv("vector_io::faiss")},
        }],
        "files": [{
            "provider_id": "localfs",
            "provider_type": "inline::localfs",
            "config": {"storage_dir": str(state / "files"), "metadata_store": _sql("files_metadata")},
        }],
        "safety": [{
            "provider_id": "llama-guard",
            "provider_type": "inline::llama-guard",
            "config": {"excluded_categories": []},
        }],
        responses_api: [{
            "provider_id": "builtin" if minor >= 7 else "meta-reference",
            "provider_type": responses_type,
            "config": {"persistence": {"agent_state": _kv("agents"), "responses": _sql("responses")}},
        }],
        "eval": [{
            "provider_id": "builtin" if minor >= 7 else "meta-reference",
            "provider_type": "inline::builtin" if minor >= 7 else "inline::meta-reference",
            "config": {"kvstore": _kv("eval")},
        }],
        "datasetio": [{
            "provider_id": "localfs",
            "provider_type": "inline::localfs",
            "config": {"kvstore": _kv("datasetio::localfs")},
        }],
        "scoring": [
            {"provider_id": "basic", "provider_type": "inline::basic"},
            {"provider_id": "llm-as-judge", "provider_type": "inline::llm-as-judge"},
        ],
        "tool_runtime": [
            {"provider_id": rag_type.split("::")[1], "provider_type": rag_type},
            {"provider_id": "model-context-protocol", "provider_type": "remote::model-context-protocol"},
        ],
        "batches": [{
            "provider_id": "reference",
            "provider_type": "inline::reference",
            "config": {"kvstore": _kv("batches")},
        }],
    }
    if minor >= 6:
        providers["file_processors"] = [{"provider_id": "pypdf", "provider_type": "inline::pypdf"}]

    stores: JSON = {
        "metadata": _kv("registry"),
        "inference": {**_sql("inference_store"), "max_write_queue_size": 10000, "num_writers": 4},
        "conversations": _sql("openai_conversations"),
    }
    if minor >= 4:
        stores["prompts"] = _kv("prompts")
    if minor >= 5:
        stores["connectors"] = _kv("connectors")

    connector = {"connector_id": CONNECTOR_ID, "connector_type": "mcp", "url": mcp_url(fake_base_url),
                 "server_label": "fake"}
    resources: JSON = {
        "models": [{
            "model_id": EMBED_ID,
            "provider_id": FAKE_PROVIDER,
            "provider_model_id": EMBED_ID,
            "model_type": "embedding",
            "metadata": {"embedding_dimension": EMBED_DIM},
        }],
        "shields": [{"shield_id": SHIELD_ID, "provider_id": "llama-guard", "provider_shield_id": LLM}],
        "vector_stores": [],
        "datasets": [],
        "scoring_fns": [],
        "benchmarks": [],
    }
    if minor <= 6:
        # The tool groups API (GET /v1/tools, /v1/toolgroups) still exists: the RAG tool and the
        # fake's MCP tools as groups, so Agents turns (0.3) can name them.
        resources["tool_groups"] = [
            {"toolgroup_id": RAG_TOOLGROUP_ID, "provider_id": "rag-runtime"},
            {"toolgroup_id": MCP_TOOLGROUP_ID, "provider_id": "model-context-protocol",
             "mcp_endpoint": {"uri": mcp_url(fake_base_url)}},
        ]

    embedding_model: JSON = {"provider_id": FAKE_PROVIDER, "model_id": EMBED_ID}
    if minor >= 5:
        embedding_model["embedding_dimensions"] = EMBED_DIM
    config: JSON = {
        "version": 2,
        # distro_name from 0.5 (image_name still accepted there, deprecated)
        ("distro_name" if minor >= 5 else "image_name"): f"llamastack-it-{line}",
        "apis": apis,
        "providers": providers,
        "storage": {
            "backends": {
                "kv_default": {"type": "kv_sqlite", "db_path": str(store / "kvstore.db")},
                **{f"sql_{t}": {"type": "sql_sqlite", "db_path": str(store / f"{t}.db")} for t in SQL_TABLES},
            },
            "stores": stores,
        },
        "registered_resources": resources,
        "server": {"host": "127.0.0.1", "port": port},
        "vector_stores": {"default_provider_id": "faiss", "default_embedding_model": embedding_model},
    }
    if minor >= 4:
        config["safety"] = {"default_shield_id": SHIELD_ID}  # /v1/moderations without "model"
    if minor >= 5:
        config["connectors"] = [connector]
    return config


def config_02(state: Path, fake_base_url: str, port: int) -> JSON:
    """``StackRunConfig`` of 0.2.24: the Agents API, the /v1/openai/v1 routes and the rest."""
    store = state / "store"

    def sqlite(name: str) -> dict[str, str]:
        return {"type": "sqlite", "db_path": str(store / name)}

    def model(model_id: str, model_type: str, metadata: JSON) -> JSON:
        # Registered under the full id, so the listing says fake-openai/fake-llm as on 0.3-0.7.
        return {"model_id": f"{FAKE_PROVIDER}/{model_id}", "provider_id": FAKE_PROVIDER,
                "provider_model_id": model_id, "model_type": model_type, "metadata": metadata}

    return {
        "version": 2,
        "image_name": "llamastack-it-0.2",
        "apis": ["agents", "batches", "datasetio", "eval", "files", "inference", "safety", "scoring",
                 "tool_runtime", "vector_io"],
        "providers": {
            # remote::vllm, not remote::openai: in 0.2.x the openai provider sends the legacy chat
            # calls agents make to the public OpenAI host whatever base URL it is given.
            "inference": [{
                "provider_id": FAKE_PROVIDER,
                "provider_type": "remote::vllm",
                "config": {"url": fake_base_url, "max_tokens": 4096, "api_token": "fake",
                           "tls_verify": False},
            }],
            "vector_io": [{
                "provider_id": "faiss",
                "provider_type": "inline::faiss",
                "config": {"kvstore": sqlite("faiss_store.db")},
            }],
            "files": [{
                "provider_id": "localfs",
                "provider_type": "inline::localfs",
                "config": {"storage_dir": str(state / "files"),
                           "metadata_store": sqlite("files_metadata.db")},
            }],
            "safety": [{
                "provider_id": "llama-guard",
                "provider_type": "inline::llama-guard",
                "config": {"excluded_categories": []},
            }],
            "agents": [{
                "provider_id": "meta-reference",
                "provider_type": "inline::meta-reference",
                "config": {
                    "persistence_store": sqlite("agents_store.db"),
                    "responses_store": sqlite("responses_store.db"),
                },
            }],
            "eval": [{
                "provider_id": "meta-reference",
                "provider_type": "inline::meta-reference",
                "config": {"kvstore": sqlite("meta_reference_eval.db")},
            }],
            "datasetio": [{
                "provider_id": "localfs",
                "provider_type": "inline::localfs",
                "config": {"kvstore": sqlite("localfs_datasetio.db")},
            }],
            "scoring": [
                {"provider_id": "basic", "provider_type": "inline::basic"},
                {"provider_id": "llm-as-judge", "provider_type": "inline::llm-as-judge"},
            ],
            "tool_runtime": [
                {"provider_id": "rag-runtime", "provider_type": "inline::rag-runtime"},
                {"provider_id": "model-context-protocol", "provider_type": "remote::model-context-protocol"},
            ],
            "batches": [{
                "provider_id": "reference",
                "provider_type": "inline::reference",
                "config": {"kvstore": sqlite("batches.db")},
            }],
        },
        "metadata_store": sqlite("registry.db"),
        "inference_store": sqlite("inference_store.db"),
        "models": [
            model(LLM_ID, "llm", {}),
            model(EMBED_ID, "embedding", {"embedding_dimension": EMBED_DIM}),
        ],
        "shields": [{"shield_id": SHIELD_ID, "provider_id": "llama-guard", "provider_shield_id": LLM}],
        "vector_dbs": [],
        "datasets": [],
        "scoring_fns": [],
        "benchmarks": [],
        "tool_groups": [
            {"toolgroup_id": RAG_TOOLGROUP_ID, "provider_id": "rag-runtime"},
            {"toolgroup_id": MCP_TOOLGROUP_ID, "provider_id": "model-context-protocol",
             "mcp_endpoint": {"uri": mcp_url(fake_base_url)}},
        ],
        "server": {"host": "127.0.0.1", "port": port},
    }


def config_for(line: str) -> Callable[[Path, str, int], JSON]:
    """The config builder of a line: ``builder(state_dir, fake_base_url, port)``."""
    if line == "0.2":
        return config_02
    return lambda state, fake, port: config_v2(line, state, fake, port)


CONFIGS: dict[str, Callable[[Path, str, int], JSON]] = {
    line: config_for(line) for line in ALL_LINES
}
