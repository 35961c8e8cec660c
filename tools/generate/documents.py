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
    "SPECS",
    "apply_errata",
    "load_documents",
    "sources",
]


ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"

DOCUMENTS = {
    "0.7": "llama-stack-v0.7.1-stainless-spec.yaml",
    "0.2": "llama-stack-v0.2.23-spec.yaml",
}


def load_documents(specs: Path = SPECS, *, errata: bool = True) -> dict[str, Any]:
    """The pinned documents by server line (libyaml's loader when present: 10x faster), with
    ERRATA_SCHEMAS and ERRATA_PROPERTIES applied unless ``errata`` is false."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = {}
    for line, name in DOCUMENTS.items():
        with open(specs / name, encoding="utf-8") as handle:
            out[line] = yaml.load(handle, Loader=loader)
    if errata:
        apply_errata(out)
    return out


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


def sources(lines: Iterable[str]) -> str:
    files = [f"specs/{DOCUMENTS[line]}" for line in DOCUMENTS if line in set(lines)]
    return " and ".join(files)
