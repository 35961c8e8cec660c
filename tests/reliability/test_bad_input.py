"""Bad input from the server: decoding gives a value or a DecodeError, never another exception.

The property tests over every model follow; these are the regressions they found.
"""

from __future__ import annotations

import dataclasses
import time
import types
from typing import Any

import pytest

import llamastack.models
from llamastack import LlamaStackClient, ResponseDecodeError, Spec
from llamastack.decoding import DecodeError, decoder_for
from tests.reliability.faultserver import FaultServer, json_response
from tests.reliability.specs import Empty, Tree


def test_a_model_with_no_declared_fields_decodes_into_model_extra() -> None:
    assert decoder_for(Empty)({"anything": [1, 2]}).model_extra == {"anything": [1, 2]}
    assert decoder_for(llamastack.models.base.UnknownVariant)({"type": "new"}).model_extra == {
        "type": "new"}


def _nested_tree(depth: int, leaf: Any) -> dict[str, Any]:
    tree: dict[str, Any] = {"name": leaf}
    for _ in range(depth):
        tree = {"name": "n", "children": [{"name": "sibling"}, tree]}
    return tree


def test_a_bad_value_deep_in_a_recursive_model_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(DecodeError) as caught:
        decoder_for(Tree)(_nested_tree(22, leaf=7))
    assert time.monotonic() - started < 1.0  # finding the failing index took 2**depth decodes: ~25 s
    assert str(caught.value).startswith("children[1].children[1].")
    assert str(caught.value).endswith("name: expected string, got integer")


def _deep_tree(depth: int) -> dict[str, Any]:
    tree: dict[str, Any] = {"name": "leaf"}
    for _ in range(depth):
        tree = {"name": "n", "children": [tree]}
    return tree


@pytest.mark.parametrize("depth", [300, 5000])
def test_a_recursive_model_nested_too_deeply_is_a_decode_error(depth: int) -> None:
    """Deeper than the decoder's stack allows (300 levels still parse with json.loads)."""
    started = time.monotonic()
    with pytest.raises(DecodeError, match="nested too deeply"):
        decoder_for(Tree)(_deep_tree(depth))
    assert time.monotonic() - started < 2.0


def _probe_spec(model: type) -> Spec[Any]:
    """GET /v1/probe, declared to answer ``model``."""
    spec_class = types.new_class(f"{model.__name__}Probe", (Spec[model],), {},  # type: ignore[valid-type]
                                 lambda ns: ns.update(method="GET", path="/v1/probe"))
    spec_type: Any = dataclasses.dataclass(frozen=True, kw_only=True)(spec_class)
    spec: Spec[Any] = spec_type()
    return spec


def test_a_recursive_answer_nested_too_deeply_is_a_response_decode_error(
        server: FaultServer) -> None:
    server.script(json_response(_deep_tree(300)))
    with LlamaStackClient(base_url=server.url, max_retries=0) as client, \
            pytest.raises(ResponseDecodeError, match="nested too deeply"):
        client.call(_probe_spec(Tree))
