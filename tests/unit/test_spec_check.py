"""A spec holding a value of the wrong kind fails at construction, naming the field and the
type it expected (llamastack/spec_check.py); before, it was sent as it was.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import io
import pathlib
import pkgutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Annotated, Any, ClassVar, Literal, NewType, Optional, Union

import pytest

import llamastack.endpoints
from llamastack import Model, Spec
from llamastack.spec_check import field_types

# --- the examples, on generated specs ------------------------------------------------


def test_session_create_with_values_of_the_wrong_kind_is_refused() -> None:
    from llamastack.endpoints import SessionCreate

    with pytest.raises(TypeError, match=r"^SessionCreate.agent_id must be str, not int$"):
        SessionCreate(agent_id=123, session_name="s")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^SessionCreate.session_name must be str, not list$"):
        SessionCreate(agent_id="a1", session_name=["x"])  # type: ignore[arg-type]


def test_chat_completion_create_with_values_of_the_wrong_kind_is_refused() -> None:
    from llamastack.endpoints import ChatCompletionCreate

    with pytest.raises(TypeError, match=r"^ChatCompletionCreate.model must be str, not int$"):
        ChatCompletionCreate(model=5, messages=[])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^ChatCompletionCreate.messages must be list\[Open.*"
                                        r"\| dict\], not str$"):
        ChatCompletionCreate(model="m", messages="hi")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^ChatCompletionCreate.temperature must be "
                                        r"float \| None, not str$"):
        ChatCompletionCreate(model="m", messages=[], temperature="hot")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^ChatCompletionCreate.messages\[1\] must be .*, not str$"):
        ChatCompletionCreate(model="m", messages=[{"role": "user", "content": "a"}, "hi"])  # type: ignore[list-item]


def test_generated_specs_take_models_dicts_tuples_and_new_literal_values() -> None:
    from llamastack.endpoints import ChatCompletionCreate
    from llamastack.models.chat import OpenAIUserMessageParam

    ChatCompletionCreate(model="m", messages=(OpenAIUserMessageParam(content="hi"),
                                              {"role": "user", "content": "there"}),
                         temperature=1, stop=["a"], logit_bias={"50256": -100},
                         reasoning_effort="some-future-effort")  # type: ignore[arg-type]


def every_generated_spec() -> list[type[Any]]:
    specs = []
    for info in pkgutil.iter_modules(llamastack.endpoints.__path__):
        module = importlib.import_module(f"llamastack.endpoints.{info.name}")
        specs += [obj for obj in vars(module).values() if isinstance(obj, type)
                  and issubclass(obj, Spec) and obj.__module__ == module.__name__]
    return specs


def test_every_field_of_every_generated_spec_resolves_and_its_default_fits() -> None:
    """No generated field goes unchecked for want of a resolvable annotation, and no
    default (None for an optional field) is refused by its own type."""
    from llamastack.spec_check import _check_for, _fits

    specs = every_generated_spec()
    assert len(specs) > 100
    for spec in specs:
        hints = field_types(spec)
        for field in dataclasses.fields(spec):
            assert field.name in hints, f"{spec.__name__}.{field.name} does not resolve"
            check = _check_for(hints[field.name])
            if field.default is not dataclasses.MISSING:
                assert _fits(check, field.default), f"{spec.__name__}.{field.name}"


# --- every kind, on a spec declared here --------------------------------------------------------


class Color(enum.Enum):
    RED = "red"


UserId = NewType("UserId", str)


@dataclass(kw_only=True)
class Options(Model):
    level: int = 0


@dataclass(frozen=True, kw_only=True)
class Everything(Spec[dict[str, Any]]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/everything"
    text: str = ""
    count: int = 0
    ratio: float = 0.0
    flag: bool = False
    maybe: Optional[str] = None
    anything: Any = None
    order: Literal["asc", "desc"] = "asc"
    color: Color = Color.RED
    options: Optional[Options] = None
    names: Sequence[str] = ()
    rows: list[list[int]] = dataclasses.field(default_factory=list)
    scores: dict[str, float] = dataclasses.field(default_factory=dict)
    labels: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    either: Union[str, list[str], None] = None
    pair: Optional[tuple[str, int]] = None
    where: Optional[pathlib.Path] = None
    source: Optional[IO[bytes]] = None
    user: Optional[UserId] = None
    note: Annotated[str, "documentation"] = ""
    blob: Optional[bytes] = None


@pytest.mark.parametrize(("field", "value"), [
    ("text", "x"), ("count", 3), ("ratio", 2), ("ratio", 2.5), ("flag", True), ("maybe", None),
    ("anything", object()), ("order", "newest-first"), ("color", Color.RED), ("color", "red"),
    ("options", Options(level=1)), ("options", {"level": 1}), ("names", ["a"]), ("names", ("a",)),
    ("rows", [[1, 2], []]), ("scores", {"a": 1, "b": 0.5}), ("labels", {"k": object()}),
    ("either", "a"), ("either", ["a"]), ("pair", ("a", 1)), ("where", pathlib.Path("x")),
    ("source", io.BytesIO(b"")), ("user", UserId("u")), ("note", "n"), ("blob", bytearray(b"b")),
])
def test_values_of_the_declared_kind_are_taken(field: str, value: Any) -> None:
    assert getattr(Everything(**{field: value}), field) is value


@pytest.mark.parametrize(("field", "value", "message"), [
    ("text", 1, "text must be str, not int"),
    ("text", None, "text must be str, not None"),
    ("count", True, "count must be int, not bool"),
    ("count", 1.5, "count must be int, not float"),
    ("ratio", False, "ratio must be float, not bool"),
    ("ratio", "1", "ratio must be float, not str"),
    ("flag", 1, "flag must be bool, not int"),
    ("maybe", 1, "maybe must be str | None, not int"),
    ("order", 1, r"order must be str \(such as 'asc', 'desc'\), not int"),
    ("color", 1, "color must be Color | str, not int"),
    ("options", [1], "options must be Options | dict | None, not list"),
    ("names", "abc", r"names must be list\[str\], not str"),
    ("names", ["a", 2], r"names\[1\] must be str, not int"),
    ("rows", [[1], [2, "3"]], r"rows\[1\]\[1\] must be int, not str"),
    ("scores", {"a": "high"}, r"scores\['a'\] must be float, not str"),
    ("labels", ["k"], "labels must be dict, not list"),
    ("either", 3, r"either must be str \| list\[str\] \| None, not int"),
    ("either", ["a", 3], r"either\[1\] must be str, not int"),
    ("pair", ("a", "b"), r"pair\[1\] must be int, not str"),
    ("pair", ("a",), r"pair must be tuple\[str, int\] \| None, not tuple"),
    ("where", "x", "where must be Path | None, not str"),
    ("source", b"x", "source must be a binary file | None, not bytes"),
    ("user", 7, "user must be str | None, not int"),
    ("note", 1, "note must be str, not int"),
    ("blob", "b", "blob must be bytes | None, not str"),
])
def test_values_of_another_kind_are_refused_naming_field_and_type(
        field: str, value: Any, message: str) -> None:
    with pytest.raises(TypeError, match=f"^Everything.{message}$"):
        Everything(**{field: value})


def test_the_message_never_shows_the_value() -> None:
    """A value in the wrong field may be a secret (an API key given as the model name)."""
    with pytest.raises(TypeError) as caught:
        Everything(count="sk-live-do-not-print")  # type: ignore[arg-type]
    assert "sk-live" not in str(caught.value)


def test_replace_checks_again() -> None:
    spec = Everything(text="a")
    with pytest.raises(TypeError, match=r"Everything\.count must be int"):
        dataclasses.replace(spec, count="1")  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class Checked(Spec[None]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/checked"
    limit: int = 10
    seen: ClassVar[list[int]] = []

    def __post_init__(self) -> None:
        super().__post_init__()
        self.seen.append(self.limit)


def test_a_spec_with_its_own_post_init_is_checked_through_super() -> None:
    assert Checked(limit=3).limit == 3 and Checked.seen == [3]
    with pytest.raises(TypeError, match=r"Checked\.limit must be int, not str"):
        Checked(limit="3")  # type: ignore[arg-type]
    assert Checked.seen == [3]


def test_a_field_whose_annotation_does_not_resolve_is_not_checked() -> None:
    """A spec is never refused for its declaration: what cannot be resolved is not checked,
    and the other fields still are."""

    @dataclass(frozen=True, kw_only=True)
    class Local(Spec[None]):
        method: ClassVar[str] = "GET"
        path: ClassVar[str] = "/v1/local"
        thing: NotDefinedAnywhere = None  # type: ignore[name-defined]  # noqa: F821
        limit: int = 1

    assert Local(thing=object()).limit == 1
    with pytest.raises(TypeError, match=r"Local\.limit must be int, not str"):
        Local(limit="x")  # type: ignore[arg-type]
