"""The first use of a decoder from many threads at once.

A decoder is compiled on first use. While one thread compiles a self-referencing model,
no other thread may receive the half-built stand-in for it (before the fix a second thread
called it, and it called itself until a RecursionError), and a tagged union's arm decoders
are built with the union, under the same lock. The compile is slowed down on purpose so
the threads really overlap, and the models are new for every run, so nothing is warm.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

import pytest

from llamastack import decoding
from llamastack.decoding import decoder_for

THREADS = 16

# A recursive model with a tagged union inside, declared in a module of its own per run.
SOURCE = '''
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

from llamastack.models.base import Model, TaggedUnion, union_field


@dataclass(kw_only=True)
class Text(Model):
    type: Literal["text"] = "text"
    text: str


@dataclass(kw_only=True)
class Image(Model):
    type: Literal["image"] = "image"
    url: str


Part = Union[Text, Image]
PART = TaggedUnion(Part, tag="type")


@dataclass(kw_only=True)
class Tree(Model):
    name: str
    part: Part = union_field(Part)
    children: list[Tree] = field(default_factory=list)
    by_name: dict[str, Tree] = field(default_factory=dict)
    parent: Optional[Tree] = None
'''

_runs = itertools.count()


@pytest.fixture
def fresh_models() -> Iterator[types.ModuleType]:
    name = f"tests.unit._threads_models_{next(_runs)}"
    module = types.ModuleType(name)
    sys.modules[name] = module  # get_type_hints resolves the annotations in it
    exec(compile(SOURCE, name, "exec"), module.__dict__)
    yield module
    del sys.modules[name]


@pytest.fixture
def slow_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every dataclass decoder takes 50 ms to compile, so the other threads arrive meanwhile."""
    compile_decoder = decoding._compile

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)
        return compile_decoder(*args, **kwargs)

    monkeypatch.setattr(decoding, "_compile", slow)


def tree_json(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"name": "leaf", "part": {"type": "image", "url": "u"}}
    for level in range(depth):
        node = {"name": f"n{level}", "part": {"type": "text", "text": str(level)},
                "children": [node], "by_name": {"k": node}, "parent": {"name": "p",
                                                                          "part": {"type": "x"}}}
    return node


def decode(tp: Any, value: Any) -> Any:
    return decoder_for(tp)(value)


def run_at_once(jobs: Sequence[Callable[[], Any]]) -> list[Any]:
    """Start every job at the same moment, each in its own thread; results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except BaseException as exc:  # every outcome is asserted below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


def test_first_use_of_a_recursive_decoder_from_16_threads(
        fresh_models: types.ModuleType, slow_compile: None) -> None:
    tree = fresh_models.Tree
    data = tree_json(depth=5)
    results = run_at_once([lambda: decoder_for(tree)(data)] * THREADS)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    expected = tree.from_dict(data)
    assert all(result == expected for result in results)
    assert isinstance(results[0].children[0].part, fresh_models.Text)
    assert type(results[0].parent.part).__name__ == "UnknownVariant"


def test_first_use_of_nested_and_tagged_decoders_from_16_threads(
        fresh_models: types.ModuleType, slow_compile: None) -> None:
    """Threads enter at different types of the same build: the list of trees, the tagged
    union (whose arm decoders used to be built outside any lock), a dict of trees."""
    models = fresh_models
    data = tree_json(depth=3)
    entries: list[tuple[Any, Any]] = [
        (models.Tree, data),
        (types.GenericAlias(list, (models.Tree,)), [data, data]),
        (models.Part, {"type": "text", "text": "t"}),
        (types.GenericAlias(dict, (str, models.Tree)), {"a": data}),
    ]
    jobs = [partial(decode, tp, value)
            for tp, value in itertools.islice(itertools.cycle(entries), THREADS)]
    results = run_at_once(jobs)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert results[0] == models.Tree.from_dict(data)
    assert results[1] == [models.Tree.from_dict(data)] * 2
    assert results[2] == models.Text(text="t")
    assert results[3] == {"a": models.Tree.from_dict(data)}
