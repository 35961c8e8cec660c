"""Reading the pinned OpenAPI documents of specs/, with the shape errata applied."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from tools.generate.definitions import GeneratorError
from tools.generate.errata import ERRATA_PROPERTIES, ERRATA_SCHEMAS

__all__ = [
    "DOCUMENTS",
    "ROOT",
    "SOURCE_LINES",
    "SPECS",
    "apply_errata",
    "load_documents",
    "request_body_schema",
    "sources",
    "union",
]


ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"

# Each server line's pinned documents, oldest line first (specs/README.md says where each came
# from). A line with two documents is read as their union: 0.3's Stainless document leaves out the
# routes it still serves at their deprecated paths (/v1/openai/v1/..., /v1/agents/...), which its
# deprecated document lists; the two share no path, and their common schemas are identical.
DOCUMENTS: dict[str, tuple[str, ...]] = {
    "0.2": ("llama-stack-v0.2.23-spec.yaml",),
    "0.3": ("llama-stack-v0.3.5-stainless.yaml", "llama-stack-v0.3.5-deprecated.yaml"),
    "0.4": ("llama-stack-v0.4.5-stainless.yaml",),
    "0.5": ("llama-stack-v0.5.2-stainless.yaml",),
    "0.6": ("llama-stack-v0.6.1-stainless.yaml",),
    "0.7": ("llama-stack-v0.7.1-stainless-spec.yaml",),
}
# The documents the specs and models are declared from: every operation of 0.7, and the Agents
# operations of 0.2 (removed in 0.4). The other lines' documents give routes and per-line fields.
SOURCE_LINES = ("0.7", "0.2")


def load_documents(specs: Path = SPECS, *, errata: bool = True) -> dict[str, Any]:
    """The pinned documents by server line (libyaml's loader when present: 10x faster), with
    ERRATA_SCHEMAS and ERRATA_PROPERTIES applied unless ``errata`` is false."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: dict[str, Any] = {}
    for line, names in DOCUMENTS.items():
        parts = []
        for name in names:
            with open(specs / name, encoding="utf-8") as handle:
                parts.append(yaml.load(handle, Loader=loader))
        out[line] = union(line, parts)
    if errata:
        apply_errata(out)
    return out


def union(line: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One document of several: their paths and components, refusing any conflict."""
    merged = parts[0]
    for part in parts[1:]:
        for path, item in part["paths"].items():
            if path in merged["paths"]:
                raise GeneratorError(f"the {line} documents both declare {path}")
            merged["paths"][path] = item
        for kind, entries in part.get("components", {}).items():
            known = merged.setdefault("components", {}).setdefault(kind, {})
            for name, entry in entries.items():
                if name in known and known[name] != entry:
                    raise GeneratorError(f"the {line} documents declare {kind} {name} differently")
                known[name] = entry
    return merged


def apply_errata(documents: dict[str, Any]) -> None:
    for (line, name), schema in ERRATA_SCHEMAS.items():
        schemas = documents[line]["components"]["schemas"]
        if name in schemas:
            raise GeneratorError(f"ERRATA_SCHEMAS: the {line} document already has {name}")
        schemas[name] = {"title": name, **copy.deepcopy(schema)}
    for (line, name, prop), replacement in ERRATA_PROPERTIES.items():
        properties = documents[line]["components"]["schemas"][name]["properties"]
        if prop not in properties:
            raise GeneratorError(f"ERRATA_PROPERTIES: {line} {name} has no property {prop!r}")
        original = properties[prop]
        described = {"description": original["description"]} if "description" in original else {}
        properties[prop] = {**copy.deepcopy(replacement), **described}


def request_body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of an operation's request body, its $refs followed: the multipart form where
    the operation takes one, else the JSON body; None: the operation takes no body."""
    body = operation.get("requestBody")
    if not body:
        return None
    content = body["content"]
    media = "multipart/form-data" if "multipart/form-data" in content else "application/json"
    schema: dict[str, Any] = content[media]["schema"]
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def sources(lines: Iterable[str]) -> str:
    """The documents a generated module is declared from, for its header."""
    files = [f"specs/{name}" for line in SOURCE_LINES if line in set(lines) for name in DOCUMENTS[line]]
    return " and ".join(files)
