"""The model layer: dataclasses-json dataclasses that keep unknown fields, and tagged unions.

Every response (and nested request) type is a ``Model``: a keyword-only dataclass with
dataclasses-json's ``to_dict``/``from_dict``/``to_json``/``from_json``/``schema``. Fields the
server sends but the model does not declare land in ``model_extra`` (dataclasses-json's
catch-all) and are written back by ``to_dict``, so nothing the server says is dropped.

dataclasses-json (with marshmallow, a third of a script's import time) is loaded at the first
use of one of those methods, not on import: the client's decoders (``llamastack.decoding``)
do not need it. Until then ``model_extra`` is annotated ``dict[str, Any]``; loading it does,
once, what its ``@dataclass_json`` decorator does to a class (the methods are already here),
registers ``Model`` as a ``DataClassJsonMixin``, and gives ``model_extra`` its ``CatchAll``
annotation, by which dataclasses-json finds the catch-all field of every model.

Discriminated unions are declared once as a ``TaggedUnion`` and decoded by their tag: the
arm is chosen by the tag's value, never by "the first arm that fits", and an unknown tag
becomes an ``UnknownVariant`` holding the whole object instead of failing.
"""

import functools
import inspect
import threading
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Optional,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

# The registry of tagged unions lives in decoding, which reads it; this module only declares
# into it. decoding imports nothing from here, so the two never import each other.
from llamastack.decoding import (
    CATCH_ALL_METADATA,
    DecoderOf,
    decoder_for,
    register_tagged_union,
    tagged_union_among,
    tagged_union_for,
)

if TYPE_CHECKING:
    from dataclasses_json.mm import SchemaType

__all__ = [
    "Model",
    "TaggedUnion",
    "UnknownVariant",
    "load_dataclasses_json",
    "tagged_union_among",
    "tagged_union_for",
    "union_field",
    "wire_name",
]

M = TypeVar("M", bound="Model")

_loading = threading.Lock()
_dataclasses_json: Any = None  # the dataclasses_json module, once loaded for the models


def load_dataclasses_json() -> Any:
    """dataclasses-json, loaded and told about the models (once; any thread): returns the
    ``dataclasses_json`` module. Every ``Model`` method of it calls this first."""
    global _dataclasses_json
    if _dataclasses_json is None:
        with _loading:
            if _dataclasses_json is None:
                import dataclasses_json

                # The annotation dataclasses-json looks for (get_type_hints of any model walks
                # to Model's own; every model shares Model's Field object for model_extra).
                Model.__annotations__["model_extra"] = dataclasses_json.CatchAll
                Model.__dataclass_fields__["model_extra"].type = dataclasses_json.CatchAll
                dataclasses_json.DataClassJsonMixin.register(Model)
                _dataclasses_json = dataclasses_json
    return _dataclasses_json


class _JsonConfig(Mapping[str, Any]):
    """``Model.dataclass_json_config``: ``{"undefined": Undefined.INCLUDE}``, what
    ``config(undefined=Undefined.INCLUDE)`` gives. The value is dataclasses-json's enum, so
    reading it loads dataclasses-json; dataclasses-json reads it before anything else of a
    model, including when a model is nested in a class of its own that a program decodes.
    The decoders read ``undefined_action`` instead."""

    undefined_action = "INCLUDE"

    def __getitem__(self, key: str) -> Any:
        if key != "undefined":
            raise KeyError(key)
        return load_dataclasses_json().Undefined.INCLUDE

    def __iter__(self) -> Iterator[str]:
        return iter(("undefined",))

    def __len__(self) -> int:
        return 1

    def __repr__(self) -> str:
        return "{'undefined': Undefined.INCLUDE}"


@dataclass(kw_only=True)
class Model:
    """Base of every model: unknown fields are kept in ``model_extra``; dataclasses-json's
    methods (it is loaded at the first call of one, then ``Model`` is a registered
    ``dataclasses_json.DataClassJsonMixin``)."""

    dataclass_json_config = _JsonConfig()

    model_extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False,
                                        metadata={CATCH_ALL_METADATA: True})

    def to_dict(self, encode_json: bool = False) -> dict[str, Any]:
        mixin = load_dataclasses_json().DataClassJsonMixin
        result: dict[str, Any] = mixin.to_dict(self, encode_json=encode_json)
        return result

    def to_json(self, *, skipkeys: bool = False, ensure_ascii: bool = True,
                check_circular: bool = True, allow_nan: bool = True,
                indent: Optional[Union[int, str]] = None,
                separators: Optional[tuple[str, str]] = None,
                default: Optional[Callable[..., Any]] = None, sort_keys: bool = False,
                **kw: Any) -> str:
        mixin = load_dataclasses_json().DataClassJsonMixin
        text: str = mixin.to_json(
            self, skipkeys=skipkeys, ensure_ascii=ensure_ascii, check_circular=check_circular,
            allow_nan=allow_nan, indent=indent, separators=separators, default=default,
            sort_keys=sort_keys, **kw)
        return text

    @classmethod
    def from_dict(cls: type[M], kvs: Any, *, infer_missing: bool = False) -> M:
        mixin = load_dataclasses_json().DataClassJsonMixin
        decoded: M = mixin.from_dict.__func__(cls, kvs, infer_missing=infer_missing)
        return decoded

    @classmethod
    def from_json(cls: type[M], s: Union[str, bytes, bytearray], *,
                  parse_float: Optional[Callable[[str], Any]] = None,
                  parse_int: Optional[Callable[[str], Any]] = None,
                  parse_constant: Optional[Callable[[str], Any]] = None,
                  infer_missing: bool = False, **kw: Any) -> M:
        mixin = load_dataclasses_json().DataClassJsonMixin
        decoded: M = mixin.from_json.__func__(
            cls, s, parse_float=parse_float, parse_int=parse_int, parse_constant=parse_constant,
            infer_missing=infer_missing, **kw)
        return decoded

    @classmethod
    def schema(cls: type[M], *, infer_missing: bool = False, only: Any = None,
               exclude: Any = (), many: bool = False, context: Any = None,
               load_only: Any = (), dump_only: Any = (), partial: bool = False,
               unknown: Any = None) -> "SchemaType[M]":
        mixin = load_dataclasses_json().DataClassJsonMixin
        schema: SchemaType[M] = mixin.schema.__func__(
            cls, infer_missing=infer_missing, only=only, exclude=exclude, many=many,
            context=context, load_only=load_only, dump_only=dump_only, partial=partial,
            unknown=unknown)
        return schema


@dataclass(kw_only=True)
class UnknownVariant(Model):
    """A union member whose tag this library does not know (yet): all of it is in model_extra."""

    def __repr__(self) -> str:
        return f"UnknownVariant({self.model_extra!r})"


def wire_name(name: str) -> dict[str, Any]:
    """Field metadata for a field whose JSON name is not a usable Python name (``schema``):
    what dataclasses-json's ``config(field_name=name)`` gives, made without loading it."""
    return {"dataclasses_json": {"letter_case": functools.partial(_named, name)}}


def _named(name: str, field_name: str) -> str:
    return name


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
    # config(decoder=...)'s metadata, made without loading dataclasses-json
    json_metadata = dict(metadata.get("dataclasses_json", {}))
    json_metadata["decoder"] = DecoderOf(tp)
    metadata["dataclasses_json"] = json_metadata
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
