"""Command names from spec class names, and the registry of commands (nothing imported).

A class named ``<Resource><Verb>`` is ``llamastack <resources> <verb>``: ``SessionCreate`` is
``sessions create``, ``VectorStoreFileBatchCancel`` is ``vector-store-file-batches cancel``.
The registry is built from names alone, so ``llamastack --help`` imports no spec module; each
entry loads its class when its command is chosen.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Entry", "Registry", "command_name", "endpoint_registry", "spec_registry"]

# Words that start a verb; a class name's verb is the rest of the name from the last of these
# (so ScoringScoreBatch is scoring score-batch, PromptSetDefaultVersion prompts
# set-default-version). A name without one of them uses its last word.
_VERB_WORDS = frozenset({
    "Append", "Cancel", "Check", "Create", "Delete", "Evaluate", "Get", "Insert", "Invoke",
    "List", "Process", "Query", "Register", "Resume", "Retrieve", "Run", "Score", "Search",
    "Set", "Unregister", "Update", "Upload",
})
# Resource words that have no plural.
_UNCOUNTABLE = frozenset({
    "content", "data", "health", "inference", "info", "io", "metadata", "rerank", "safety",
    "scoring",
})
# Server-wide singletons: a resource named by one of these that can only be retrieved keeps
# its singular (`version retrieve`, `admin-health retrieve`).
_SINGLETONS = frozenset({"config", "health", "info", "status", "version"})
_CAMEL_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|[A-Z]?[a-z0-9]+|[A-Z]+")


def _words(class_name: str) -> list[str]:
    return _CAMEL_WORD.findall(class_name)


def _plural(word: str) -> str:
    lower = word.lower()
    if lower in _UNCOUNTABLE or (lower.endswith("s") and not lower.endswith("ss")):
        return lower
    if lower.endswith(("ss", "x", "z", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u"):
        return lower[:-1] + "ies"
    return lower + "s"


def _split(class_name: str) -> tuple[list[str], list[str]]:
    words = _words(class_name)
    for index in range(len(words) - 1, 0, -1):
        if words[index] in _VERB_WORDS:
            return words[:index], words[index:]
    if len(words) < 2:
        return words, ["call"]
    return words[:-1], words[-1:]


def command_name(class_name: str, singular: bool = False) -> tuple[str, str]:
    """``(resource, verb)`` of a spec class name: ``VectorStoreFileBatchCancel`` gives
    ``("vector-store-file-batches", "cancel")``. ``singular`` keeps the last resource word as
    it is (for resources that can only be retrieved: ``VersionRetrieve`` is ``version``)."""
    resource, verb = _split(class_name)
    last = resource[-1].lower() if singular else _plural(resource[-1])
    kebab = [word.lower() for word in resource[:-1]] + [last]
    return "-".join(kebab), "-".join(word.lower() for word in verb)


@dataclass(frozen=True)
class Entry:
    """One command: where its spec class comes from, loaded only when needed."""

    class_name: str
    resource: str
    verb: str
    load: Callable[[], type]


# resource -> verb -> entry, resources sorted
Registry = dict[str, dict[str, Entry]]


def _registry(names: Sequence[str], load: Callable[[str], type]) -> Registry:
    split = {name: _split(name) for name in names}
    verbs_of: dict[str, set[str]] = {}
    for resource_words, verb_words in split.values():
        verbs_of.setdefault("".join(resource_words), set()).add("".join(verb_words))
    tree: Registry = {}
    for name in names:
        resource_words = split[name][0]
        singular = (resource_words[-1].lower() in _SINGLETONS
                    and verbs_of["".join(resource_words)] == {"Retrieve"})
        resource, verb = command_name(name, singular)
        verbs = tree.setdefault(resource, {})
        if verb in verbs:  # two classes, one name: keep both reachable under the class name
            verb = "-".join(word.lower() for word in _words(name))
        verbs[verb] = Entry(name, resource, verb, functools.partial(load, name))
    return {resource: tree[resource] for resource in sorted(tree)}


def endpoint_registry() -> Registry:
    """Every spec class ``llamastack.endpoints`` exports (its names only; nothing is loaded)."""
    import llamastack.endpoints as endpoints

    def load(name: str) -> type:
        value = getattr(endpoints, name)
        if not isinstance(value, type):
            raise TypeError(f"llamastack.endpoints.{name} is not a spec class")
        return value

    return _registry(list(getattr(endpoints, "__all__", ())), load)


def spec_registry(specs: Iterable[type]) -> Registry:
    by_name = {spec.__name__: spec for spec in specs}
    return _registry(list(by_name), by_name.__getitem__)
