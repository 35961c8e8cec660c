"""The model layer: dataclasses-json dataclasses that keep unknown fields, and tagged unions.

Every response (and nested request) type is a ``Model``: a keyword-only dataclass with
dataclasses-json's ``to_dict``/``from_dict``/``to_json``/``schema``. Fields the server sends
but the model does not declare land in ``model_extra`` (dataclasses-json's catch-all) and
are written back by ``to_dict``, so nothing the server says is dropped.

Discriminated unions are declared once as a ``TaggedUnion`` and decoded by their tag: the
arm is chosen by the tag's value, never by "the first arm that fits", and an unknown tag
becomes an ``UnknownVariant`` holding the whole object instead of failing.
"""

import inspect
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin, get_type_hints

from dataclasses_json import CatchAll, DataClassJsonMixin, Undefined
from dataclasses_json import config as json_config

# The registry of tagged unions lives in decoding, which reads it; this module only declares
# into it. decoding imports nothing from here, so the two never import each other.
from llamastack.decoding import (
    decoder_for,
    register_tagged_union,
    tagged_union_among,
    tagged_union_for,
)

__all__ = [
    "Model",
    "TaggedUnion",
    "UnknownVariant",
    "tagged_union_among",
    "tagged_union_for",
    "union_field",
    "wire_name",
]


@dataclass(kw_only=True)
class Model(DataClassJsonMixin):
    """Base of every model: unknown fields are kept in ``model_extra``."""

    dataclass_json_config = json_config(undefined=Undefined.INCLUDE)["dataclasses_json"]

    if TYPE_CHECKING:
        model_extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    else:  # dataclasses-json recognises its catch-all field by this exact annotation
        model_extra: CatchAll = field(default_factory=dict, repr=False, compare=False)


@dataclass(kw_only=True)
class UnknownVariant(Model):
    """A union member whose tag this library does not know (yet): all of it is in model_extra."""

    def __repr__(self) -> str:
        return f"UnknownVariant({self.model_extra!r})"


def wire_name(name: str) -> dict[str, Any]:
    """Field metadata for a field whose JSON name is not a usable Python name (``schema``)."""
    return json_config(field_name=name)


class TaggedUnion:
    """A union of models told apart by the value of one tag field.

    ``TaggedUnion(Union[A, B], tag="type")`` reads each arm's tag values from the arm's
    ``Literal`` annotation of that field and registers the union with the decoders, which
    then choose the arm by the tag's value (an unknown tag gives an ``UnknownVariant``).
    Declare every field whose type contains the union with ``union_field(its type)``, so
    dataclasses-json's ``from_dict`` decodes it by tag too.
    """

    def __init__(self, union: Any, *, tag: str, name: str | None = None) -> None:
        arms = get_args(union)
        if get_origin(union) not in (Union, types.UnionType) or not arms:
            raise TypeError(f"TaggedUnion needs a Union of models, got {union!r}")
        self.union = union
        self.tag = tag
        self.name = name or "|".join(arm.__name__ for arm in arms)
        self.arms: dict[Any, type[Any]] = {}
        for arm in arms:
            for value in _tag_values(arm, tag):
                if value in self.arms:
                    raise TypeError(f"{self.name}: tag {value!r} is claimed by two arms")
                self.arms[value] = arm
        register_tagged_union(self)

    def __repr__(self) -> str:
        return f"TaggedUnion({self.name}, tag={self.tag!r})"

    def unknown(self, value: dict[str, Any]) -> UnknownVariant:
        """The member for an object whose tag no arm claims: all of it, kept."""
        return UnknownVariant(model_extra=dict(value))

    def decode(self, value: Any) -> Any:
        """The member for one JSON object, chosen by its tag (``DecodeError`` if it is not
        an object)."""
        return decoder_for(self.union)(value)


def union_field(tp: Any, **kwargs: Any) -> Any:
    """``dataclasses.field`` for a field of type ``tp`` that contains a TaggedUnion.

    dataclasses-json would decode the union by trying arms in order; this hands the field to
    the library's decoder for ``tp`` instead, so ``from_dict`` dispatches by tag as well.
    """
    metadata = dict(kwargs.pop("metadata", {}))
    metadata.update(json_config(decoder=lambda value: decoder_for(tp)(value)))
    return field(metadata=metadata, **kwargs)


def _tag_values(arm: type[Any], tag: str) -> tuple[Any, ...]:
    annotation = _own_annotation(arm, tag)
    if annotation is None or isinstance(annotation, str):
        hints: Mapping[str, Any] = get_type_hints(arm)
        annotation = hints.get(tag)
    if annotation is None:
        raise TypeError(f"{arm.__name__} has no tag field {tag!r}")
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    raise TypeError(f"{arm.__name__}.{tag} must be annotated with Literal[...] to be a tag")


def _own_annotation(arm: type[Any], name: str) -> Any:
    """The annotation of ``name`` as written on the nearest class of ``arm``'s MRO that has
    one. get_type_hints evaluates every annotation of every class, a tenth of importing a
    module of models with many tagged unions; a string here still goes through it."""
    for klass in arm.__mro__:
        annotation = inspect.get_annotations(klass).get(name)
        if annotation is not None:
            return annotation
    return None
