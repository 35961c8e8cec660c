"""Bad input from the server: decoding gives a value or a DecodeError, never another exception.

The property tests over every model follow; these are the regressions they found.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import llamastack.models
from llamastack.decoding import DecodeError, decoder_for
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
